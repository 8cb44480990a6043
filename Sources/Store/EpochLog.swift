import Mail
import Support

/// One commit of an epoch, as public-inbox writes them: a message added (`m`) or removed (`d`),
/// or a commit that holds neither and is skipped (with why).
public struct EpochCommit: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        case add(blob: String)
        case remove(blob: String)
        /// Nothing to index: a merge, a commit without `m` or `d`, an `m` that is not a file.
        case skip(reason: String)
        /// A tree or commit git cannot read: what it changed is unknown.
        case unreadable(reason: String)
    }

    public var oid: String
    /// Committer time: when the inbox received the message.
    public var committedAt: Int64
    public var change: Change
}

/// Reads an epoch's history oldest first, optionally after a commit, as public-inbox's indexer
/// sees it (`git log --raw -r`): every parent of a non-linear history is walked, merges change
/// nothing, and `m` and `d` count only as regular files (mode 100644) that differ from the
/// parent's. Each commit's tree is read on its own (`git cat-file`), so a missing tree costs that
/// commit only, and a missing commit cuts the history there instead of ending the run.
public enum EpochLog {
    public static func commits(gitDir: String, after: String? = nil) throws -> [EpochCommit] {
        var range = "refs/heads/master"
        if let after { range = "\(after)..refs/heads/master" }
        guard (try? Subprocess.text(["git", "--git-dir=\(gitDir)", "rev-parse", "-q", "--verify", "refs/heads/master"])) != nil else {
            return []
        }
        // newest first, streamed: what git could walk before a missing commit is kept
        let p = try Subprocess(
            ["git", "--git-dir=\(gitDir)", "log", "--no-notes", "--no-color", "--format=%H %ct %T %P", range], captureStderr: true)
        let reader = LineReader(fd: p.stdoutFD)
        var listed: [(oid: String, time: Int64, tree: String, parents: [Substring])] = []
        while let line = reader.nextLine() {
            let words = String(decoding: line, as: UTF8.self).trimmingASCIIWhitespace().split(separator: " ")
            guard words.count >= 3 else { continue }
            listed.append((String(words[0]), Int64(words[1]) ?? 0, String(words[2]), Array(words.dropFirst(3))))
        }
        let err = Subprocess.readAll(p.stderrFD)
        let status = p.wait()
        var out: [EpochCommit] = []
        let trees = try TreeReader(gitDir: gitDir)
        if status != 0 {
            let why = String(decoding: err, as: UTF8.self).trimmingASCIIWhitespace()
            guard let oldest = listed.last else {
                throw Subprocess.Failure(description: "git log in \(gitDir) failed (\(status)): \(why)")
            }
            // git stops a little before the commit it cannot read: walk on to it by first parents
            var next = oldest.parents.first.map(String.init)
            while let n = next, n != after, let c = trees.commit(n) {
                listed.append((n, c.time, c.tree, c.parents))
                next = c.parents.first.map(String.init)
            }
            let reason =
                next.map { "history cut: commit \($0) cannot be read; older commits cannot be reached (\(why))" }
                ?? "history incomplete: \(why)"
            out.append(EpochCommit(oid: next ?? listed.last!.oid, committedAt: 0, change: .unreadable(reason: reason)))
        }
        for c in listed.reversed() {
            let change: EpochCommit.Change
            if c.parents.count > 1 {
                change = .skip(reason: "merge commit: non-linear history; its tree is not read (public-inbox-index does not either)")
            } else {
                // the parent's tree first: it is the one read last
                let before = c.parents.first.flatMap { trees.files(commit: String($0)) } ?? [:]
                if let files = trees.files(tree: c.tree) {
                    change = EpochLog.change(files, before: before)
                } else {
                    change = .unreadable(reason: "object missing: tree \(c.tree) of the commit cannot be read")
                }
            }
            trees.remember(commit: c.oid, tree: c.tree)
            out.append(EpochCommit(oid: c.oid, committedAt: c.time, change: change))
        }
        return out
    }

    /// The blobs that a history leaves in the inbox: each `m` added and not taken back by a
    /// later `d` (`undoneAdditions`). nil when some commit could not be read, so what is in the
    /// inbox cannot be told.
    public static func liveBlobs(_ commits: [EpochCommit]) -> Set<String>? {
        if commits.contains(where: { if case .unreadable = $0.change { true } else { false } }) { return nil }
        let undone = undoneAdditions(commits)
        var live: Set<String> = []
        for (i, c) in commits.enumerated() where !undone.contains(i) {
            if case .add(let blob) = c.change { live.insert(blob) }
        }
        return live
    }

