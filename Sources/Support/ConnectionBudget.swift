import Atomics
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Every open connection of the server's listeners (HTTP, NNTP and IMAP share one budget) and
/// since when each has been waiting for its client (idle, or a request still arriving): at the
/// cap, a new connection closes the one that has waited longest, so a real client always gets
/// in; with none waiting, it is refused. Before one budget, 1,000 idle NNTP or IMAP connections
/// took all 1,024 descriptors (`ulimit -n 1024`) and HTTP, NNTP and IMAP all timed out. A
/// request costs two atomic stores; the lock is taken only to open and close connections.
public final class ConnectionBudget: Sendable {
    /// One connection: its channel and since when (uptime nanoseconds) it waits for its client,
    /// 0 while a request is read or answered.
    public final class Entry: Sendable {
        public let channel: any Channel
        let waitingSince = ManagedAtomic<UInt64>(DispatchTime.now().uptimeNanoseconds)
        /// A session its client settled into (IMAP LOGIN, NNTP commands): closed for a newcomer
        /// only when no unsettled connection waits, so a flood of sockets that never log in
        /// cannot push out the readers that have (an IDLE session waits for minutes).
        let isSettled = ManagedAtomic(false)

        init(channel: any Channel) { self.channel = channel }

        public func setSettled() { isSettled.store(true, ordering: .relaxed) }

        public func setWaiting(_ waiting: Bool) {
            waitingSince.store(waiting ? max(1, DispatchTime.now().uptimeNanoseconds) : 0, ordering: .relaxed)
        }
    }

    public let maxConnections: Int
    private let entries = NIOLockedValueBox([ObjectIdentifier: Entry]())
    private let openCount = ManagedAtomic(0)

    /// `maxConnections` nil: what the open-file limit allows (`defaultMaxConnections`).
    public init(maxConnections: Int? = nil) {
        self.maxConnections = maxConnections ?? Self.defaultMaxConnections(fileLimit: Self.fileLimit())
    }

    /// Open connections.
    public var count: Int { openCount.load(ordering: .relaxed) }

    /// More than three quarters of the connections are taken: waiting clients get less time.
    public var isBusy: Bool { count * 4 > maxConnections * 3 }

    /// Registers a new connection; nil when it must be refused (the cap is reached and every
    /// other connection is busy with a request). At the cap the longest-waiting connection is
    /// closed to make room.
    public func open(_ channel: any Channel) -> Entry? {
        let entry = Entry(channel: channel)
        let (admitted, victim): (Bool, (any Channel)?) = entries.withLockedValue { open in
            var victim: (any Channel)?
            if open.count >= maxConnections {
                guard let key = Self.longestWaiting(open) else { return (false, nil) }
                victim = open.removeValue(forKey: key)?.channel
                openCount.wrappingDecrement(ordering: .relaxed)
            }
            open[ObjectIdentifier(channel)] = entry
            openCount.wrappingIncrement(ordering: .relaxed)
            return (true, victim)
        }
        victim?.close(promise: nil)
        return admitted ? entry : nil
    }

    /// The connection to close for a newcomer: of those waiting for their client, an unsettled
    /// one before a settled one, the longest waiting first.
    private static func longestWaiting(_ open: [ObjectIdentifier: Entry]) -> ObjectIdentifier? {
        var oldest: (key: ObjectIdentifier, settled: Int, since: UInt64)?
        for (k, e) in open {
            let since = e.waitingSince.load(ordering: .relaxed)
            guard since != 0 else { continue }
            let settled = e.isSettled.load(ordering: .relaxed) ? 1 : 0
            if let o = oldest, (settled, since) >= (o.settled, o.since) { continue }
            oldest = (k, settled, since)
        }
        return oldest?.key
    }

    public func close(_ channel: any Channel) {
        entries.withLockedValue { open in
            if open.removeValue(forKey: ObjectIdentifier(channel)) != nil { openCount.wrappingDecrement(ordering: .relaxed) }
        }
    }

    // MARK: the open-file limit

    /// Connections to allow under a file descriptor limit: all but a reserve for SQLite,
    /// git pipes and the files pages read (a quarter, at most 256), and never more than 16,384.
    public static func defaultMaxConnections(fileLimit: Int) -> Int {
        max(16, min(fileLimit - min(256, fileLimit / 4), 16_384))
    }

    /// The soft limit on open files.
    public static func fileLimit() -> Int {
        var rl = rlimit()
        guard getrlimit(nofile, &rl) == 0 else { return 1024 }
        return rl.rlim_cur > rlim_t(1 << 30) ? 1 << 30 : Int(rl.rlim_cur)
    }

    /// Raises the soft limit on open files to the hard limit (1,024 is a common default soft
    /// limit, far below what a server holding many connections needs); returns the new limit.
    @discardableResult public static func raiseFileLimit() -> Int {
        var rl = rlimit()
        guard getrlimit(nofile, &rl) == 0 else { return 1024 }
        if rl.rlim_cur < rl.rlim_max {
            rl.rlim_cur = rl.rlim_max
            _ = setrlimit(nofile, &rl)
        }
        return fileLimit()
    }

    #if os(Linux)
        private static let nofile = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        private static let nofile = RLIMIT_NOFILE
    #endif
}
