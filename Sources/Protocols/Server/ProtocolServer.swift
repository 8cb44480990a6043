import NIOCore
import Support

/// `tidings serve --nntp HOST:PORT` / `--imap HOST:PORT`: every inbox of the catalog, read-only,
/// as newsgroups or as mailboxes.
public struct ProtocolServer: Sendable {
    public enum Kind: Sendable {
        case nntp, imap

        var maxLine: Int { self == .nntp ? NNTPSession.maxLine : IMAPSession.maxLine }
        /// The least each RFC allows before an idle client may be dropped: 3 minutes (RFC 3977
        /// 3.1), 30 minutes (RFC 3501 5.4).
        public var idleTimeout: TimeAmount { self == .nntp ? .minutes(3) : .minutes(30) }
    }

    public let kind: Kind
    public let catalog: Catalog
    public let listener: LineServer

    /// `budget`: the connections of every listener of the process (`tidings serve` shares one
    /// with the web server); nil, one of this server's own under the open-file limit.
    /// `unsettledTimeout`: how long a client that has not logged in (IMAP) or chosen a group
    /// (NNTP) may stay silent.
    public init(
        _ kind: Kind, catalog: Catalog, host: String, port: Int, idleTimeout: TimeAmount? = nil,
        unsettledTimeout: TimeAmount = .seconds(20), budget: ConnectionBudget? = nil
    ) {
        self.kind = kind
        self.catalog = catalog
        listener = LineServer(
            host: host, port: port, maxLine: kind.maxLine,
            timeouts: .init(idle: idleTimeout ?? kind.idleTimeout, unsettled: unsettledTimeout), budget: budget ?? ConnectionBudget())
    }

    /// Serves until cancelled; `bound` gets the port (for port 0).
    public func run(bound: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let catalog = catalog
        switch kind {
        case .nntp: try await listener.run(bound: bound) { lines, out in try await NNTPSession(catalog: catalog, out: out).run(lines) }
        case .imap: try await listener.run(bound: bound) { lines, out in try await IMAPSession(catalog: catalog, out: out).run(lines) }
        }
    }
}
