import NIOCore
import NIOConcurrencyHelpers
import NIOPosix

/// Where searches run: a few threads of their own (so that however many searches arrive, page
/// rendering keeps the site's pool), a bounded number of searches admitted at once (the rest
/// are refused at once with `SearchOverloaded`), and a deadline for each from the moment it is
/// admitted (queueing included), after which SQLite stops it (`SearchTimedOut`). `tidings
/// serve` makes one for the web site and the IMAP server together, so a flood of searches on
/// one front door takes no more than these threads from the others.
public final class SearchGate: Sendable {
    public struct Limits: Sendable {
        /// Threads running searches (default: half the cores, at least 1).
        public var threads: Int = max(1, System.coreCount / 2)
        /// Searches admitted at once, running or queued (default: 16 per thread); a queued search
        /// that starts past its deadline is refused then.
        public var admitted: Int?
        /// Time one search may take, queueing included.
        public var timeout: Duration = .seconds(5)

        public init(threads: Int? = nil, admitted: Int? = nil, timeout: Duration = .seconds(5)) {
            if let threads { self.threads = max(1, threads) }
            self.admitted = admitted
            self.timeout = timeout
        }
    }

    public let limits: Limits
    public let capacity: Int
    private let pool: NIOThreadPool
    private let admittedCount = NIOLockedValueBox(0)

    public init(limits: Limits = .init()) {
        self.limits = limits
        capacity = limits.admitted ?? limits.threads * 16
        pool = NIOThreadPool(numberOfThreads: limits.threads)
        pool.start()
    }

    deinit { try? pool.syncShutdownGracefully() }

    /// Runs a search (`body` calls `ArchiveIndex.search`…) within the limits.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let admitted = admittedCount.withLockedValue { n in
            guard n < capacity else { return false }
            n += 1
            return true
        }
        guard admitted else { throw SearchOverloaded() }
        defer { admittedCount.withLockedValue { $0 -= 1 } }
        let deadline = ContinuousClock.now + limits.timeout
        return try await pool.runIfActive { try SearchLimits.withDeadline(deadline, body) }
    }
}

/// Too many searches are running or waiting.
public struct SearchOverloaded: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "too many searches are running" }
}
