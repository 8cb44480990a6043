import Atomics
import NIOCore
import Support

/// One NNTP or IMAP connection in the shared `ConnectionBudget`, and what its session tells
/// it: that it waits for a command (so at the cap it may be closed for a newcomer), and that
/// the client has settled in (IMAP LOGIN, NNTP GROUP), after which the protocol's long idle
/// timeout applies instead of the short one for clients that have not.
public final class LineConnection: Sendable {
    /// nil: refused (the budget is full and no connection waits); the watcher closes it.
    let entry: ConnectionBudget.Entry?
    let budget: ConnectionBudget
    private let hasSettled = ManagedAtomic(false)

    init(channel: any Channel, budget: ConnectionBudget) {
        self.budget = budget
        entry = budget.open(channel)
    }

    var settled: Bool { hasSettled.load(ordering: .relaxed) }

    /// The client logged in or chose a group: the protocol's own idle timeout applies now.
    func settle() {
        hasSettled.store(true, ordering: .relaxed)
        entry?.setSettled()
    }

    func waiting(_ waiting: Bool) { entry?.setWaiting(waiting) }
}

/// The command lines of one session: while the session waits for the next one, its connection
/// counts as waiting in the budget.
public struct SessionInput: AsyncSequence, Sendable {
    public typealias Element = InLine
    let lines: NIOAsyncChannelInboundStream<InLine>
    public let connection: LineConnection

    public struct AsyncIterator: AsyncIteratorProtocol {
        var lines: NIOAsyncChannelInboundStream<InLine>.AsyncIterator
        let connection: LineConnection

        public mutating func next() async throws -> InLine? {
            connection.waiting(true)
            defer { connection.waiting(false) }
            return try await lines.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(lines: lines.makeAsyncIterator(), connection: connection) }
}

/// First in a line connection's pipeline: closes a connection the budget refused, and one
/// whose client has sent nothing for its timeout (checked by one tick a second, as the HTTP
/// connections do: NIO cancels a scheduled task in time linear in the number of tasks).
final class LineConnectionWatcher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    static let tick = TimeAmount.seconds(1)
    let connection: LineConnection
    let timeouts: LineServer.Timeouts
    private var lastRead = NIODeadline.now()
    private var ticker: RepeatedTask?

    init(connection: LineConnection, timeouts: LineServer.Timeouts) {
        self.connection = connection
        self.timeouts = timeouts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard connection.entry != nil else {
            context.close(promise: nil)
            return
        }
        let me = NIOLoopBound(self, eventLoop: context.eventLoop)
        let channel = context.channel
        ticker = context.eventLoop.scheduleRepeatedTask(initialDelay: Self.tick, delay: Self.tick) { _ in
            if me.value.expired { channel.close(promise: nil) }
        }
    }

    /// The client has been silent longer than it may be: the protocol's timeout once settled,
    /// else the short one (shorter still while the budget is busy).
    var expired: Bool {
        let limit: TimeAmount
        if connection.settled {
            limit = timeouts.idle
        } else {
            limit = connection.budget.isBusy ? min(timeouts.unsettled, timeouts.busy) : timeouts.unsettled
        }
        return NIODeadline.now() - lastRead > limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = .now()
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop(context.channel)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { stop(context.channel) }

    private func stop(_ channel: any Channel) {
        ticker?.cancel()
        ticker = nil
        if connection.entry != nil { connection.budget.close(channel) }
    }
}
