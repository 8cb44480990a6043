import NIOCore

/// One request line of a line-based protocol, with its line end, or word that a line exceeded
/// the limit (the rest of it is dropped).
public enum InLine: Sendable {
    case line(ByteBuffer)
    case tooLong
}

/// Splits the byte stream at LF, never holding more than `maxLength` bytes of one line.
struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = InLine
    let maxLength: Int
    private var discarding = false

    init(maxLength: Int) { self.maxLength = maxLength }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if let lf = buffer.readableBytesView.firstIndex(of: 0x0A) {
            let length = lf - buffer.readerIndex + 1
            if discarding || length > maxLength {
                buffer.moveReaderIndex(forwardBy: length)
                if !discarding { context.fireChannelRead(wrapInboundOut(.tooLong)) }
                discarding = false
                return .continue
            }
            context.fireChannelRead(wrapInboundOut(.line(buffer.readSlice(length: length)!)))
            return .continue
        }
        if buffer.readableBytes > maxLength {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            if !discarding { context.fireChannelRead(wrapInboundOut(.tooLong)) }
            discarding = true
        }
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