    /// The positions in `commits` of the additions that a later `d` removes (each removal takes
    /// back the latest addition of its blob before it): messages purged from the inbox, which a
    /// copy of it must not bring back.
    public static func undoneAdditions(_ commits: [EpochCommit]) -> Set<Int> {
        var added: [String: [Int]] = [:]
        var undone: Set<Int> = []
        for (i, c) in commits.enumerated() {
            switch c.change {
            case .add(let blob): added[blob, default: []].append(i)
            case .remove(let blob): if let j = added[blob]?.popLast() { undone.insert(j) }
            case .skip, .unreadable: continue
            }
        }
        return undone
    }

    /// What a commit with the files `files` (name → mode, object) changed after a parent with `before`.
    static func change(_ files: [String: (mode: String, oid: String)], before: [String: (mode: String, oid: String)]) -> EpochCommit.Change
    {
        var notFile: String?
        var found: [String: String] = [:]
        for name in ["m", "d"] {
            guard let f = files[name], before[name].map({ $0.mode != f.mode || $0.oid != f.oid }) ?? true else { continue }
            if f.mode == "100644" {
                found[name] = f.oid
            } else {
                notFile = "no message: \(name) is not a regular file (mode \(f.mode))"
            }
        }
        if let m = found["m"] { return .add(blob: m) }
        if let d = found["d"] { return .remove(blob: d) }
        return .skip(reason: notFile ?? "no message: the commit adds no m or d file")
    }
}

/// Top-level entries of trees through one `git cat-file --batch`, with each listed commit's tree
/// remembered so that a parent's files are one lookup away.
final class TreeReader {
    private let cat: CatFile
    private var treeOfCommit: [String: String] = [:]
    private var last: (tree: String, files: [String: (mode: String, oid: String)]?)?

    init(gitDir: String) throws { cat = try CatFile(gitDir: gitDir) }

    func remember(commit: String, tree: String) { treeOfCommit[commit] = tree }

    /// A commit's tree, parents and committer time, read from the object (nil when unreadable).
    func commit(_ oid: String) -> (tree: String, parents: [Substring], time: Int64)? {
        guard let o = try? cat.object(oid), o.type == "commit" else { return nil }
        var tree: String?
        var parents: [Substring] = []
        var time: Int64 = 0
        for line in String(decoding: o.bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }  // the headers end before the message
            if line.hasPrefix("tree ") { tree = String(line.dropFirst(5)) }
            if line.hasPrefix("parent ") { parents.append(line.dropFirst(7)) }
            if line.hasPrefix("committer ") {
                // "committer NAME <EMAIL> SECONDS ZONE"
                let words = line.split(separator: " ")
                if words.count >= 2 { time = Int64(words[words.count - 2]) ?? 0 }
            }
        }
        return tree.map { ($0, parents, time) }
    }

    /// The files of a commit's tree (nil when the commit or its tree cannot be read).
    func files(commit: String) -> [String: (mode: String, oid: String)]? {
        if let t = treeOfCommit[commit] { return files(tree: t) }
        return self.commit(commit).flatMap { files(tree: $0.tree) }
    }

    /// name → (mode, object id) of a tree's entries; nil when it cannot be read.
    func files(tree: String) -> [String: (mode: String, oid: String)]? {
        if let l = last, l.tree == tree { return l.files }
        var result: [String: (mode: String, oid: String)]?
        if let o = try? cat.object(tree), o.type == "tree" {
            var entries: [String: (mode: String, oid: String)] = [:]
            let b = o.bytes
            var i = 0
            // entries: "<mode> <name>\0" and 20 bytes of object id
            while i < b.count, let sp = b[i...].firstIndex(of: 0x20), let nul = b[sp...].firstIndex(of: 0), nul + 21 <= b.count {
                let mode = String(decoding: b[i..<sp], as: UTF8.self)
                let name = String(decoding: b[(sp + 1)..<nul], as: UTF8.self)
                entries[name] = (mode.count == 5 ? "0" + mode : mode, Digest.hex(Array(b[(nul + 1)..<(nul + 21)])))
                i = nul + 21
            }
            result = entries
        }
        last = (tree, result)
        return result
    }
}
