import Foundation
import Testing

@testable import Web

@Suite struct RenderCacheTests {
    /// A page of `n` bytes whose content names its key, so a value read back from the wrong
    /// place of the ring is caught.
    static func page(_ i: Int, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i &* 7) } }

    @Test func keepsTheNewestWithinItsBudgetAndReturnsThemByteForByte() {
        let budget = 64 << 10
        let cache = RenderCache(budget: budget)
        var sizes: [Int] = []
        for i in 0..<500 {
            let n = 500 + (i * 977) % 7_000  // 500 B to 7.5 KiB, below budget/8
            sizes.append(n)
            cache.put("k\(i)", Self.page(i, n))
            #expect(cache.usage.bytes <= budget)
        }
        // every kept value is exact, and what is kept is the newest run of keys
        var kept: [Int] = []
        for i in 0..<500 {
            if let v = cache.get("k\(i)") {
                #expect(v == Self.page(i, sizes[i]), "value of k\(i)")
                kept.append(i)
            }
        }
        #expect(kept.last == 499)
        #expect(kept == Array(kept.first!...499))
        // the ring is used, not a sliver of it: more than half the budget holds values
        #expect(cache.usage.bytes > budget / 2)
        #expect(cache.usage.entries == kept.count)
    }

    @Test func refusesWhatIsTooLargeAndKeepsNothingWhenOff() {
        let cache = RenderCache(budget: 80 << 10)
        cache.put("big", Self.page(1, 11 << 10))  // above budget/8
        #expect(cache.get("big") == nil)
        cache.put("small", Self.page(2, 100))
        #expect(cache.get("small") == Self.page(2, 100))
        cache.put("small", Self.page(3, 100))  // a key is written once
        #expect(cache.get("small") == Self.page(2, 100))

        let off = RenderCache(budget: 0)
        #expect(off.isOff)
        off.put("x", [1, 2, 3])
        #expect(off.get("x") == nil)
    }
}
