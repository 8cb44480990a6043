/// Which epochs to mirror, as public-inbox-clone's `--epoch`: `N`, `~N` (N before the newest),
/// and ranges `A..B`, `A..`, `..B` of those (`~0` is the newest epoch alone).
public struct EpochRange: Sendable, Equatable {
    enum Bound: Sendable, Equatable {
        case number(Int)
        case fromNewest(Int)
    }

    var low: Bound?
    var high: Bound?

    public init?(_ text: String) {
        func bound(_ s: Substring) -> Bound?? {
            if s.isEmpty { return .some(nil) }
            if s.hasPrefix("~") {
                guard let n = Int(s.dropFirst()), n >= 0 else { return nil }
                return .some(.fromNewest(n))
            }
            guard let n = Int(s), n >= 0 else { return nil }
            return .some(.number(n))
        }
        if let dots = text.range(of: "..") {
            guard let l = bound(text[..<dots.lowerBound]), let h = bound(text[dots.upperBound...]) else { return nil }
            low = l
            high = h
        } else {
            guard let b = bound(Substring(text)), let b else { return nil }
            low = b
            high = b
        }
    }

    /// The epochs of `available` (ascending) in the range.
    public func select(_ available: [Int]) -> [Int] {
        guard let newest = available.last else { return [] }
        func value(_ b: Bound) -> Int {
            switch b {
            case .number(let n): return n
            case .fromNewest(let n): return newest - n
            }
        }
        let lo = low.map(value) ?? Int.min
        let hi = high.map(value) ?? Int.max
        return available.filter { $0 >= lo && $0 <= hi }
    }
}
