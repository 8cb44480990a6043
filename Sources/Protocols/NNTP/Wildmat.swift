/// RFC 3977 4.2 wildmats: comma-separated patterns with `*`, `?`, `[set]` and `\` escapes;
/// a pattern starting with `!` excludes; the last pattern that matches decides.
struct Wildmat {
    private let patterns: [(negated: Bool, pattern: [Character])]

    init(_ text: String) {
        patterns = text.split(separator: ",", omittingEmptySubsequences: false).map { p in
            p.hasPrefix("!") ? (true, Array(p.dropFirst())) : (false, Array(p))
        }
    }

    func matches(_ name: String) -> Bool {
        let n = Array(name)
        var result = false
        for p in patterns where Self.match(p.pattern[...], n[...]) { result = !p.negated }
        return result
    }

    static func match(_ p: ArraySlice<Character>, _ s: ArraySlice<Character>) -> Bool {
        guard let c = p.first else { return s.isEmpty }
        switch c {
        case "*":
            var rest = s
            while true {
                if match(p.dropFirst(), rest) { return true }
                if rest.isEmpty { return false }
                rest = rest.dropFirst()
            }
        case "?":
            return !s.isEmpty && match(p.dropFirst(), s.dropFirst())
        case "[":
            guard let ch = s.first, let close = p.dropFirst(2).firstIndex(of: "]") else { return literal(p, s) }
            var set = p[(p.startIndex + 1)..<close]
            let negate = set.first == "^"
            if negate { set = set.dropFirst() }
            var hit = false
            var i = set.startIndex
            while i < set.endIndex {
                if i + 2 < set.endIndex, set[i + 1] == "-" {
                    if set[i] <= ch && ch <= set[i + 2] { hit = true }
                    i += 3
                } else {
                    if set[i] == ch { hit = true }
                    i += 1
                }
            }
            return hit != negate && match(p[(close + 1)...], s.dropFirst())
        case "\\" where p.count > 1:
            return s.first == p[p.startIndex + 1] && match(p.dropFirst(2), s.dropFirst())
        default:
            return literal(p, s)
        }
    }

    private static func literal(_ p: ArraySlice<Character>, _ s: ArraySlice<Character>) -> Bool {
        s.first == p.first && match(p.dropFirst(), s.dropFirst())
    }
}
