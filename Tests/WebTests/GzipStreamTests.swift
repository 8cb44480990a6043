import NIOCore
import TestSupport
import Testing

@testable import Web

/// GzipStream (igzip) against the real decompressors clients use: `gzip -dc` and Python's gzip
/// (b4's), on the corpus messages as an mbox, fed in every shape a response streams it.
@Suite struct GzipStreamTests {
    /// Every corpus message as one mbox (about 530 KB of real mail, patches and base64).
    static let mbox: [UInt8] = Fixtures.corpusFiles.flatMap {
        Array("From mboxrd@z Thu Jan  1 00:00:00 1970\n".utf8) + Fixtures.corpus($0) + [10]
    }

    /// `bytes` in pieces of `size`, with an empty piece after every third one.
    static func pieces(_ bytes: [UInt8], _ size: Int) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var i = 0
        while i < bytes.count {
            out.append(Array(bytes[i..<min(i + size, bytes.count)]))
            if out.count % 4 == 3 { out.append([]) }
            i += size
        }
        return out
    }

    static func pythonGunzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let r = try Command.run(
            ["python3", "-c", "import gzip, sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))"], input: bytes)
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout
    }

    @Test(arguments: [1, 7, 1000, 4096, 32768, 100_000, 1 << 20])
    func roundTripsTheCorpusInChunks(size: Int) throws {
        // one-byte pieces over the first messages only: 530,000 calls would say nothing more
        let input = size == 1 ? Array(Self.mbox.prefix(20_000)) : Self.mbox
        let z = try GzipStream()
        var gz: [UInt8] = []
        var before = 0
        for piece in Self.pieces(input, size) {
            gz += Array(buffer: try z.compress(piece))
            before += piece.count
        }
        #expect(before == input.count)
        let streamed = gz.count
        gz += Array(buffer: try z.compress([], finish: true))  // the finish-only call
        #expect(gz.prefix(3) == [0x1f, 0x8b, 8])  // gzip magic, deflate
        #expect(try gunzip(gz) == input)
        #expect(try Self.pythonGunzip(gz) == input)
        if input.count > 256 << 10 {
            // a long response goes out as it is compressed, not all at the finish
            #expect(streamed > 0)
            #expect(gz.count < input.count / 2, "\(gz.count) of \(input.count)")
        }
    }

    @Test func byteBufferInputIsConsumedAndEndsTheStream() throws {
        let z = try GzipStream()
        var first = ByteBuffer(bytes: Self.mbox.prefix(300_000))
        var rest = ByteBuffer(bytes: Self.mbox.dropFirst(300_000))
        var gz = Array(buffer: try z.compress(&first, finish: false))
        #expect(first.readableBytes == 0)
        gz += Array(buffer: try z.compress(&rest, finish: true))
        #expect(rest.readableBytes == 0)
        #expect(try gunzip(gz) == Self.mbox)
    }

    @Test(arguments: [Int32(0), 1, 2, 3])
    func everyLevelRoundTrips(level: Int32) throws {
        let gz = Array(buffer: try GzipStream.gzip(Self.mbox, level: level))
        #expect(try gunzip(gz) == Self.mbox)
        #expect(gz.count < Self.mbox.count / 2, "level \(level): \(gz.count) of \(Self.mbox.count)")
    }

    @Test func emptyAndIncompressibleInputs() throws {
        let empty = Array(buffer: try GzipStream.gzip([]))
        #expect(!empty.isEmpty)
        #expect(try gunzip(empty) == [])
        // 3 MB that does not compress: the output outgrows every first guess at its size
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let noise: [UInt8] = (0..<(3 << 20)).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        let gz = Array(buffer: try GzipStream.gzip(noise))
        #expect(gz.count > noise.count)
        #expect(try gunzip(gz) == noise)
        #expect(try Self.pythonGunzip(gz) == noise)
    }

    @Test func levelsIgzipLacksAreRefused() {
        #expect(throws: GzipStream.Failure.level(6)) { try GzipStream(level: 6) }
        #expect(throws: GzipStream.Failure.level(-1)) { try GzipStream(level: -1) }
    }
}
