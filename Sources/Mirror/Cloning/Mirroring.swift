import Foundation
import Index
import Store
import Support

/// `tidings clone` and `tidings fetch`: mirrors of public-inbox-compatible inboxes, kept in the
/// public-inbox config with `publicinbox.NAME.upstream` naming where they come from.
///
/// Nothing the local inbox serves changes until git has everything: a clone is built in a
/// directory beside its destination and renamed into place once indexed; a fetch moves refs only
/// after every epoch's objects arrived and descend from what is here (`EpochSync`). The index
/// follows git (`Importer.catchUp`, the git-first-then-index rule), so a fetch killed after the
/// refs moved is indexed by the next one. Transfers run without the inbox's write lock (a
/// stalled source held it, and so `import` and `deliver`, for as long as it stalled); the lock
/// is taken to move refs and index.
public struct Mirroring {
    public let config: PIConfig
    /// git's progress meter on the terminal.
    public var progress: Bool
    /// What one upstream may cost (time, speed, metadata size).
    public var limits = MirrorLimits()
    /// Indexes an inbox's new commits, about as many as the second argument says (the command
    /// line shows progress around `catchUp`).
    public var index: (Inbox, Int) throws -> ImportSummary
    /// Status lines.
    public var say: (String) -> Void

    public init(
        config: PIConfig, progress: Bool = false,
        index: @escaping (Inbox, Int) throws -> ImportSummary = { inbox, _ in
            let importer = Importer(inbox: inbox)
            return try importer.catchUp(maxBlobSize: importer.maxMessageSize)
        },
        say: @escaping (String) -> Void = { _ in }
    ) {
        self.config = config
        self.progress = progress
        self.index = index
        self.say = say
    }

    public struct Result: Sendable {
        public var name: String
        /// Epochs whose refs moved or that are new.
        public var epochsChanged: [Int] = []
        /// Objects the source lacks, by epoch: mirrored without them (the index records the
        /// messages it could not read).
        public var missing: [Int: [String]] = [:]
        /// What indexing did (nil before it ran).
        public var summary: ImportSummary?
        mutating func note(missing oids: [String], epoch n: Int, say: (String) -> Void) {
            guard !oids.isEmpty else { return }
            missing[n] = oids
            let shown = oids.prefix(10).joined(separator: " ") + (oids.count > 10 ? " …" : "")
            say("\(name): epoch \(n): the source lacks \(oids.count) object\(oids.count == 1 ? "" : "s"), mirrored without: \(shown)")
        }

        public var nothingNew: Bool { epochsChanged.isEmpty && (summary?.imported ?? 0) == 0 && (summary?.removed ?? 0) == 0 }
    }

    /// The config key recording where a mirror comes from.
    public static func upstreamKey(_ name: String) -> String { "publicinbox.\(name).upstream" }

