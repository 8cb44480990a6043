import Store
import Support

/// A body already in memory, handed out in slices of `size` bytes (a large `raw` is streamed
/// rather than copied whole into one response buffer).
final class ByteSlices: ChunkSource, @unchecked Sendable {
    private let bytes: [UInt8]
    private let size: Int
    private var offset = 0
    private let lock = Lock()

    init(_ bytes: [UInt8], size: Int = 1 << 16) {
        self.bytes = bytes
        self.size = size
    }

    func next() throws -> [UInt8]? {
        lock.withLock {
            guard offset < bytes.count else { return nil }
            let end = min(bytes.count, offset + size)
            defer { offset = end }
            return Array(bytes[offset..<end])
        }
    }
}
