import Mail

/// One commit of an epoch, as public-inbox writes them: a message added (`m`) or removed (`d`).
public struct EpochCommit: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        case add(blob: String)
        case remove(blob: String)
    }

    public var oid: String
    /// Committer time: when the inbox received the message.
    public var committedAt: Int64
    public var change: Change
}

/// Reads an epoch's history oldest first (`git log --reverse --raw`), optionally after a commit.
public enum EpochLog {
    public static func commits(gitDir: String, after: String? = nil) throws -> [EpochCommit] {
        var range = "refs/heads/master"
        if let after { range = "\(after)..refs/heads/master" }
        guard (try? Subprocess.text(["git", "--git-dir=\(gitDir)", "rev-parse", "-q", "--verify", "refs/heads/master"])) != nil else {
            return []
        }
        let p = try Subprocess([
            "git", "--git-dir=\(gitDir)", "log", "--reverse", "--no-renames", "--raw", "--no-abbrev",
            "--format=%x01%H %ct", range,
        ])
        let reader = LineReader(fd: p.stdoutFD)
        var out: [EpochCommit] = []
        var oid = ""
        var time: Int64 = 0
        var added: String?
        var removed: String?
        func flush() {
            if !oid.isEmpty {
                if let r = removed, added == nil {
                    out.append(EpochCommit(oid: oid, committedAt: time, change: .remove(blob: r)))
                } else if let a = added {
                    out.append(EpochCommit(oid: oid, committedAt: time, change: .add(blob: a)))
                }
            }
            oid = ""
            added = nil
            removed = nil
        }
        while let line = reader.nextLine() {
            if line.first == 0x01 {
                flush()
                let words = String(decoding: line.dropFirst(), as: UTF8.self).trimmingASCIIWhitespace().split(separator: " ")
                oid = words.first.map(String.init) ?? ""
                time = words.count > 1 ? Int64(words[1]) ?? 0 : 0
            } else if line.first == UInt8(ascii: ":") {
                // :100644 100644 OLD NEW M\tm
                let text = String(decoding: line, as: UTF8.self).trimmingASCIIWhitespace()
                guard let tab = text.firstIndex(of: "\t") else { continue }
                let path = text[text.index(after: tab)...]
                let f = text[..<tab].split(separator: " ")
                guard f.count >= 5 else { continue }
                let new = String(f[3])
                let status = f[4]
                if path == "m" && status != "D" { added = new }
                if path == "d" && status != "D" { removed = new }
            }
        }
        flush()
        let status = p.wait()
        if status != 0 { throw Subprocess.Failure(description: "git log in \(gitDir) failed (\(status))") }
        return out
    }
}
