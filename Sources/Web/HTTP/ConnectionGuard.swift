import Atomics
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Every open HTTP connection of a server and since when each has been waiting for a request
/// (idle, or its request head still arriving): enforces `ServerLimits.maxConnections` by
/// closing the connection that has waited longest when a new one arrives at the cap, and tells
/// connections when the server is busy (shorter idle and header timeouts). A request costs it
/// two atomic stores; the lock is taken only to open and close connections.
final class ConnectionGuard: Sendable {
    /// One connection: its channel and since when (uptime nanoseconds) it waits for a request,
    /// 0 while one is read or answered. Written on the connection's event loop.
    final class Entry: Sendable {
        let channel: any Channel
        let waitingSince = ManagedAtomic<UInt64>(DispatchTime.now().uptimeNanoseconds)

        init(channel: any Channel) { self.channel = channel }

        func setWaiting(_ waiting: Bool) {
            waitingSince.store(waiting ? max(1, DispatchTime.now().uptimeNanoseconds) : 0, ordering: .relaxed)
        }
    }

    let limits: ServerLimits
    private let entries = NIOLockedValueBox([ObjectIdentifier: Entry]())
    private let openCount = ManagedAtomic(0)

    init(limits: ServerLimits) { self.limits = limits }

    /// Open connections.
    var count: Int { openCount.load(ordering: .relaxed) }

    /// More than three quarters of the connections are taken.
    var isBusy: Bool { count * 4 > limits.maxConnections * 3 }

    /// Registers a new connection; nil when it must be refused (the cap is reached and every
    /// other connection is busy with a request). At the cap the longest-waiting connection is
    /// closed to make room.
    func open(_ channel: any Channel) -> Entry? {
        let entry = Entry(channel: channel)
        let (admitted, victim): (Bool, (any Channel)?) = entries.withLockedValue { open in
            var victim: (any Channel)?
            if open.count >= limits.maxConnections {
                var oldest: (ObjectIdentifier, UInt64)?
                for (k, e) in open {
                    let since = e.waitingSince.load(ordering: .relaxed)
                    guard since != 0 else { continue }
                    if oldest == nil || since < oldest!.1 { oldest = (k, since) }
                }
                guard let (key, _) = oldest else { return (false, nil) }
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

    func close(_ channel: any Channel) {
        entries.withLockedValue { open in
            if open.removeValue(forKey: ObjectIdentifier(channel)) != nil { openCount.wrappingDecrement(ordering: .relaxed) }
        }
    }
}
