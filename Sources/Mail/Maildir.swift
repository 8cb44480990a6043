import Foundation
import Support

#if canImport(Glibc)
    import Glibc
#endif

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

    /// Paths of every message file (names that are not UTF-8 shown with replacement
    /// characters: use `messageFiles` to read them).
    public func messagePaths() throws -> [String] { messageFiles().map(\.displayPath) }

    /// Every message file of `new/` and `cur/` (not dot files, not directories), in file-name
    /// order. Names are kept as the bytes the file system holds, so a name that is not UTF-8
    /// (old MUAs, other locales) is read like any other instead of being lost.
    public func messageFiles() -> [File] {
        var out: [File] = []
        for sub in ["new", "cur"] {
            let dir = Array((path + "/" + sub + "/").utf8)
            guard let d = opendir(path + "/" + sub) else { continue }
            defer { closedir(d) }
            var names: [[UInt8]] = []
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
                if name.first == UInt8(ascii: ".") { continue }
                names.append(name)
            }
            for name in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                let f = File(path: dir + name)
                if !f.isDirectory { out.append(f) }
            }
        }
        return out
    }

    /// One file of a Maildir, by the bytes of its path.
    public struct File: Sendable {
        public let path: [UInt8]

        /// The path for messages (invalid UTF-8 shown as U+FFFD).
        public var displayPath: String { String(decoding: path, as: UTF8.self) }

        var isDirectory: Bool {
            var st = stat()
            return withCPath { stat($0, &st) } == 0 && (st.st_mode & S_IFMT) == S_IFDIR
        }

        /// Up to `limit` bytes of the file (nil: all) and its size; throws with the system's
        /// reason when it cannot be read.
        public func read(atMost limit: Int?) throws -> (bytes: [UInt8], size: Int) {
            let fd = withCPath { open($0, O_RDONLY | O_CLOEXEC) }
            guard fd >= 0 else { throw ReadError(path: displayPath, code: errno) }
            defer { close(fd) }
            let r = BoundedRead.file(fd: fd, limit: limit)
            if let e = r.error { throw ReadError(path: displayPath, code: e) }
            return (r.bytes, r.size)
        }

        /// The file's bytes; throws with the system's reason when it cannot be read.
        public func read() throws -> [UInt8] {
            let fd = withCPath { open($0, O_RDONLY | O_CLOEXEC) }
            guard fd >= 0 else { throw ReadError(path: displayPath, code: errno) }
            defer { close(fd) }
            var out: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buf.withUnsafeMutableBufferPointer { Glibc.read(fd, $0.baseAddress!, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 { throw ReadError(path: displayPath, code: errno) }
                if n == 0 { return out }
                out += buf[0..<n]
            }
        }

        private func withCPath<T>(_ body: (UnsafePointer<CChar>) -> T) -> T {
            (path + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) } }
        }
    }

    /// Why a message file could not be read.
    public struct ReadError: Error, CustomStringConvertible {
        public var path: String
        public var code: Int32
        public var description: String { "cannot read \(path): \(String(cString: strerror(code)))" }
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
