#if canImport(Glibc)
    import Glibc
#endif

/// Reads at most so many bytes of a file or stream, so that one huge input (a 1 GiB message
/// on stdin, in a Maildir or as a .eml) costs the limit, not its size.
public enum BoundedRead {
    /// What was read: the first bytes, whether input went on after them, or the errno that
    /// stopped the read.
    public struct Prefix: Sendable {
        public var bytes: [UInt8]
        public var more: Bool
        public var error: Int32?
    }

    /// Up to `limit` bytes of `fd` (nil: all of it). One byte more is read to tell whether the
    /// input goes on (it is dropped, and nothing after it is read).
    public static func prefix(fd: Int32, limit: Int?) -> Prefix {
        let limit = max(0, limit ?? Int.max - 1)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let want = min(chunk.count, limit - out.count + 1)
            let n = chunk.withUnsafeMutableBufferPointer { read(fd, $0.baseAddress!, want) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return Prefix(bytes: out, more: false, error: errno) }
            if n == 0 { return Prefix(bytes: out, more: false, error: nil) }
            out += chunk[0..<n]
            if out.count > limit {
                out.removeLast(out.count - limit)
                return Prefix(bytes: out, more: true, error: nil)
            }
        }
    }

    /// Reads the rest of `fd` and drops it (memory: one 64 KiB piece); the bytes read. An MTA
    /// that pipes a message in may count a pipe closed before the end as a failed delivery
    /// rather than read the exit status.
    @discardableResult public static func drain(fd: Int32) -> Int {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        while true {
            let n = chunk.withUnsafeMutableBufferPointer { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return total }
            total += n
        }
    }

    /// Up to `limit` bytes of the open file `fd`, and its size (from fstat when the rest was
    /// not read; at least `limit + 1` when fstat cannot tell).
    public static func file(fd: Int32, limit: Int?) -> (bytes: [UInt8], size: Int, error: Int32?) {
        let p = prefix(fd: fd, limit: limit)
        guard p.more else { return (p.bytes, p.bytes.count, p.error) }
        var st = stat()
        let known = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : 0
        return (p.bytes, max(known, p.bytes.count + 1), nil)
    }
}
