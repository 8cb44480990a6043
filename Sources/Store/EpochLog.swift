import Mail

/// One commit of an epoch, as public-inbox writes them: a message added (`m`) or removed (`d`),
/// or a commit that holds neither and is skipped (with why).
public struct EpochCommit: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        case add(blob: String)
        case remove(blob: String)
        /// Nothing to index: a merge, a commit without `m` or `d`, an `m` that is not a file.
        case skip(reason: String)
    }

    public var oid: String
    /// Committer time: when the inbox received the message.
    public var committedAt: Int64
    public var change: Change
}

/// Reads an epoch's history oldest first (`git log --reverse --raw`), optionally after a commit.
/// Like public-inbox's indexer it walks every parent of a non-linear history, and takes `m` and
/// `d` only as regular files (mode 100644) added or modified.
public enum EpochLog {
    public static func commits(gitDir: String, after: String? = nil) throws -> [EpochCommit] {
        var range = "refs/heads/master"
        if let after { range = "\(after)..refs/heads/master" }
        guard (try? Subprocess.text(["git", "--git-dir=\(gitDir)", "rev-parse", "-q", "--verify", "refs/heads/master"])) != nil else {
            return []
        }
        let p = try Subprocess(
            [
                "git", "--git-dir=\(gitDir)", "log", "--reverse", "--no-renames", "--raw", "-r", "--no-abbrev", "--no-notes",
                "--no-color", "--format=%x01%H %ct %P", range,
            ], captureStderr: true)
        let reader = LineReader(fd: p.stdoutFD)
        var out: [EpochCommit] = []
        var oid = ""
        var time: Int64 = 0
        var parents = 0
        var added: String?
        var removed: String?
        var other: String?
        func flush() {
            if !oid.isEmpty {
                let change: EpochCommit.Change
                if let a = added {
                    change = .add(blob: a)
                } else if let r = removed {
                    change = .remove(blob: r)
                } else if parents > 1 {
                    change = .skip(reason: "merge commit: non-linear history; its tree is not read (public-inbox-index does not either)")
                } else {
                    change = .skip(reason: other ?? "no message: the commit adds no m or d file")
                }
                out.append(EpochCommit(oid: oid, committedAt: time, change: change))
            }
            oid = ""
            added = nil
            removed = nil
            other = nil
        }
        while let line = reader.nextLine() {
            if line.first == 0x01 {
                flush()
                let words = String(decoding: line.dropFirst(), as: UTF8.self).trimmingASCIIWhitespace().split(separator: " ")
                oid = words.first.map(String.init) ?? ""
                time = words.count > 1 ? Int64(words[1]) ?? 0 : 0
                parents = max(0, words.count - 2)
            } else if line.first == UInt8(ascii: ":") {
                // :100644 100644 OLD NEW M\tm
                let text = String(decoding: line, as: UTF8.self).trimmingASCIIWhitespace()
                guard let tab = text.firstIndex(of: "\t") else { continue }
                let path = text[text.index(after: tab)...]
                let f = text[..<tab].split(separator: " ")
                guard f.count >= 5, path == "m" || path == "d" else { continue }
                let mode = f[1]
                let new = String(f[3])
                let status = f[4]
                if status == "D" { continue }
                guard mode == "100644", status == "A" || status == "M" else {
                    other = "no message: \(path) is not a regular file (mode \(mode), status \(status))"
                    continue
                }
                if path == "m" { added = new } else { removed = new }
            }
        }
        flush()
        let err = Subprocess.readAll(p.stderrFD)
        let status = p.wait()
        if status != 0 {
            let why = String(decoding: err, as: UTF8.self).trimmingASCIIWhitespace()
            throw Subprocess.Failure(description: "git log in \(gitDir) failed (\(status)): \(why)")
        }
        return out
    }
}
