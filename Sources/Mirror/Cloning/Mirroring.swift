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
/// refs moved is indexed by the next one.
public struct Mirroring {
    public let config: PIConfig
    /// git's progress meter on the terminal.
    public var progress: Bool
    /// Indexes an inbox's new commits, about as many as the second argument says (the command
    /// line shows progress around `catchUp`).
    public var index: (Inbox, Int) throws -> ImportSummary
    /// Status lines.
    public var say: (String) -> Void

    public init(
        config: PIConfig, progress: Bool = false,
        index: @escaping (Inbox, Int) throws -> ImportSummary = { inbox, _ in try Importer(inbox: inbox).catchUp() },
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

    /// Whether `name` is an inbox name public-inbox accepts.
    public static func isValidName(_ name: String) -> Bool {
        guard let f = name.unicodeScalars.first, f.isASCII, f.properties.isAlphabetic || ("0"..."9").contains(f) || f == "_" || f == "-"
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.+".unicodeScalars.contains($0))
        }
    }

    /// Mirrors `remote` as inbox `name` in `dir` (which must not exist or be empty), records it
    /// in the config and indexes it.
    public func clone(_ remote: RemoteInbox, name: String, dir: String, epochs range: EpochRange? = nil) throws -> Result {
        guard Mirroring.isValidName(name) else { throw Subprocess.Failure(description: "\"\(name)\" is not a usable inbox name") }
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
        let parent = (dir as NSString).deletingLastPathComponent
        let top = parent.isEmpty ? "." : parent
        Mirroring.removeAbandonedClones(in: top, name: name)
        let building = top + "/.tidings-clone-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: building)
        var ok = false
        defer { if !ok { try? FileManager.default.removeItem(atPath: building) } }
        let repo = InboxRepository(dir: building)
        try Subprocess.run(["mkdir", "-p", building + "/git"])
        let sync = EpochSync(repository: repo, progress: progress)
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
        let count = wanted.reduce(0) { $0 + Mirroring.commits(in: repo.epochPath($1), since: nil) }
        result.summary = try index(try Inbox(config: ic), count)
        try? FileManager.default.removeItem(atPath: dir)  // empty, if it exists
        guard rename(building, dir) == 0 else {
            throw Subprocess.Failure(description: "cannot move \(building) to \(dir): \(String(cString: strerror(errno)))")
        }
        ok = true
        ic.dir = dir
        try config.add(ic)
        try Subprocess.run(["git", "config", "--file", config.path, Mirroring.upstreamKey(name), remote.url])
        return result
    }

    /// Commits of an epoch's branch newer than `old` (all of them without it).
    static func commits(in gitDir: String, since old: String?) -> Int {
        let range = old.map { "\($0)..refs/heads/master" } ?? "refs/heads/master"
        return Int((try? Subprocess.text(["git", "--git-dir=\(gitDir)", "rev-list", "--count", range])) ?? "") ?? 0
    }

    /// Work directories of clones of `name` whose process is gone (killed midway).
    static func removeAbandonedClones(in top: String, name: String) {
        let prefix = ".tidings-clone-\(name)-"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: top)) ?? [] where entry.hasPrefix(prefix) {
            guard let pid = Int32(entry.dropFirst(prefix.count)), kill(pid, 0) != 0 && errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: top + "/" + entry)
        }
    }

    /// An inbox's description from an epoch's (`DESCRIPTION [epoch N]` as public-inbox writes it).
    static func inboxDescription(_ epoch: String) -> String {
        guard epoch.hasSuffix("]"), let r = epoch.range(of: " [epoch ", options: .backwards) else { return epoch }
        return String(epoch[..<r.lowerBound])
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
            out.append((c, RemoteInbox(url: up)))
        }
        return out
    }

    /// Brings the mirror `ic` up to date with `remote`: new objects of the epochs it has, epochs
    /// newer than its newest, then the index. Holds the inbox's write lock throughout.
    public func fetch(_ ic: InboxConfig, from remote: RemoteInbox) throws -> Result {
        try Inbox.withWriteLock(dir: ic.dir) {
            let repo = InboxRepository(dir: ic.dir)
            let sync = EpochSync(repository: repo, progress: progress)
            let local = repo.epochs()
            let listed = try remote.epochs()
            guard !listed.isEmpty else { throw Subprocess.Failure(description: "\(remote.url): no epochs listed") }
            var result = Result(name: ic.name)
            let newest = local.last ?? -1
            let tips = Dictionary(uniqueKeysWithValues: local.map { ($0, repo.tip($0)) })
            for (n, entry) in listed {
                if local.contains(n) {
                    if let fp = entry?.fingerprint, fp == Manifest.entry(gitDir: repo.epochPath(n))?.fingerprint { continue }
                    let f = try sync.fetch(n, from: remote.epochURL(n))
                    result.note(missing: f.missing, epoch: n, say: say)
                    if f.moved { result.epochsChanged.append(n) }
                } else if n > newest {
                    say("\(ic.name): new epoch \(n)")
                    result.note(missing: try sync.cloneNew(n, from: remote.epochURL(n)), epoch: n, say: say)
                    result.epochsChanged.append(n)
                }
            }
            let count = result.epochsChanged.reduce(0) { $0 + Mirroring.commits(in: repo.epochPath($1), since: tips[$1] ?? nil) }
            result.summary = try index(try Inbox(config: ic), count)
            return result
        }
    }
}
