import Foundation
import TestSupport
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

    /// Real text is kept deflated: the corpus's messages, more than the budget holds as they
    /// are, all fit and come back byte for byte; values that do not shrink stay as they are.
    @Test func keepsTextDeflatedSoMoreFits() {
        let texts = Fixtures.corpusFiles.map { Fixtures.corpus($0) }.filter { $0.count >= CachedDeflate.minimum && $0.count < 32 << 10 }
        let raw = texts.reduce(0) { $0 + $1.count }
        let budget = 8 * (32 << 10)  // 256 KiB: values up to 32 KiB
        let cache = RenderCache(budget: budget)
        #expect(raw > budget && texts.count >= 20, "\(raw) bytes in \(texts.count) texts")
        for (i, t) in texts.enumerated() { cache.put("t\(i)", t) }
        for (i, t) in texts.enumerated() { #expect(cache.get("t\(i)") == t, "text \(i)") }
        #expect(cache.usage.entries == texts.count)
        #expect(cache.usage.bytes * 2 < raw, "\(cache.usage.bytes) of \(raw) bytes")
        // random bytes do not deflate: kept as they are
        var rng = SystemRandomNumberGenerator()
        let noise = (0..<8192).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let before = cache.usage.bytes
        cache.put("noise", noise)
        #expect(cache.get("noise") == noise)
        #expect(cache.usage.bytes >= before + 8192 || cache.usage.entries < texts.count + 1)
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
