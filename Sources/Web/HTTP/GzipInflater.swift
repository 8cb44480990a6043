import CISAL

/// A gzip request body inflated as it arrives, up to a bound. `git http-backend` inflates a
/// gzip negotiation itself, without one: a 3.1 MB gzip body cost 45 s of git CPU. Inflating it
/// here lets the bound hold (`RequestTooLarge` past it) and hands git plain bytes.
final class GzipInflater {
    let limit: Int
    private(set) var total = 0
    private let state = UnsafeMutablePointer<inflate_state>.allocate(capacity: 1)
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)

    struct Malformed: Error, CustomStringConvertible {
        var description: String { "the request body is not gzip" }
    }

    init(limit: Int) {
        self.limit = limit
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
    }

    deinit { state.deallocate() }

    /// Whether the gzip stream has ended.
    var finished: Bool { state.pointee.block_state == ISAL_BLOCK_FINISH }

    /// The bytes `input` inflates to (bytes after the end of the stream are ignored).
    func inflate(_ input: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        try input.withUnsafeBufferPointer { src in
            state.pointee.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
            state.pointee.avail_in = UInt32(src.count)
            while !finished {
                let before = state.pointee.avail_in
                let produced = try step()
                guard produced > 0 || state.pointee.avail_in < before || before == 0 else { throw Malformed() }
                out += buffer[0..<produced]
                total += produced
                guard total <= limit else { throw RequestTooLarge(limit: limit) }
                if produced < buffer.count && state.pointee.avail_in == 0 { break }
            }
        }
        state.pointee.next_in = nil
        return out
    }

    /// One call of `isal_inflate` into `buffer`; how many bytes it wrote.
    private func step() throws -> Int {
        try buffer.withUnsafeMutableBufferPointer { b in
            state.pointee.next_out = b.baseAddress
            state.pointee.avail_out = UInt32(b.count)
            guard isal_inflate(state) == ISAL_DECOMP_OK else { throw Malformed() }
            return b.count - Int(state.pointee.avail_out)
        }
    }
}
