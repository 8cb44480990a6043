import NIOCore

/// `tidings serve --nntp HOST:PORT`: every inbox of the catalog as a read-only newsgroup.
public struct NNTPServer: Sendable {
    public let catalog: Catalog
    public let listener: LineServer
    /// RFC 3977 3.1: at least three minutes before an idle client may be dropped.
    public static let idleTimeout = TimeAmount.minutes(3)

    public init(catalog: Catalog, host: String, port: Int, idleTimeout: TimeAmount = NNTPServer.idleTimeout) {
        self.catalog = catalog
        listener = LineServer(host: host, port: port, maxLine: NNTPSession.maxLine, idleTimeout: idleTimeout)
    }

    public func run(bound: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let catalog = catalog
        try await listener.run(bound: bound) { lines, out in
            try await NNTPSession(catalog: catalog, out: out).run(lines)
        }
    }
}
