import Index
import Mail

/// UID SEARCH / SEARCH keys (RFC 3501 6.4.4) over one mailbox slice: sequence and UID sets,
/// dates (SINCE/BEFORE/ON: received time, as INTERNALDATE; SENT*: the Date: header), sizes,
/// and FROM/TO/CC/BCC/SUBJECT/BODY/TEXT/HEADER through the full-text index. Flags: nothing is
/// ever seen, answered, flagged, deleted or a draft; every message is recent and unseen.
indirect enum SearchCriteria: Sendable {
    case all, none
    case uids([ClosedRange<Int64>])
    case sequence([ClosedRange<Int64>])
    case date(received: Bool, from: Int64, to: Int64)
    case size(ClosedRange<Int>)
    case text(SearchQuery.Node)
    case not(SearchCriteria)
    case or(SearchCriteria, SearchCriteria)
    case and([SearchCriteria])

    struct Failure: Error { let message: String }

    /// Parses the keys after `SEARCH` (an optional `CHARSET x` first).
    static func parse(_ tokens: [IMAPToken]) throws -> SearchCriteria {
        var rest = tokens[...]
        if case .atom(let a)? = rest.first, a.uppercased() == "CHARSET" {
            rest = rest.dropFirst()
            guard let cs = rest.popFirst()?.text?.uppercased(), ["UTF-8", "US-ASCII"].contains(cs) else {
                throw Failure(message: "NO [BADCHARSET (UTF-8 US-ASCII)] charset not supported")
            }
        }
        var keys: [SearchCriteria] = []
        while !rest.isEmpty { keys.append(try key(&rest, depth: 1)) }
        guard !keys.isEmpty else { throw Failure(message: "BAD no search keys") }
        let criteria = keys.count == 1 ? keys[0] : .and(keys)
        do { try SearchLimits.check(.or(criteria.textNodes)) } catch let e as SearchQuery.ParseError {
            throw Failure(message: "BAD \(e.message)")
        }
        return criteria
    }

    /// Deepest nesting of lists, NOT and OR (as the web's query parser allows 64 levels of
    /// parentheses): parsing and evaluating recurse once per level.
    static let maxDepth = 64

    static func key(_ t: inout ArraySlice<IMAPToken>, depth: Int) throws -> SearchCriteria {
        guard depth <= maxDepth else { throw Failure(message: "BAD search keys nested too deeply (over \(maxDepth) levels)") }
        guard let tok = t.popFirst() else { throw Failure(message: "BAD search key missing") }
        if case .list(let l) = tok {
            var inner = l[...]
            var keys: [SearchCriteria] = []
            while !inner.isEmpty { keys.append(try key(&inner, depth: depth + 1)) }
            return .and(keys)
        }
        guard case .atom(let word) = tok else { throw Failure(message: "BAD unexpected string in search") }
        func arg() throws -> String {
            guard let a = t.popFirst()?.text else { throw Failure(message: "BAD \(word) needs an argument") }
            return a
        }
        func day() throws -> Int64 {
            let a = try arg()
            guard let d = parseDate(a) else { throw Failure(message: "BAD bad date: \(a)") }
            return d
        }
        func words(_ prefix: String?) throws -> SearchCriteria {
            let a = try arg()
            guard let n = SearchQuery.Node.words(a, prefix: prefix) else { throw Failure(message: "BAD cannot search \(word)") }
            return .text(n)
        }
        switch word.uppercased() {
        case "ALL": return .all
        case "UID":
            guard let set = SequenceSet(try arg()) else { throw Failure(message: "BAD bad UID set") }
            return .uids(set.ranges)
        case "NOT": return .not(try key(&t, depth: depth + 1))
        case "OR": return .or(try key(&t, depth: depth + 1), try key(&t, depth: depth + 1))
        case "SINCE": return .date(received: true, from: try day(), to: .max)
        case "BEFORE": return .date(received: true, from: .min, to: try day())
        case "ON":
            let d = try day()
            return .date(received: true, from: d, to: d + 86400)
        case "SENTSINCE": return .date(received: false, from: try day(), to: .max)
        case "SENTBEFORE": return .date(received: false, from: .min, to: try day())
        case "SENTON":
            let d = try day()
            return .date(received: false, from: d, to: d + 86400)
        case "LARGER":
            guard let n = Int(try arg()) else { throw Failure(message: "BAD LARGER needs a number") }
            // nothing is larger than the largest size (n + 1 trapped: found by fuzzing)
            return n == .max ? .none : .size((n + 1)...Int.max)
        case "SMALLER":
            guard let n = Int(try arg()), n > 0 else { throw Failure(message: "BAD SMALLER needs a number") }
            return .size(0...(n - 1))
        case "FROM": return try words("f")
        case "TO": return try words("t")
        case "CC", "BCC": return try words("c")
        case "SUBJECT": return try words("s")
        case "BODY": return try words("b")
        case "TEXT": return try words(nil)
        case "HEADER":
            let field = try arg().lowercased()
            let prefix: String? =
                switch field {
                case "from": "f"
                case "to": "t"
                case "cc": "c"
                case "subject": "s"
                case "message-id": "m"
                case "list-id": "l"
                default: nil
                }
            guard let prefix else { throw Failure(message: "BAD HEADER \(field) is not searchable") }
            if prefix == "m" {
                let v = try arg().trimmingCharacters(in: ["<", ">", " "])
                return .text(.messageID(v, wildcard: false))
            }
            return try words(prefix)
        case "SEEN", "ANSWERED", "FLAGGED", "DELETED", "DRAFT", "OLD", "KEYWORD":
            if word.uppercased() == "KEYWORD" { _ = try arg() }
            return .none
        case "UNSEEN", "UNANSWERED", "UNFLAGGED", "UNDELETED", "UNDRAFT", "NEW", "RECENT", "UNKEYWORD":
            if word.uppercased() == "UNKEYWORD" { _ = try arg() }
            return .all
        default:
            if let set = SequenceSet(word) { return .sequence(set.ranges) }
            throw Failure(message: "BAD unknown search key \(word)")
        }
    }

    /// `1-Feb-2020` → midnight UTC.
    static func parseDate(_ s: String) -> Int64? {
        let p = s.split(separator: "-")
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        // RFC 3501's date-year is four digits (a year of 12 digits overflowed: found by fuzzing)
        guard p.count == 3, let d = Int(p[0]), let y = Int(p[2]), (1...9999).contains(y), let m = months.firstIndex(of: p[1].lowercased())
        else { return nil }
        return DateRange.civil(y, m + 1, d, 0, 0, 0)
    }

    /// The full-text keys, counted against the web's term and wildcard caps (`SearchLimits`).
    var textNodes: [SearchQuery.Node] {
        switch self {
        case .text(let n): return [n]
        case .not(let c): return c.textNodes
        case .or(let a, let b): return a.textNodes + b.textNodes
        case .and(let cs): return cs.flatMap(\.textNodes)
        case .all, .none, .uids, .sequence, .date, .size: return []
        }
    }

    /// The matching UIDs of `uids` (the slice's, ascending). Blocking: index reads. Within a
    /// search's deadline (`SearchLimits.deadline`, set by `SearchGate`), checked at every key
    /// as SQLite checks it inside each query.
    func evaluate(_ uids: [Int64], index: ArchiveIndex) throws -> Set<Int64> {
        if let deadline = SearchLimits.deadline, ContinuousClock.now >= deadline { throw SearchTimedOut() }
        guard let lo = uids.first, let hi = uids.last else { return [] }
        switch self {
        case .all: return Set(uids)
        case .none: return []
        case .uids(let ranges): return Set(uids.filter { u in ranges.contains { $0.contains(u) } })
        case .sequence(let ranges):
            var out = Set<Int64>()
            for (i, u) in uids.enumerated() where ranges.contains(where: { $0.contains(Int64(i + 1)) }) { out.insert(u) }
            return out
        case .date(let received, let from, let to):
            return Set(try index.articleNumbers(in: lo...hi, received: received, from: from, to: to))
        case .size(let r):
            return Set(try index.articleNumbers(in: lo...hi, received: true, bytes: r))
        case .text(let node):
            return Set(try index.articleNumbers(matching: .tree(node), in: lo...hi))
        case .not(let c): return Set(uids).subtracting(try c.evaluate(uids, index: index))
        case .or(let a, let b): return try a.evaluate(uids, index: index).union(b.evaluate(uids, index: index))
        case .and(let cs):
            var out = Set(uids)
            for c in cs {
                out.formIntersection(try c.evaluate(uids, index: index))
                if out.isEmpty { break }
            }
            return out
        }
    }
}

/// An IMAP sequence set (`1,3:5,9:*`); `*` is `Int64.max` until resolved against a mailbox.
struct SequenceSet {
    var ranges: [ClosedRange<Int64>]

    init?(_ s: String) {
        var out: [ClosedRange<Int64>] = []
        for piece in s.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = piece.split(separator: ":", omittingEmptySubsequences: false)
            guard ends.count == 1 || ends.count == 2 else { return nil }
            var nums: [Int64] = []
            for e in ends {
                if e == "*" {
                    nums.append(.max)
                } else if let n = Int64(e), n > 0 {
                    nums.append(n)
                } else {
                    return nil
                }
            }
            out.append(min(nums[0], nums.last!)...max(nums[0], nums.last!))
        }
        ranges = out
    }

    /// With `*` meaning `last`; a range starting past `last` that reaches `*` still names
    /// `last` (RFC 3501 6.4.8).
    func resolved(last: Int64) -> [ClosedRange<Int64>] {
        ranges.map { r in
            guard r.upperBound == .max else { return r }
            return min(r.lowerBound, last)...last
        }
    }
}
