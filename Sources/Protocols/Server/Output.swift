import NIOCore

/// Buffered replies to one client. Writes wait while the client is slow to read (the
/// channel's writability), so one slow reader holds up only its own session.
public final class Output: @unchecked Sendable {
    private let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var buffer: ByteBuffer
    private let allocator = ByteBufferAllocator()
    /// Bytes buffered before a write goes out on its own.
    static let chunk = 64 << 10

    init(writer: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.writer = writer
        buffer = allocator.buffer(capacity: 4096)
    }

    func append(_ s: String) { buffer.writeString(s) }
    func append(_ bytes: [UInt8]) { buffer.writeBytes(bytes) }
    func append<S: Sequence>(contentsOf bytes: S) where S.Element == UInt8 { buffer.writeBytes(bytes) }

    /// Sends what is buffered once it is a chunk or more.
    func flushIfFull() async throws {
        if buffer.readableBytes >= Self.chunk { try await flush() }
    }

    /// Sends everything buffered.
    func flush() async throws {
        guard buffer.readableBytes > 0 else { return }
        let out = buffer
        buffer = allocator.buffer(capacity: 4096)
        try await writer.write(out)
    }
}
