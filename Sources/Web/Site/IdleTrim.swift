import Support
import Synchronization

/// Gives the heap's free memory back to the system once the server goes quiet. glibc keeps
/// what a burst freed in its arenas (one per thread that allocated): after `wrk -c1000` over
/// distinct thread pages the server kept ~450 MB while idle. When the last piece of blocking
/// work ends, a trim (`malloc_trim`) is scheduled a second later and runs if nothing started
/// meanwhile; at most one a second.
final class IdleTrim: Sendable {
    private let active = Atomic<Int>(0)
    /// Work started since the last trim (nothing to give back otherwise).
    private let busySinceTrim = Atomic<Bool>(false)
    private let scheduled = Atomic<Bool>(false)
    let delay: Duration

    init(delay: Duration = .seconds(1)) { self.delay = delay }

    func begin() {
        active.add(1, ordering: .relaxed)
        busySinceTrim.store(true, ordering: .relaxed)
    }

    func end() {
        guard active.subtract(1, ordering: .relaxed).newValue == 0 else { return }
        guard scheduled.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        Task.detached { [self] in
            try? await Task.sleep(for: delay)
            scheduled.store(false, ordering: .relaxed)
            guard active.load(ordering: .relaxed) == 0,
                busySinceTrim.exchange(false, ordering: .relaxed)
            else { return }
            giveBackFreeHeap()
        }
    }
}
