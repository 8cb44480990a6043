import Foundation
import Mail
import Store
import Support

/// One message as read from a source, before parsing.
public struct RawInput: Sendable {
    /// The message, or of one over the ingest limit, its first bytes (`size` says how many it had).
    public var bytes: [UInt8]
    /// The message's full size in its source.
    public var size: Int
    /// When it was received, if the source says (mbox From_ line, git commit); else now.
    public var receivedAt: Int64?
    /// Where it came from, for error messages: `file:offset`, `file`, `epoch@commit`.
    public var origin: String
    /// For a message read from git: its commit and blob.
    public var commit: String?
    public var object: String?
    /// Why there is no message here (a git object missing or not a message): set instead of bytes.
    public var unreadable: String?

    public init(
        bytes: [UInt8], size: Int? = nil, receivedAt: Int64?, origin: String, commit: String? = nil, object: String? = nil,
        unreadable: String? = nil
    ) {
        self.bytes = bytes
        self.size = max(size ?? 0, bytes.count)
        self.receivedAt = receivedAt
        self.origin = origin
        self.commit = commit
        self.object = object
        self.unreadable = unreadable
    }

    /// What the index records when this input is not stored.
    func rejection(_ reason: String) -> ImportSummary.Rejection {
        .init(origin: origin, reason: reason, commit: commit, object: object)
    }
}

/// Something messages can be imported from: an mbox (gzipped or not, any variant), a
/// Maildir, one message file, a git epoch or bundle of `m` commits, a v2 inbox directory.
public enum MessageSource: Sendable, CustomStringConvertible {
    case mbox(path: String, format: MboxFormat)
    case maildir(path: String)
    case file(path: String)
    case epoch(gitDir: String)
    case bundle(path: String)
    case bytes([UInt8], origin: String)

    public struct Unrecognised: Error, CustomStringConvertible {
        public let path: String
        public let why: String
        public var description: String { "\(path): \(why)" }
    }

    public var description: String {
        switch self {
        case .mbox(let p, let f): return "\(p) (\(f.rawValue))"
        case .maildir(let p): return "\(p) (Maildir)"
        case .file(let p): return "\(p) (message)"
        case .epoch(let g): return "\(g) (git epoch)"
        case .bundle(let p): return "\(p) (git bundle)"
        case .bytes(_, let o): return o
        }
    }

