import NIOConcurrencyHelpers
import NIOCore

/// Every open HTTP connection of a server and whether it is waiting for a request (idle, or
/// its request head still arriving): enforces `ServerLimits.maxConnections` by closing the
/// connection that has waited longest when a new one arrives at the cap, and tells connections
/// when the server is busy (shorter idle and header timeouts).
final class ConnectionGuard: Sendable {
    let limits: ServerLimits
    private struct Entry {
        var channel: any Channel
        /// Since when it waits for a request; nil while a request is read or answered.
        var waitingSince: NIODeadline?
    }
    private let state = NIOLockedValueBox([ObjectIdentifier: Entry]())

    init(limits: ServerLimits) { self.limits = limits }

    /// Open connections.
    var count: Int { state.withLockedValue { $0.count } }

    /// More than three quarters of the connections are taken.
    var isBusy: Bool { count * 4 > limits.maxConnections * 3 }

    /// Registers a new connection. Returns false when it must be refused (the cap is reached
    /// and every other connection is busy with a request); otherwise the longest-waiting
    /// connection may have been closed to make room.
    func open(_ channel: any Channel) -> Bool {
        let victim: (any Channel)? = state.withLockedValue { open in
            var victim: (any Channel)?
            if open.count >= limits.maxConnections {
                var oldest: (ObjectIdentifier, NIODeadline)?
                for (k, e) in open {
                    guard let since = e.waitingSince else { continue }
                    if oldest == nil || since < oldest!.1 { oldest = (k, since) }
                }
                guard let (key, _) = oldest else { return nil }
                victim = open.removeValue(forKey: key)?.channel
            }
            open[ObjectIdentifier(channel)] = Entry(channel: channel, waitingSince: .now())
            return victim ?? channel
        }
        guard let victim else { return false }
        if victim !== channel { victim.close(promise: nil) }
        return true
    }

    func close(_ channel: any Channel) { _ = state.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(channel)) } }

    /// Marks a connection as waiting for a request (or not).
    func setWaiting(_ channel: any Channel, _ waiting: Bool) {
        state.withLockedValue { open in
            let k = ObjectIdentifier(channel)
            guard open[k] != nil else { return }
            if waiting {
                if open[k]!.waitingSince == nil { open[k]!.waitingSince = .now() }
            } else {
                open[k]!.waitingSince = nil
            }
        }
    }
}