    /// Whether `name` is an inbox name public-inbox accepts, not starting with `-` (it becomes
    /// an argument of git and of printed commands).
    public static func isValidName(_ name: String) -> Bool {
        guard let f = name.unicodeScalars.first, f.isASCII, f.properties.isAlphabetic || ("0"..."9").contains(f) || f == "_"
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.+".unicodeScalars.contains($0))
        }
    }

    /// Mirrors `remote` as inbox `name` in `dir` (which must not exist or be empty), records it
    /// in the config and indexes it.
    public func clone(_ remote: RemoteInbox, name: String, dir: String, epochs range: EpochRange? = nil) throws -> Result {
        guard Mirroring.isValidName(name) else { throw Subprocess.Failure(description: "\"\(name)\" is not a usable inbox name") }
        try RemoteInbox.checkURL(remote.url)
        if (try? config.inbox(named: name)) != nil {
            throw Subprocess.Failure(description: "an inbox named \(name) is already in \(config.path) (tidings fetch \(name) updates it)")
        }
        if let existing = try? FileManager.default.contentsOfDirectory(atPath: dir), !existing.isEmpty {
            throw Subprocess.Failure(description: "\(dir) exists and is not empty")
        }
        let listed = try remote.epochs()
        guard !listed.isEmpty else {
            throw Subprocess.Failure(description: "\(remote.url): no epochs to mirror (not a public-inbox v2 inbox?)")
        }
        let wanted = range.map { $0.select(listed.map(\.epoch)) } ?? listed.map(\.epoch)
        guard !wanted.isEmpty else { throw Subprocess.Failure(description: "\(remote.url): no epoch in the range asked for") }
        let snippet = try remote.configSnippet()
        for r in snippet.refused { say("\(name): not taken from \(remote.url)/_/text/config/raw: \(r)") }
        let parent = (dir as NSString).deletingLastPathComponent
        let top = parent.isEmpty ? "." : parent
        Mirroring.removeAbandonedClones(in: top)
        let building = top + "/.tidings-clone-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: building)
        var ok = false
        defer { if !ok { try? FileManager.default.removeItem(atPath: building) } }
        let repo = InboxRepository(dir: building)
        try Subprocess.run(["mkdir", "-p", building + "/git"])
        let sync = EpochSync(repository: repo, progress: progress, limits: remote.limits)
        var result = Result(name: name)
        for n in wanted {
            say("\(name): cloning epoch \(n) from \(remote.epochURL(n))")
            result.note(missing: try sync.cloneNew(n, from: remote.epochURL(n)), epoch: n, say: say)
            result.epochsChanged.append(n)
        }
        let addresses = snippet.addresses.isEmpty ? ["\(name)@localhost"] : snippet.addresses
        // the layout of `public-inbox-init -V2`, without creating an epoch left out by `range`
        try repo.updateAlternates()
        FileManager.default.createFile(atPath: building + "/inbox.lock", contents: Data())
        FileManager.default.createFile(
            atPath: building + "/description",
            contents: Data(
                (listed[0].entry?.description.map { Mirroring.inboxDescription($0) } ?? "public inbox for \(addresses[0])").utf8 + [10]))
        var ic = InboxConfig(name: name, dir: building, addresses: addresses)
        ic.newsgroup = snippet.newsgroup
        // the config's own limit, as `PIConfig.inboxes` gives it to inboxes
        ic.maxMessageSize = try config.values("tidings.maxMessageSize").last.flatMap(InboxConfig.parseSize)
        let count = wanted.reduce(0) { $0 + Mirroring.commits(in: repo.epochPath($1), since: nil) }
        result.summary = try index(try Inbox(config: ic), count)
        try? FileManager.default.removeItem(atPath: dir)  // empty, if it exists
        guard rename(building, dir) == 0 else {
            throw Subprocess.Failure(description: "cannot move \(building) to \(dir): \(String(cString: strerror(errno)))")
        }
        ok = true
        ic.dir = dir
        try config.add(ic)
        try Subprocess.run(["git", "config", "--file", config.path, "--", Mirroring.upstreamKey(name), remote.url])
        return result
    }

    /// Commits of an epoch's branch newer than `old` (all of them without it).
    static func commits(in gitDir: String, since old: String?) -> Int {
        let range = old.map { "\($0)..refs/heads/master" } ?? "refs/heads/master"
        return Int((try? Subprocess.text(["git", "--git-dir=\(gitDir)", "rev-list", "--count", range])) ?? "") ?? 0
    }

    /// Work directories of clones (of any inbox) whose process is gone (killed midway):
    /// `.tidings-clone-NAME-PID`.
    static func removeAbandonedClones(in top: String) {
        let prefix = ".tidings-clone-"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: top)) ?? [] where entry.hasPrefix(prefix) {
            guard let dash = entry.lastIndex(of: "-"), let pid = Int32(entry[entry.index(after: dash)...]), pid > 0, pid != getpid(),
                kill(pid, 0) != 0 && errno == ESRCH
            else { continue }
            try? FileManager.default.removeItem(atPath: top + "/" + entry)
        }
    }

    /// An inbox's description from an epoch's (`DESCRIPTION [epoch N]` as public-inbox writes
    /// it), on one line of at most 500 characters (it comes from the upstream's manifest).
    static func inboxDescription(_ epoch: String) -> String {
        var d = epoch
        if d.hasSuffix("]"), let r = d.range(of: " [epoch ", options: .backwards) { d = String(d[..<r.lowerBound]) }
        let line = String(String.UnicodeScalarView(d.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
        return String(line.prefix(500))
    }

    /// The inboxes of the config that are mirrors (have an upstream), or those named.
    public func mirrors(named names: [String]) throws -> [(InboxConfig, RemoteInbox)] {
        let all = try config.inboxes()
        let chosen = names.isEmpty ? all : try names.map { try config.inbox(named: $0) }
        var out: [(InboxConfig, RemoteInbox)] = []
        for c in chosen {
            guard let up = try config.values(Mirroring.upstreamKey(c.name)).last else {
                if names.isEmpty { continue }
                throw Subprocess.Failure(description: "\(c.name) is not a mirror (no \(Mirroring.upstreamKey(c.name)) in \(config.path))")
            }
            out.append((c, RemoteInbox(url: up, limits: limits)))
        }
        return out
    }

    /// Brings the mirror `ic` up to date with `remote`: new objects of the epochs it has, epochs
    /// newer than its newest, then the index. Objects move without the inbox's write lock
    /// (nothing reads them yet); the lock is held to move refs, put new epochs in place and
    /// index. Two fetches of one mirror do not run at once (the second is refused).
    public func fetch(_ ic: InboxConfig, from remote: RemoteInbox) throws -> Result {
        try RemoteInbox.checkURL(remote.url)
        return try Mirroring.withFetchLock(ic) {
            let repo = InboxRepository(dir: ic.dir)
            let sync = EpochSync(repository: repo, progress: progress, limits: remote.limits)
            let local = repo.epochs()
            let listed = try remote.epochs()
            guard !listed.isEmpty else { throw Subprocess.Failure(description: "\(remote.url): no epochs listed") }
            var result = Result(name: ic.name)
            let (fetched, added) = try transfer(listed, local: local, sync: sync, remote: remote, result: &result)
            return try Inbox.withWriteLock(dir: ic.dir) {
                let tips = Dictionary(uniqueKeysWithValues: local.map { ($0, repo.tip($0)) })
                do {
                    for n in fetched {
                        if try sync.moveRefs(n, from: remote.epochURL(n)) { result.epochsChanged.append(n) }
                    }
                    for n in added {
                        try sync.place(n)
                        result.epochsChanged.append(n)
                    }
                } catch {
                    Mirroring.discard(fetched: fetched, added: added, sync: sync)
                    throw error
                }
                let count = result.epochsChanged.reduce(0) { $0 + Mirroring.commits(in: repo.epochPath($1), since: tips[$1] ?? nil) }
                result.summary = try index(try Inbox(config: ic), count)
                return result
            }
        }
    }

    /// The transfers of a fetch, outside the write lock: the epochs fetched into
    /// `refs/tidings-incoming/` and those cloned aside. A failure leaves neither behind.
    func transfer(
        _ listed: [(epoch: Int, entry: Manifest.Entry?)], local: [Int], sync: EpochSync, remote: RemoteInbox, result: inout Result
    ) throws -> (fetched: [Int], added: [Int]) {
        var fetched: [Int] = []
        var added: [Int] = []
        let newest = local.last ?? -1
        do {
            for (n, entry) in listed {
                if local.contains(n) {
                    if let fp = entry?.fingerprint, fp == Manifest.entry(gitDir: sync.repository.epochPath(n))?.fingerprint { continue }
                    fetched.append(n)
                    result.note(missing: try sync.transfer(n, from: remote.epochURL(n)), epoch: n, say: say)
                } else if n > newest {
                    say("\(result.name): new epoch \(n)")
                    added.append(n)
                    result.note(missing: try sync.cloneAside(n, from: remote.epochURL(n)), epoch: n, say: say)
                }
            }
        } catch {
            Mirroring.discard(fetched: fetched, added: added, sync: sync)
            throw error
        }
        return (fetched, added)
    }

    /// Drops what transfers left that no ref of the inbox uses.
    static func discard(fetched: [Int], added: [Int], sync: EpochSync) {
        for n in fetched { sync.clearIncoming(sync.repository.epochPath(n)) }
        for n in added { try? FileManager.default.removeItem(atPath: sync.aside(n)) }
    }

    /// Runs `body` unless another fetch of the mirror runs (a lock on its `git` directory).
    static func withFetchLock<T>(_ ic: InboxConfig, _ body: () throws -> T) throws -> T {
        let fd = open(ic.dir + "/git", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Subprocess.Failure(description: "cannot open \(ic.dir)/git: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            throw Subprocess.Failure(description: "another tidings fetch of \(ic.name) is running; not fetched")
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