    /// Works out what `path` is.
    public static func detect(_ path: String, mboxFormat: MboxFormat = .mboxrd) throws -> [MessageSource] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw Unrecognised(path: path, why: "no such file or directory")
        }
        if isDir.boolValue {
            if Maildir.looksLikeMaildir(path) { return [.maildir(path: path)] }
            if fileExists(path + "/HEAD") && fileExists(path + "/objects") { return [.epoch(gitDir: path)] }
            let repo = InboxRepository(dir: path)
            let epochs = repo.epochs()
            if !epochs.isEmpty { return epochs.map { .epoch(gitDir: repo.epochPath($0)) } }
            throw Unrecognised(path: path, why: "a directory that is neither a Maildir, a git epoch nor a v2 inbox")
        }
        let head = try firstBytes(path, 4096)
        if head.starts(with: Array("# v2 git bundle".utf8)) || head.starts(with: Array("# v3 git bundle".utf8)) {
            return [.bundle(path: path)]
        }
        if head.starts(with: [0x1f, 0x8b]) { return [.mbox(path: path, format: mboxFormat)] }
        // an mbox may begin with blank lines
        if head.drop(while: { $0 == 0x0A || $0 == 0x0D }).starts(with: Array("From ".utf8)) {
            return [.mbox(path: path, format: mboxFormat)]
        }
        return [.file(path: path)]
    }

    static func firstBytes(_ path: String, _ n: Int) throws -> [UInt8] {
        guard let h = FileHandle(forReadingAtPath: path) else { throw Unrecognised(path: path, why: "cannot be read") }
        defer { try? h.close() }
        return Array(h.readData(ofLength: n))
    }

    /// How many messages it holds, when cheap to tell (for the progress bar).
    public func count() -> Int? {
        switch self {
        case .maildir(let p): return Maildir(path: p).messageFiles().count
        case .file, .bytes: return 1
        case .epoch(let g):
            return (try? Subprocess.text(["git", "--git-dir=\(g)", "rev-list", "--count", "refs/heads/master"])).flatMap { Int($0) }
        case .bundle(let p):
            // the bundle's commits are counted after unbundling; estimate from its header
            _ = p
            return nil
        case .mbox: return nil
        }
    }

    /// Reads every message in order. Of a message larger than `limit` (files, Maildirs and
    /// mboxes, gzipped too) only the first `limit` bytes are read and held, its size counted.
    public func forEach(keepingAtMost limit: Int? = nil, _ body: (RawInput) throws -> Void) throws {
        switch self {
        case .bytes(let b, let origin):
            try body(RawInput(bytes: b, receivedAt: nil, origin: origin))
        case .file(let p):
            let fd = open(p, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw Unrecognised(path: p, why: "cannot be read") }
            let r = BoundedRead.file(fd: fd, limit: limit)
            close(fd)
            if r.error != nil { throw Unrecognised(path: p, why: "cannot be read") }
            try body(RawInput(bytes: r.bytes, size: r.size, receivedAt: nil, origin: p))
        case .maildir(let p):
            // a file that cannot be read is reported (rejected, with why), never skipped unseen
            for f in Maildir(path: p).messageFiles() {
                do {
                    let (bytes, size) = try f.read(atMost: limit)
                    try body(RawInput(bytes: bytes, size: size, receivedAt: nil, origin: f.displayPath))
                } catch let e as Maildir.ReadError {
                    try body(RawInput(bytes: [], receivedAt: nil, origin: f.displayPath, unreadable: e.description))
                }
            }
        case .mbox(let p, let format):
            let gz = (try? MessageSource.firstBytes(p, 2)) == [0x1f, 0x8b]
            func read(_ fd: Int32) throws {
                try MboxReader(fd: fd, format: format, maxMessageBytes: limit).forEach { e in
                    try body(RawInput(bytes: e.bytes, size: e.size, receivedAt: e.receivedAt, origin: "\(p):\(e.offset)"))
                }
            }
            if gz {
                // inflated as it is read: gzip -dc holds ~100 KB whatever the output's size
                let proc = try Subprocess(["gzip", "-dc", p])
                proc.closeStdin()
                try read(proc.stdoutFD)
                let status = proc.wait()
                if status != 0 { throw Unrecognised(path: p, why: "gzip -dc failed (\(status)): damaged gzip data") }
            } else {
                let fd = open(p, O_RDONLY)
                guard fd >= 0 else { throw Unrecognised(path: p, why: "cannot be opened") }
                defer { close(fd) }
                try read(fd)
            }
        case .epoch(let g):
            // one object that cannot be read is reported and skipped, never the end of the import
            var reader = try CatFile(gitDir: g)
            let commits = try EpochLog.commits(gitDir: g)
            // a message the inbox removed later (spam, a takedown) is not brought back
            let undone = EpochLog.undoneAdditions(commits)
            for (i, c) in commits.enumerated() {
                let origin = "\(g)@\(c.oid.prefix(12))"
                switch c.change {
                case .add where undone.contains(i):
                    continue
                case .add(let blob):
                    let (bytes, unreadable) = try MessageSource.readBlob(blob, with: &reader)
                    try body(
                        RawInput(
                            bytes: bytes, receivedAt: c.committedAt, origin: origin, commit: c.oid, object: blob, unreadable: unreadable))
                case .skip(let reason), .unreadable(let reason):
                    try body(RawInput(bytes: [], receivedAt: c.committedAt, origin: origin, commit: c.oid, unreadable: reason))
                case .remove:
                    continue
                }
            }
        case .bundle(let p):
            let tmp = NSTemporaryDirectory() + "tidings-bundle-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            defer { try? FileManager.default.removeItem(atPath: tmp) }
            try Subprocess.run(["git", "clone", "-q", "--mirror", p, tmp])
            try MessageSource.epoch(gitDir: tmp).forEach(keepingAtMost: limit, body)
        }
    }

    /// A blob's bytes, or why it cannot be read: missing, not a blob, or git cat-file ended on a
    /// damaged pack (then `reader` is replaced by a new one for the objects after it), or over
    /// `maxBytes` (then it is never held).
    static func readBlob(_ oid: String, with reader: inout CatFile, maxBytes: Int? = nil) throws -> (bytes: [UInt8], unreadable: String?) {
        do {
            return (try reader.readBlob(oid, maxBytes: maxBytes), nil)
        } catch let e as CatFile.TooLarge {
            return ([], e.description)
        } catch let e as CatFile.Missing {
            return ([], "object missing: \(e.description)")
        } catch let e as CatFile.WrongType {
            return ([], "not a blob: \(e.description)")
        } catch let e as Subprocess.Failure {
            reader = try CatFile(gitDir: reader.gitDir)
            return ([], "object unreadable: \(oid): \(e.description)")
        }
    }
}
