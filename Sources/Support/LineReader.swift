#if canImport(Glibc)
    import Glibc
#endif

/// Reads bytes from a file descriptor in large chunks, one line at a time.
public final class LineReader {
    private let fd: Int32
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var eof = false
    public private(set) var offset = 0

    public init(fd: Int32, bufferSize: Int = 1 << 20) {
        self.fd = fd
        buffer = [UInt8](repeating: 0, count: bufferSize)
    }

    private func fill() -> Bool {
        if eof { return false }
        if start > 0 {
            if end > start {
                buffer.withUnsafeMutableBufferPointer { p in _ = memmove(p.baseAddress!, p.baseAddress! + start, end - start) }
            }
            end -= start
            start = 0
        }
        if end == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
        var n: Int
        repeat {
            n = buffer.withUnsafeMutableBufferPointer { p in Glibc.read(fd, p.baseAddress! + end, p.count - end) }
        } while n < 0 && errno == EINTR
        if n <= 0 {
            eof = true
            return false
        }
        end += n
        return true
    }

    /// The next line with its `\n` (the last line may lack it); nil at the end.
    public func nextLine() -> ArraySlice<UInt8>? { nextLine(atMost: Int.max) }

    /// The next line with its `\n`, or, of a line longer than `limit`, its next `limit` bytes
    /// (no `\n`: the rest follows in the next calls). The buffer then grows no larger than
    /// `limit`, however long the line: a 1 GiB message on one line costs `limit`, not 2 GiB.
    public func nextLine(atMost limit: Int) -> ArraySlice<UInt8>? {
        var scanFrom = start
        while true {
            let scanEnd = end - start > limit ? start + limit : end
            if let nl = buffer[scanFrom..<scanEnd].firstIndex(of: 0x0A) {
                let line = buffer[start...nl]
                offset += line.count
                start = nl + 1
                return line
            }
            if end - start >= limit {
                let piece = buffer[start..<(start + limit)]
                offset += limit
                start += limit
                return piece
            }
            let consumed = end - start
            if !fill() {
                if end > start {
                    let line = buffer[start..<end]
                    offset += line.count
                    start = end
                    return line
                }
                return nil
            }
            scanFrom = start + consumed
        }
    }

    /// Reads and drops up to `n` more bytes; returns how many there were.
    public func skip(count n: Int) -> Int {
        var left = n
        while left > 0 {
            if end == start && !fill() { break }
            let k = min(left, end - start)
            start += k
            offset += k
            left -= k
        }
        return n - left
    }

    /// Exactly `n` more bytes (fewer at the end of input). What the buffer does not hold yet is
    /// read from the descriptor straight into the result.
    public func read(count n: Int) -> [UInt8] {
        let buffered = min(n, end - start)
        var got = 0
        let out = [UInt8](unsafeUninitializedCapacity: n) { dest, initialized in
            buffer.withUnsafeBufferPointer { src in
                if buffered > 0 { dest.baseAddress!.update(from: src.baseAddress! + start, count: buffered) }
            }
            got = buffered
            while got < n && !eof {
                let r = Glibc.read(fd, dest.baseAddress! + got, n - got)
                if r < 0 && errno == EINTR { continue }
                if r <= 0 {
                    eof = true
                    break
                }
                got += r
            }
            initialized = got
        }
        start += buffered
        offset += got
        return out
    }
}
