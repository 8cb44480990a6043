import Foundation

/// A Maildir's messages (`cur/` and `new/`), in file-name order (delivery order for most MTAs).
public struct Maildir: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// True when `path` has `cur/` or `new/` folders.
    public static func looksLikeMaildir(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        for sub in ["cur", "new"] {
            if FileManager.default.fileExists(atPath: path + "/" + sub, isDirectory: &isDir), isDir.boolValue { return true }
        }
        return false
    }

    /// Paths of every message file.
    public func messagePaths() throws -> [String] {
        var out: [String] = []
        for sub in ["new", "cur"] {
            let dir = path + "/" + sub
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            out += names.filter { !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }
        }
        return out
    }
}

extension Maildir {
    /// Why a message could not be written (the system's reason, e.g. "No space left on device").
    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var code: Int32
        public var description: String { "cannot write \(path): \(String(cString: strerror(code)))" }
    }

    /// Writes a message the Maildir way (tmp/, fsync, then rename into new/) and returns its
    /// path. A failed write leaves nothing behind in tmp/.
    public func deliver(_ bytes: [UInt8]) throws -> String {
        for sub in ["tmp", "new", "cur"] {
            try FileManager.default.createDirectory(atPath: path + "/" + sub, withIntermediateDirectories: true)
        }
        let now = Date().timeIntervalSince1970
        let unique = "\(Int(now)).M\(Int((now - Double(Int(now))) * 1_000_000))P\(getpid())R\(UInt32.random(in: 0...UInt32.max)).tidings"
        let tmp = path + "/tmp/" + unique
        let dest = path + "/new/" + unique
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError(path: tmp, code: errno) }
        var failure: Int32 = 0
        bytes.withUnsafeBufferPointer { p in
            var off = 0
            while off < p.count {
                let n = write(fd, p.baseAddress! + off, p.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    failure = n < 0 ? errno : EIO
                    return
                }
                off += n
            }
        }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(tmp, dest) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(tmp)
            throw WriteError(path: tmp, code: failure)
        }
        return dest
    }
}

extension Maildir {
    /// Removes files in `tmp/` that no delivery will finish: those of a process that no longer
    /// runs (the `P<pid>` of the name), and any older than 36 hours (the Maildir rule). Returns
    /// the paths removed.
    @discardableResult
    public func removeStaleTemporaryFiles(now: Date = Date()) -> [String] {
        let dir = path + "/tmp"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        var removed: [String] = []
        for name in names {
            let file = dir + "/" + name
            var st = stat()
            guard lstat(file, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            let old = now.timeIntervalSince1970 - Double(st.st_mtim.tv_sec) > 36 * 3600
            let dead = Maildir.writerPID(name).map { kill($0, 0) != 0 && errno == ESRCH } ?? false
            if (old || dead) && unlink(file) == 0 { removed.append(file) }
        }
        return removed
    }

    /// The process id in a file name this or another MDA wrote (`….M123P4567R….tidings`,
    /// `1234.P4567Q8.host`): the digits after the first `P` of the part after the first dot.
    static func writerPID(_ name: String) -> pid_t? {
        guard let dot = name.firstIndex(of: "."), let p = name[dot...].firstIndex(of: "P") else { return nil }
        let digits = name[name.index(after: p)...].prefix { $0.isASCII && $0.isNumber }
        guard let pid = pid_t(digits), pid > 0 else { return nil }
        return pid
    }
}
