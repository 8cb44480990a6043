import CompressNIO
import NIOCore

/// A gzip stream (one deflate stream over many chunks), for `Accept-Encoding: gzip` responses
/// and for `*.mbox.gz`.
final class GzipStream: @unchecked Sendable {
    private let z: ZlibCompressor
    private let allocator = ByteBufferAllocator()

    init(level: Int32 = 6) throws {
        z = try ZlibCompressor(algorithm: .gzip, configuration: ZlibConfiguration(compressionLevel: level))
    }

    /// Compresses `bytes`; with `finish` the stream is closed (trailer written).
    func compress(_ bytes: [UInt8], finish: Bool = false) throws -> ByteBuffer {
        var input = allocator.buffer(capacity: max(bytes.count, 16))
        input.writeBytes(bytes)
        return try compress(&input, finish: finish)
    }

    func compress(_ input: inout ByteBuffer, finish: Bool) throws -> ByteBuffer {
        var out = allocator.buffer(capacity: max(input.readableBytes / 3, 1024))
        while true {
            if out.writableBytes < 512 { out.reserveCapacity(minimumWritableBytes: max(out.capacity, 4096)) }
            do {
                try z.deflate(from: &input, to: &out, flush: finish ? .finish : .no)
                if finish || input.readableBytes == 0 { return out }
            } catch let e as CompressNIOError where e == .bufferOverflow {
                out.reserveCapacity(minimumWritableBytes: max(out.capacity, 4096))
            }
        }
    }

    /// The whole of `bytes` as one gzip member.
    static func gzip(_ bytes: [UInt8], level: Int32 = 6) throws -> ByteBuffer {
        try GzipStream(level: level).compress(bytes, finish: true)
    }
}
