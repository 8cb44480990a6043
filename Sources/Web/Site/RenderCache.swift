import Foundation
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// A cache of rendered fragments keyed by their inputs (blob ids, options, inbox generation),
/// bounded by total bytes; the oldest entries go first.
///
/// Values live in one ring of `budget` bytes mapped from the kernel, not on the malloc heap: a
/// new value is written after the newest and overwrites the oldest. Kept on the heap, 48 MiB of
/// pages cost about 150 MB of RSS after a walk of 3,000 distinct message pages, because each
/// long-lived page pinned the heap around the short-lived allocations of the next render; in the
/// ring the values cost what `--cache-mb` says (pages are touched only as they fill), and only
/// the keys and slot table (about 150 bytes an entry) stay on the heap.
final class RenderCache: @unchecked Sendable {
    private struct Slot {
        var offset: Int
        /// Bytes in the ring.
        var count: Int
        /// The value's length when it is kept deflated (`CachedDeflate`), nil when kept as it is.
        var inflated: Int?
    }
    private let lock = Lock()
    private var slots: [String: Slot] = [:]
    /// Keys oldest first from `first`; ring positions follow the same order.
    private var order: [String] = []
    private var first = 0
    /// Where the next value is written.
    private var head = 0
    private let budget: Int
    private let ring: UnsafeMutableRawPointer?

    init(budget: Int) {
        self.budget = max(0, budget)
        if budget > 0 {
            let p = mmap(nil, budget, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            ring = p == MAP_FAILED ? nil : p
        } else {
            ring = nil
        }
    }

    deinit { if let ring { munmap(ring, budget) } }

    /// `--cache-mb 0`: nothing is kept, so callers skip making keys.
    var isOff: Bool { ring == nil }

    /// Entries and bytes held in the ring (deflated values at their deflated size; for tests and logs).
    var usage: (entries: Int, bytes: Int) {
        lock.withLock { (slots.count, slots.values.reduce(0) { $0 + $1.count }) }
    }

    func get(_ key: String) -> [UInt8]? {
        guard let ring else { return nil }
        let found: ([UInt8], Int?)? = lock.withLock {
            guard let s = slots[key] else { return nil }
            return ([UInt8](UnsafeRawBufferPointer(start: ring + s.offset, count: s.count)), s.inflated)
        }
        guard let (bytes, inflated) = found else { return nil }
        guard let inflated else { return bytes }
        // inflated outside the lock; a value that does not inflate is a miss (rendered again)
        return bytes.withUnsafeBytes { CachedDeflate.decompress($0, count: inflated) }
    }

    /// The largest value `put` keeps.
    var largestValue: Int { budget / 8 }

    func put(_ key: String, _ value: [UInt8]) {
        guard let ring, !value.isEmpty, value.count <= largestValue else { return }
        // a page is kept deflated when that makes it smaller: more pages in the same ring
        let deflated = value.count >= CachedDeflate.minimum ? CachedDeflate.compress(value) : nil
        let stored = deflated ?? value
        let n = stored.count
        lock.withLock {
            if slots[key] != nil { return }
            var at = head
            if at + n > budget {
                // wrap: what lies between head and the end is the oldest lap
                while let k = oldest, slots[k]!.offset >= head { evict(k) }
                at = 0
            }
            while let k = oldest, let s = slots[k], s.offset >= at, s.offset < at + n { evict(k) }
            stored.withUnsafeBytes { (ring + at).copyMemory(from: $0.baseAddress!, byteCount: n) }
            slots[key] = Slot(offset: at, count: n, inflated: deflated == nil ? nil : value.count)
            order.append(key)
            head = at + n
        }
    }

    private var oldest: String? { first < order.count ? order[first] : nil }

    private func evict(_ key: String) {
        slots.removeValue(forKey: key)
        first += 1
        if first > 4096 && first * 2 > order.count {
            order.removeFirst(first)
            first = 0
        }
    }
}
