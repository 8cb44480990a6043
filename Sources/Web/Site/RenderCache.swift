import Foundation
import Index
import Mail
import Mirror
import NIOCore
import NIOPosix
import Store
import Support

/// A cache of rendered fragments keyed by their inputs (blob ids, options, inbox generation),
/// bounded by total bytes; the oldest entries go first. What counts against the budget is what
/// an entry costs: its value stored at its exact size (a page is built with spare capacity,
/// trimmed before it is kept), its key, and the bookkeeping of both containers.
final class RenderCache: @unchecked Sendable {
    private let lock = Lock()
    private var items: [String: [UInt8]] = [:]
    private var order: [String] = []
    private var head = 0
    private var bytes = 0
    private let budget: Int
    /// Dictionary slot, order slot, array and string headers, malloc rounding.
    static let overhead = 96

    init(budget: Int) { self.budget = budget }

    /// `--cache-mb 0`: nothing is kept, so callers skip making keys.
    var isOff: Bool { budget <= 0 }

    func get(_ key: String) -> [UInt8]? { lock.withLock { items[key] } }

    static func cost(_ key: String, _ value: [UInt8]) -> Int { value.capacity + key.utf8.count + overhead }

    func put(_ key: String, _ value: [UInt8]) {
        guard value.count < budget / 8 else { return }  // also: a budget of 0 keeps nothing
        let kept = value.capacity > value.count + value.count / 16 ? value.withUnsafeBufferPointer { Array($0) } : value
        let cost = RenderCache.cost(key, kept)
        lock.withLock {
            if items[key] != nil { return }
            while bytes + cost > budget, head < order.count {
                if let old = items.removeValue(forKey: order[head]) { bytes -= RenderCache.cost(order[head], old) }
                head += 1
            }
            if head > 4096 && head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
            order.append(key)
            items[key] = kept
            bytes += cost
        }
    }
}
