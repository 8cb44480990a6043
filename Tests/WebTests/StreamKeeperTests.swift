import Support
import Testing

@testable import Web

/// What streamed pages gather to keep in the cache is bounded per page and in total: a thousand
/// thread pages in flight hold the shared budget, not a page each (issue 18).
@Suite struct StreamKeeperTests {
    @Test func aPageOverItsLimitIsNotGathered() {
        let budget = ByteBudget(limit: 1 << 20)
        var k = StreamKeeper(limit: 100, budget: budget)
        k.append([UInt8](repeating: 1, count: 60))
        #expect(k.whole?.count == 60)
        #expect(budget.inUse == 60)
        k.append([UInt8](repeating: 2, count: 60))
        #expect(k.whole == nil)
        #expect(budget.inUse == 0)
        k.append([UInt8](repeating: 3, count: 10))
        #expect(k.whole == nil, "once let go, a page is never gathered again")
    }

    @Test func streamsTogetherStayWithinTheBudget() {
        let budget = ByteBudget(limit: 1000)
        var keepers = (0..<10).map { _ in StreamKeeper(limit: 500, budget: budget) }
        for round in 0..<5 {
            for i in keepers.indices { keepers[i].append([UInt8](repeating: UInt8(round), count: 50)) }
            #expect(budget.inUse <= 1000)
        }
        let whole = keepers.filter { $0.whole != nil }
        // four pages of 250 bytes fit 1,000; the rest let go of what they had gathered
        #expect(whole.count == 4)
        #expect(whole.allSatisfy { $0.whole!.count == 250 })
        #expect(budget.inUse == 1000)
        for i in keepers.indices { keepers[i].release() }
        #expect(budget.inUse == 0)
    }

    @Test func theCacheOffKeepsNothing() {
        let budget = ByteBudget(limit: 1000)
        var k = StreamKeeper(limit: 0, budget: budget)
        k.append([1, 2, 3])
        #expect(k.whole == nil)
        #expect(budget.inUse == 0)
    }
}
