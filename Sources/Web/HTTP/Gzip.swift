import CISAL
import NIOCore

/// A gzip stream (one deflate stream over many chunks), for `Accept-Encoding: gzip` responses
/// and for `*.mbox.gz`, compressed by Intel ISA-L's igzip rather than zlib.
///
/// Level 2 by measure (2026-11-29, 2 cores; scripts/bench-gzip.sh): a 3.57 MB mbox of 300 corpus messages in 32 KiB
/// pieces takes zlib level 6 55.6 ms to 974,676 bytes (27.3%) and zlib level 1 28.9 ms to 32.0%;
/// igzip levels 1/2/3 take 5.9/6.1/11.8 ms to 31.9/31.1/29.9%. Over the crawl benchmark's 300
/// search mbox POSTs (119 MB of mbox) server CPU falls from 9.5-10.6 ms a request (zlib 6) to
/// about 4 (igzip 1 or 2) or 4.6-5.0 (igzip 3), and the bytes sent are 24.6% of the mbox with
/// zlib 6, 29.6/28.9/27.3% with igzip 1/2/3. Level 2 costs level 1's time for 2-3% fewer bytes;
/// level 3 would save another 5% of bytes for twice the compression time.
final class GzipStream: @unchecked Sendable {
    /// igzip's levels run 0 (fastest, largest) to 3.
    static let defaultLevel: Int32 = 2

    enum Failure: Error, Equatable {
        case level(Int32)
        case deflate(Int32)
    }

    private let stream: UnsafeMutablePointer<isal_zstream>
    private let levelBuffer: UnsafeMutableRawBufferPointer?
    private let allocator = ByteBufferAllocator()

    init(level: Int32 = GzipStream.defaultLevel) throws {
        guard level >= 0 && level <= ISAL_DEF_MAX_LEVEL else { throw Failure.level(level) }
        stream = .allocate(capacity: 1)
        isal_deflate_init(stream)
        stream.pointee.gzip_flag = UInt16(IGZIP_GZIP)
        stream.pointee.level = UInt32(level)
        let size = Int(tg_isal_level_buf_size(level))
        levelBuffer = size > 0 ? .allocate(byteCount: size, alignment: 64) : nil
        if let levelBuffer {
            stream.pointee.level_buf = levelBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            stream.pointee.level_buf_size = UInt32(size)
        }
    }

    deinit {
        stream.deallocate()
        levelBuffer?.deallocate()
    }

    /// Compresses `bytes`; with `finish` the stream is closed (trailer written).
    func compress(_ bytes: [UInt8], finish: Bool = false) throws -> ByteBuffer {
        try bytes.withUnsafeBytes { try deflate($0, finish: finish) }
    }

    /// Compresses all of `input` (its reader index moves to the end).
    func compress(_ input: inout ByteBuffer, finish: Bool) throws -> ByteBuffer {
        let out = try input.withUnsafeReadableBytes { try deflate($0, finish: finish) }
        input.moveReaderIndex(to: input.writerIndex)
        return out
    }

    /// The whole of `bytes` as one gzip member.
    static func gzip(_ bytes: [UInt8], level: Int32 = GzipStream.defaultLevel) throws -> ByteBuffer {
        try GzipStream(level: level).compress(bytes, finish: true)
    }

    /// Feeds `input` to igzip in pieces its 32-bit counts can hold, growing the output while it
    /// fills; without `finish` igzip may keep some input back for the next call.
    private func deflate(_ input: UnsafeRawBufferPointer, finish: Bool) throws -> ByteBuffer {
        var out = allocator.buffer(capacity: max(input.count / 3, 1024))
        var offset = 0
        repeat {
            let piece = min(input.count - offset, 1 << 30)
            let last = finish && offset + piece == input.count
            stream.pointee.next_in =
                piece == 0 ? nil : UnsafeMutableRawPointer(mutating: input.baseAddress! + offset).assumingMemoryBound(to: UInt8.self)
            stream.pointee.avail_in = UInt32(piece)
            stream.pointee.end_of_stream = last ? 1 : 0
            stream.pointee.flush = UInt16(NO_FLUSH)
            while true {
                if out.writableBytes < 1024 { out.reserveCapacity(minimumWritableBytes: max(out.capacity, 4096)) }
                var rc: Int32 = 0
                out.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { space in
                    stream.pointee.next_out = space.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    stream.pointee.avail_out = UInt32(min(space.count, 1 << 30))
                    let before = stream.pointee.avail_out
                    rc = isal_deflate(stream)
                    return Int(before - stream.pointee.avail_out)
                }
                guard rc == COMP_OK else { throw Failure.deflate(rc) }
                // done when the trailer is out (finish), or when igzip stopped for want of input
                // rather than of room
                if last ? tg_isal_ended(stream) != 0 : stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { break }
            }
            offset += piece
        } while offset < input.count
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        return out
    }
}
