import Foundation
import Support

/// What one HTTP client may hold of the server: how long it may take to send a request and how
/// long an idle connection stays open, how many connections are served at once, how large a
/// request body may be. `tidings serve` flags set them; README "Limits" lists the defaults.
public struct ServerLimits: Sendable {
    /// From the first byte of a request to the end of its head (request line and headers).
    public var headerTimeout: Duration = .seconds(10)
    /// From the end of a request's head to the end of its body.
    public var bodyTimeout: Duration = .seconds(30)
    /// A kept-alive connection with no request on it (before the first byte of the next one).
    public var idleTimeout: Duration = .seconds(30)
    /// Idle and header time allowed while more than three quarters of `maxConnections` are
    /// open, so that slow and idle clients make way for new ones.
    public var busyTimeout: Duration = .seconds(2)
    /// Connections served at once. At the cap, the connection that has waited longest without a
    /// complete request is closed to make room; with none, the new connection is refused.
    public var maxConnections: Int
    /// Largest request body read (search forms are a few bytes); larger ones get 413.
    public var maxBodyBytes = 64 << 10
    /// git processes serving clones and fetches at once (as git-daemon's default); one more
    /// request gets 503 with Retry-After.
    public var gitProcesses = 32
    /// CPU seconds one of those git processes may use before it is killed.
    public var gitCPUSeconds = 120

    public init(maxConnections: Int? = nil) {
        self.maxConnections = maxConnections ?? Self.defaultMaxConnections(fileLimit: Self.fileLimit())
    }

    /// Connections to allow under a file descriptor limit (`ConnectionBudget`).
    public static func defaultMaxConnections(fileLimit: Int) -> Int { ConnectionBudget.defaultMaxConnections(fileLimit: fileLimit) }

    /// The soft limit on open files.
    public static func fileLimit() -> Int { ConnectionBudget.fileLimit() }

    /// Raises the soft limit on open files to the hard limit; returns the new limit.
    @discardableResult public static func raiseFileLimit() -> Int { ConnectionBudget.raiseFileLimit() }
}
