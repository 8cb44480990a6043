import Foundation
import NIOCore
import NIOPosix
import Support

/// A TCP listener for a line-based protocol: each connection runs its session in a task of
/// its own, reading lines of at most `maxLine` bytes, counted in a `ConnectionBudget` (shared
/// with the other listeners under `tidings serve`) and closed when its client stays silent
/// past `timeouts`.
public struct LineServer: Sendable {
    /// How long a client may stay silent.
    public struct Timeouts: Sendable {
        /// Once settled in (IMAP LOGIN, NNTP GROUP): the protocol's own.
        public var idle: TimeAmount
        /// Before that: a client that neither logs in nor picks a group holds a descriptor only
        /// this long (1,000 such connections took every descriptor with no limit but `idle`).
        public var unsettled: TimeAmount
        /// Before that, while more than three quarters of the budget is taken.
        public var busy: TimeAmount

        public init(idle: TimeAmount, unsettled: TimeAmount = .seconds(20), busy: TimeAmount = .seconds(2)) {
            self.idle = idle
            self.unsettled = min(unsettled, idle)
            self.busy = busy
        }
    }

    public var host: String
    public var port: Int
    public var maxLine: Int
    public var timeouts: Timeouts
    public var budget: ConnectionBudget

    public init(host: String, port: Int, maxLine: Int, timeouts: Timeouts, budget: ConnectionBudget) {
        self.host = host
        self.port = port
        self.maxLine = maxLine
        self.timeouts = timeouts
        self.budget = budget
    }

    /// Serves until cancelled. `bound` gets the port actually bound (for port 0).
    public func run(
        bound: @escaping @Sendable (Int) -> Void = { _ in },
        session: @escaping @Sendable (SessionInput, Output) async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) { try await serve(bound: bound, session: session) }
    }

    private func serve(
        bound: @escaping @Sendable (Int) -> Void,
        session: @escaping @Sendable (SessionInput, Output) async throws -> Void
    ) async throws {
        let (maxLine, timeouts, budget) = (maxLine, timeouts, budget)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = LineConnection(channel: channel, budget: budget)
                    let ops = channel.pipeline.syncOperations
                    try ops.addHandler(LineConnectionWatcher(connection: connection, timeouts: timeouts))
                    try ops.addHandler(ByteToMessageHandler(LineDecoder(maxLength: maxLine)))
                    return (try NIOAsyncChannel<InLine, ByteBuffer>(wrappingChannelSynchronously: channel), connection)
                }
            }
        bound(server.channel.localAddress?.port ?? port)
        try await withThrowingDiscardingTaskGroup { group in
            try await withTaskCancellationHandler {
                try await server.executeThenClose { connections in
                    for try await (channel, connection) in connections {
                        group.addTask {
                            do {
                                try await channel.executeThenClose { inbound, outbound in
                                    try await session(SessionInput(lines: inbound, connection: connection), Output(writer: outbound))
                                }
                            } catch {
                                // a client that goes away mid-reply ends only its own session
                            }
                        }
                    }
                }
            } onCancel: {
                server.channel.close(promise: nil)
            }
        }
    }

    /// Parses `HOST:PORT` (`[v6]:PORT`, `:PORT` for every address).
    public static func parseAddress(_ s: String) -> (host: String, port: Int)? {
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        var host = String(s[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        return (host, port)
    }
}
