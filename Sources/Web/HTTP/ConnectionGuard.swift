import NIOCore
import Support

/// The HTTP server's view of the connection budget (`ConnectionBudget`, shared with the NNTP
/// and IMAP listeners under `tidings serve`) with the timeouts of `ServerLimits`.
final class ConnectionGuard: Sendable {
    typealias Entry = ConnectionBudget.Entry

    let limits: ServerLimits
    let budget: ConnectionBudget

    /// `budget` nil: one of the HTTP server's own, of `limits.maxConnections`.
    init(limits: ServerLimits, budget: ConnectionBudget? = nil) {
        self.limits = limits
        self.budget = budget ?? ConnectionBudget(maxConnections: limits.maxConnections)
    }

    /// Open connections (of every listener sharing the budget).
    var count: Int { budget.count }

    /// More than three quarters of the connections are taken.
    var isBusy: Bool { budget.isBusy }

    /// Registers a new connection; nil when it must be refused (see `ConnectionBudget.open`).
    func open(_ channel: any Channel) -> Entry? { budget.open(channel) }

    func close(_ channel: any Channel) { budget.close(channel) }
}
