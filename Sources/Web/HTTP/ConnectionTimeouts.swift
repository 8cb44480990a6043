import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// The phases of one HTTP connection and the timeout of each (`ServerLimits`): idle (waiting
/// for the first byte of a request), head (request line and headers arriving), body, and
/// answering (no timeout while the client reads what it is sent: the answer's own work is
/// bounded elsewhere; the idle timeout once it stops reading). When a phase outlasts
/// its time the connection is closed. A phase change only records a deadline; one repeating
/// tick per connection checks it (NIO cancels a scheduled task in time linear in the number
/// of tasks: a timer per phase made 1,000 busy connections slow). Event-loop confined: used
/// by the two handlers below.
final class ConnectionClock {
    enum Phase { case idle, head, body, answering }
    /// How often a connection's deadline is checked.
    static let tick = TimeAmount.milliseconds(250)
    let connections: ConnectionGuard
    let channel: any Channel
    private(set) var phase = Phase.idle
    private var deadline: NIODeadline?
    private var ticker: RepeatedTask?
    private var isWaiting = true
    /// This connection in the guard (nil: refused).
    var entry: ConnectionGuard.Entry?
    /// Requests whose head was read and whose answer is not finished (HTTP/1.1 pipelining).
    var inFlight = 0

    init(connections: ConnectionGuard, channel: any Channel) {
        self.connections = connections
        self.channel = channel
    }

    func start() {
        let me = NIOLoopBound(self, eventLoop: channel.eventLoop)
        ticker = channel.eventLoop.scheduleRepeatedTask(initialDelay: Self.tick, delay: Self.tick) { _ in me.value.check() }
        enter(.idle)
    }

    private func check() {
        if let deadline, deadline <= .now() { channel.close(promise: nil) }
    }

    func enter(_ next: Phase) {
        phase = next
        let l = connections.limits
        let waiting = next == .idle || next == .head
        if waiting != isWaiting {
            isWaiting = waiting
            entry?.setWaiting(waiting)
        }
        let time: Duration?
        switch next {
        case .idle: time = connections.isBusy ? min(l.idleTimeout, l.busyTimeout) : l.idleTimeout
        case .head: time = connections.isBusy ? min(l.headerTimeout, l.busyTimeout) : l.headerTimeout
        case .body: time = l.bodyTimeout
        case .answering: time = nil
        }
        deadline = time.map {
            .now() + .nanoseconds(Int64($0.components.seconds) * 1_000_000_000 + $0.components.attoseconds / 1_000_000_000)
        }
    }

    /// While an answer is written, a client that stops reading it (the socket's buffer stays
    /// full) gets the idle timeout to read again.
    func writability(_ writable: Bool) {
        guard phase == .answering else { return }
        let t = connections.limits.idleTimeout
        deadline =
            writable ? nil : .now() + .nanoseconds(Int64(t.components.seconds) * 1_000_000_000 + t.components.attoseconds / 1_000_000_000)
    }

    func stop() {
        ticker?.cancel()
        ticker = nil
        deadline = nil
        if entry != nil { connections.close(channel) }
        entry = nil
    }
}

/// First in a connection's pipeline: registers the connection with the guard (which may refuse
/// it) and sees the raw bytes, so that the first byte of a request ends the idle phase.
final class ConnectionBytesWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let clock: ConnectionClock

    init(clock: ConnectionClock) { self.clock = clock }

    func handlerAdded(context: ChannelHandlerContext) {
        guard let entry = clock.connections.open(context.channel) else {
            context.close(promise: nil)
            return
        }
        clock.entry = entry
        clock.start()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if clock.phase == .idle { clock.enter(.head) }
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        clock.writability(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        clock.stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { clock.stop() }
}

/// After HTTP decoding: a request head ends the head phase, the end of its body the body
/// phase, the end of the last answer starts the idle phase again.
final class ConnectionRequestWatcher: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart
    private var clock: ConnectionClock?
    private var closeAfterAnswer = false
    /// The body of the request being read is still arriving, and how much more of it is
    /// declared (nil: chunked, unknown).
    private var bodyOpen = false
    private var bodyLeft: Int?
    /// An unread rest of a body up to this size is read and dropped to keep the connection;
    /// a larger one (a 100 MB POST to a page that takes none) closes it after the answer.
    static let drainLimit = 64 << 10

    func handlerAdded(context: ChannelHandlerContext) {
        clock = try? context.pipeline.syncOperations.handler(type: ConnectionBytesWatcher.self).clock
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let clock {
            switch unwrapInboundIn(data) {
            case .head(let head):
                clock.inFlight += 1
                clock.enter(.body)
                bodyOpen = true
                bodyLeft = head.headerFields[.transferEncoding] == nil ? Int(head.headerFields[.contentLength] ?? "0") : nil
            case .body(let b): bodyLeft = bodyLeft.map { $0 - b.readableBytes }
            case .end:
                bodyOpen = false
                clock.enter(.answering)
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            // 413: the rest of the body is not read (the connection closes after the answer)
            if head.status == .contentTooLarge { closeAfterAnswer = true }
            // an answer given before a large body was read (a 100 MB POST to a page that takes
            // none): the connection closes after it instead of reading the rest to drop it
            if bodyOpen && (bodyLeft ?? .max) > Self.drainLimit && !closeAfterAnswer {
                closeAfterAnswer = true
                head.headerFields[.connection] = "close"
                // an answer before the body ended: the body timeout no longer applies
                if let clock, clock.phase == .body { clock.enter(.answering) }
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
            // an answer before the body ended (413): the body timeout no longer applies
            if let clock, clock.phase == .body { clock.enter(.answering) }
        case .body: break
        case .end:
            if closeAfterAnswer {
                let channel = context.channel
                let written = context.eventLoop.makePromise(of: Void.self)
                // lingering close: end our side first and read on for a moment, since closing with
                // unread input would reset the connection and lose the answer in flight
                written.futureResult.whenComplete { _ in
                    channel.close(mode: .output, promise: nil)
                    channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
                }
                if let promise { written.futureResult.cascade(to: promise) }
                context.writeAndFlush(data, promise: written)
                return
            }
            if let clock {
                clock.inFlight -= 1
                if clock.inFlight <= 0 && clock.phase == .answering {
                    clock.inFlight = 0
                    clock.enter(.idle)
                }
            }
        }
        context.write(data, promise: promise)
    }
}

/// HTTP/1.1 with `ServerLimits`: the connection guard and timeouts around Hummingbird's
/// `HTTP1Channel`.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let http1: HTTP1Channel
    let connections: ConnectionGuard

    init(responder: @escaping HTTPChannelHandler.Responder, connections: ConnectionGuard) {
        self.connections = connections
        http1 = HTTP1Channel(
            responder: responder, configuration: .init(additionalChannelHandlers: [ConnectionRequestWatcher()]))
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let connections = self.connections
        return channel.eventLoop.makeCompletedFuture {
            // what an answer may hold in the server beyond the socket's own buffer while its
            // client does not read: one 32 KiB piece of a stream (NIO's default, 64 KiB, held
            // two; 3,000 clients that never read held ~190 MB of it)
            try channel.syncOptions?.setOption(ChannelOptions.writeBufferWaterMark, value: .init(low: 16 << 10, high: 32 << 10))
            try channel.pipeline.syncOperations.addHandler(
                ConnectionBytesWatcher(clock: ConnectionClock(connections: connections, channel: channel)), position: .first)
        }.flatMap { self.http1.setup(channel: channel, logger: logger) }
    }

    func handle(value: Value, logger: Logger) async { await http1.handle(value: value, logger: logger) }
}
