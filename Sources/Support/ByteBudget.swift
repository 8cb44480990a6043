import CSupport
import Synchronization

/// Bytes that many holders may take from one shared total at once (memory gathered by
/// concurrent responses, say): `take` succeeds only while the total stays within `limit`, and
/// what is taken is given back with `give`.
public final class ByteBudget: Sendable {
    public let limit: Int
    private let used = Atomic<Int>(0)

    public init(limit: Int) { self.limit = max(0, limit) }

    /// Bytes taken now.
    public var inUse: Int { used.load(ordering: .relaxed) }

    /// Takes `n` bytes if they fit; false (nothing taken) if they do not.
    public func take(_ n: Int) -> Bool {
        var current = used.load(ordering: .relaxed)
        while true {
            guard current + n <= limit else { return false }
            let (exchanged, original) = used.compareExchange(
                expected: current, desired: current + n, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// Gives back `n` bytes taken before.
    public func give(_ n: Int) {
        if n > 0 { used.subtract(n, ordering: .relaxed) }
    }
}

/// The heap's free memory given back to the system (glibc's `malloc_trim`: every arena).
public func giveBackFreeHeap() { _ = csupport_malloc_trim() }
