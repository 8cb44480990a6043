import NIOConcurrencyHelpers
import NIOCore

/// Buffered replies to one client. Writes wait while the client is slow to read (the
/// channel's writability), so one slow reader holds up only its own session. The buffer is
/// locked: an IMAP IDLE notice may be written while the session waits for input.
public final class Output: @unchecked Sendable {
    private let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var buffer: ByteBuffer
    private let allocator = ByteBufferAllocator()
    private let lock = NIOLock()
    /// Bytes buffered before a write goes out on its own.
    static let chunk = 64 << 10

    init(writer: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.writer = writer
        buffer = allocator.buffer(capacity: 4096)
    }

    func append(_ s: String) { lock.withLock { _ = buffer.writeString(s) } }
    func append(_ bytes: [UInt8]) { lock.withLock { _ = buffer.writeBytes(bytes) } }

    /// Sends what is buffered once it is a chunk or more.
    func flushIfFull() async throws {
        if lock.withLock({ buffer.readableBytes }) >= Self.chunk { try await flush() }
    }

    /// Sends everything buffered.
    func flush() async throws {
        let out: ByteBuffer? = lock.withLock {
            guard buffer.readableBytes > 0 else { return nil }
            defer { buffer = allocator.buffer(capacity: 4096) }
            return buffer
        }
        if let out { try await writer.write(out) }
    }
}
