import Foundation
import NIOCore
import NIOPosix

/// A TCP listener for a line-based protocol: each connection runs its session in a task of
/// its own, reading lines of at most `maxLine` bytes, closed after `idleTimeout` without input.
public struct LineServer: Sendable {
    public var host: String
    public var port: Int
    public var maxLine: Int
    public var idleTimeout: TimeAmount

    public init(host: String, port: Int, maxLine: Int, idleTimeout: TimeAmount) {
        self.host = host
        self.port = port
        self.maxLine = maxLine
        self.idleTimeout = idleTimeout
    }

    /// Serves until cancelled. `bound` gets the port actually bound (for port 0).
    public func run(
        bound: @escaping @Sendable (Int) -> Void = { _ in },
        session: @escaping @Sendable (NIOAsyncChannelInboundStream<InLine>, Output) async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) { try await serve(bound: bound, session: session) }
    }

    private func serve(
        bound: @escaping @Sendable (Int) -> Void,
        session: @escaping @Sendable (NIOAsyncChannelInboundStream<InLine>, Output) async throws -> Void
    ) async throws {
        let maxLine = maxLine
        let idle = idleTimeout
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    try ops.addHandler(ByteToMessageHandler(LineDecoder(maxLength: maxLine)))
                    try ops.addHandler(IdleStateHandler(readTimeout: idle))
                    try ops.addHandler(IdleCloser())
                    return try NIOAsyncChannel<InLine, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        bound(server.channel.localAddress?.port ?? port)
        try await withThrowingDiscardingTaskGroup { group in
            try await withTaskCancellationHandler {
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask {
                            do {
                                try await connection.executeThenClose { inbound, outbound in
                                    try await session(inbound, Output(writer: outbound))
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
