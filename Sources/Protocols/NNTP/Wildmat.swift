/// RFC 3977 4.2 wildmats: comma-separated patterns with `*`, `?`, `[set]` (`[^set]` negated,
/// `a-z` ranges) and `\` escapes; a pattern starting with `!` excludes; the last pattern that
/// matches decides. Each pattern is a `Glob` (linear time).
struct Wildmat: Sendable {
    private let patterns: [(negated: Bool, glob: Glob)]

    init(_ text: String) {
        patterns = text.split(separator: ",", omittingEmptySubsequences: false).map { p in
            p.hasPrefix("!") ? (true, Self.compile(Array(p.dropFirst()))) : (false, Self.compile(Array(p)))
        }
    }

    func matches(_ name: String) -> Bool {
        var result = false
        for p in patterns where p.glob.matches(name) { result = !p.negated }
        return result
    }

    static func compile(_ p: [Character]) -> Glob {
        var pieces: [Glob.Piece] = []
        var i = 0
        while i < p.count {
            switch p[i] {
            case "*": pieces.append(.star(stop: nil))
            case "?": pieces.append(.any)
            case "[":
                // the first character of a set may be `]`; without a closing `]`, `[` is itself
                guard let close = p[min(p.count, i + 2)...].firstIndex(of: "]") else {
                    pieces.append(.literal("["))
                    break
                }
                pieces.append(set(p[(i + 1)..<close]))
                i = close
            case "\\" where i + 1 < p.count:
                i += 1
                pieces.append(.literal(p[i]))
            default: pieces.append(.literal(p[i]))
            }
            i += 1
        }
        return Glob(pieces)
    }

    /// The inside of `[…]`: `^` first negates, `a-z` is a range.
    private static func set(_ inside: ArraySlice<Character>) -> Glob.Piece {
        var s = inside
        let negated = s.first == "^"
        if negated { s = s.dropFirst() }
        var ranges: [ClosedRange<Character>] = []
        var i = s.startIndex
        while i < s.endIndex {
            if i + 2 < s.endIndex, s[i + 1] == "-" {
                // a backwards range (`z-a`) matches nothing
                if s[i] <= s[i + 2] { ranges.append(s[i]...s[i + 2]) }
                i += 3
            } else {
                ranges.append(s[i]...s[i])
                i += 1
            }
        }
        return .set(ranges, negated: negated)
    }
}
