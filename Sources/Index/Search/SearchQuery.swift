/// A parsed search query in public-inbox's language (its Xapian query parser's syntax with
/// public-inbox's prefixes), ready for `ArchiveIndex.search`.
///
/// Words and `"phrases"` (straight or curly quotes), `AND`, `OR`, `NOT` (upper case only, as
/// Xapian), `+word`, `-word`, parentheses, `word*` prefix wildcards; words next to each other
/// must all match. Implicit AND binds tightest, then `AND`/`NOT`, then `OR`. A prefix applies to
/// the word or phrase after it, or to a parenthesised group: `s:(foo bar)`. An unknown prefix
/// `foo:bar` is a plain phrase, as in public-inbox. Matching is case-insensitive; a plain word
/// is stemmed (`running` finds `run`), while phrases, words joined by punctuation
/// (`virtio-balloon`, `x86/boot`), identifiers (`virtio_balloon`, one term) and wildcards match
/// the words as written, as Xapian's parser treats them in public-inbox. An identifier also
/// matches by its parts: `balloon` finds `virtio_balloon`.
public struct SearchQuery: Sendable, Equatable {
    /// The query tree.
    public indirect enum Node: Sendable, Equatable {
        /// Words (a phrase when several) in full-text columns; `wildcard`: the last word is a
        /// prefix; `exact`: the words as written (no stemming, `_` joins a word), else stemmed.
        case text(columns: [String], text: String, wildcard: Bool, exact: Bool = false)
        /// An exact Message-ID (`m:`), or every id starting with it when `wildcard`.
        case messageID(String, wildcard: Bool)
        /// `git patch-id --stable` output (`patchid:`).
        case patchID(String)
        /// Messages with a kernel crash report (`crash:`): of the signature with this short
        /// name, faulting in this function, at this `file` or `file:line`, or any (`crash:any`).
        case crash(String)
        /// Abbreviated blob ids (7+ hex digits) in `dfpre`/`dfpost`.
        case blob(columns: [String], hex: String)
        case range(DateRange)
        /// Matches nothing (a `patchid:` or blob id that cannot exist).
        case nothing
        /// All of `include`, none of `exclude` (`include` is never empty).
        case and([Node], excluding: [Node])
        case or([Node])
    }

    /// Why a query cannot be run; `message` says what is wrong, for an HTTP 400.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    public var root: Node

    /// The words of the query's non-excluded text terms, for highlighting hits.
    public var highlightTerms: [String] {
        var out: [String] = []
        func walk(_ n: Node) {
            switch n {
            case .text(_, let t, _, _): if !out.contains(t) { out.append(t) }
            case .and(let inc, _): inc.forEach(walk)
            case .or(let c): c.forEach(walk)
            default: break
            }
        }
        walk(root)
        return out
    }

    /// Every date range of the query, resolved (relative dates anchored at parse time): with
    /// the query text, what a cache of results must be keyed on.
    public var dateRanges: [DateRange] {
        var out: [DateRange] = []
        func walk(_ n: Node) {
            switch n {
            case .range(let r): out.append(r)
            case .and(let inc, let exc): (inc + exc).forEach(walk)
            case .or(let c): c.forEach(walk)
            default: break
            }
        }
        walk(root)
        return out
    }

    /// Longest query accepted (b4's 75-term `patchid:` OR is under 4 KiB).
    public static let maxLength = 64 * 1024

    /// Parses `q`; `now` (Unix seconds) anchors relative dates such as `d:2.weeks.ago..`.
    public static func parse(_ q: String, now: Int64) throws -> SearchQuery {
        guard q.utf8.count <= maxLength else { throw ParseError("the query is too long (over \(maxLength) bytes)") }
        var parser = QueryParser(tokens: try QueryLexer.tokens(q), now: now)
        guard let root = try parser.parseQuery() else {
            throw ParseError("the query has no words to search for")
        }
        try validate(root)
        try SearchLimits.check(root)
        return SearchQuery(root: root)
    }

    static func validate(_ n: Node) throws {
        switch n {
        case .and(let inc, let exc):
            guard !inc.isEmpty else {
                throw ParseError("NOT and '-' only exclude: add something to match, e.g. 'foo NOT bar'")
            }
            for c in inc + exc { try validate(c) }
        case .or(let c): for x in c { try validate(x) }
        default: break
        }
    }

    // MARK: prefixes (public-inbox Search.pm %prob_prefix, %bool_pfx_external)

    /// Every column a body search covers apart from quotes (public-inbox's `nq:`).
    static let unquotedBody = ["nq", "dfn", "dfa", "dfb", "dfhh", "dfctx", "dfpre", "dfpost"]
    /// Bare words: Message-IDs, subject, from, quoted and unquoted body, attachment names, diffs.
    static let defaultColumns = ["m", "s", "f", "q", "n"] + unquotedBody
    static let textPrefixes: [String: [String]] = [
        "s": ["s"], "f": ["f"], "t": ["t"], "c": ["c"], "tc": ["t", "c"], "tcf": ["t", "c", "f"], "a": ["t", "c", "f"],
        "l": ["l"], "lid": ["l"], "b": unquotedBody + ["q"], "bs": unquotedBody + ["q", "s"], "nq": unquotedBody,
        "q": ["q"], "n": ["n"], "dfn": ["dfn"], "dfa": ["dfa"], "dfb": ["dfb"], "dfhh": ["dfhh"], "dfctx": ["dfctx"],
    ]
    static let otherPrefixes: Set<String> = ["m", "mid", "patchid", "crash", "dfpre", "dfpost", "dfblob", "d", "dt", "rt"]
    static func isPrefix(_ name: Substring) -> Bool {
        textPrefixes[String(name)] != nil || otherPrefixes.contains(String(name))
    }
    static let datePrefixes: Set<Substring> = ["d", "dt", "rt"]
}

/// A piece of query text.
enum QueryToken: Equatable {
    case open, close, and, or, not, love, hate
    /// A word or phrase, with its prefix if it had one.
    case term(prefix: String?, text: String, phrase: Bool, wildcard: Bool)
    /// `prefix:(`, a group that the prefix applies to.
    case prefixOpen(String)
}

/// Splits a query into tokens.
enum QueryLexer {
    /// `"` and the typographic quotes a pasted query may carry.
    static func isQuote(_ c: Unicode.Scalar) -> Bool { c == "\"" || c == "\u{201C}" || c == "\u{201D}" }

    static func isBreak(_ c: Unicode.Scalar) -> Bool { isSpace(c) || c == "(" || c == ")" || isQuote(c) }

    /// Whitespace, NUL included; ASCII answered without Unicode property lookups (b4's
    /// 75-term queries spent most of their parse time in them).
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return c == " " || (c.value >= 0x09 && c.value <= 0x0D) || c.value == 0 }
        return c.properties.isWhitespace
    }

    static func tokens(_ q: String) throws -> [QueryToken] {
        // scalars, not Characters: no grapheme breaking, and every syntax character is one scalar
        let s = Array(q.unicodeScalars)
        func string(_ r: Range<Int>) -> String {
            var v = String.UnicodeScalarView()
            v.append(contentsOf: s[r])
            return String(v)
        }
        var out: [QueryToken] = []
        var i = 0
        var pendingPrefix: String?
        func phrase(from start: Int) throws -> (String, Int) {
            var j = start
            while j < s.count && !isQuote(s[j]) { j += 1 }
            guard j < s.count else { throw SearchQuery.ParseError("a quote (\") is not closed") }
            return (string(start..<j), j + 1)
        }
        while i < s.count {
            let c = s[i]
            if isSpace(c) {
                i += 1
                continue
            }
            if c == "(" {
                out.append(.open)
                i += 1
                continue
            }
            if c == ")" {
                out.append(.close)
                i += 1
                continue
            }
            if isQuote(c) {
                let (text, next) = try phrase(from: i + 1)
                out.append(.term(prefix: pendingPrefix, text: text, phrase: true, wildcard: false))
                pendingPrefix = nil
                i = next
                continue
            }
            let atStart = i == 0 || isSpace(s[i - 1]) || s[i - 1] == "("
            if (c == "+" || c == "-") && atStart && i + 1 < s.count && !isBreak(s[i + 1]) {
                out.append(c == "+" ? .love : .hate)
                i += 1
                continue
            }
            var j = i
            while j < s.count && !isBreak(s[j]) { j += 1 }
            let word = string(i..<j)
            i = j
            if word == "AND" || word == "OR" || word == "NOT" {
                out.append(word == "AND" ? .and : word == "OR" ? .or : .not)
                continue
            }
            if let colon = word.firstIndex(of: ":"), SearchQuery.isPrefix(word[..<colon]) {
                let name = String(word[..<colon])
                var value = String(word[word.index(after: colon)...])
                if SearchQuery.datePrefixes.contains(word[..<colon]) {
                    if value.isEmpty && i < s.count && isQuote(s[i]) {
                        let (text, next) = try phrase(from: i + 1)
                        value = text
                        i = next
                    } else {
                        // a date runs to the next space (public-inbox's \S+), less closing parens
                        var k = i
                        while k < s.count && !isSpace(s[k]) { k += 1 }
                        var rest = string(i..<k)
                        var closing = 0
                        while rest.hasSuffix(")") {
                            rest.removeLast()
                            closing += 1
                        }
                        value += rest
                        i = k - closing
                    }
                    out.append(.term(prefix: name, text: value, phrase: false, wildcard: false))
                    continue
                }
                if value.isEmpty {
                    if i < s.count && isQuote(s[i]) {
                        pendingPrefix = name
                    } else if i < s.count && s[i] == "(" {
                        out.append(.prefixOpen(name))
                        i += 1
                    } else {
                        throw SearchQuery.ParseError("'\(name):' needs a word, a \"phrase\" or a (group) after it")
                    }
                    continue
                }
                let wildcard = value.hasSuffix("*")
                while value.hasSuffix("*") { value.removeLast() }
                out.append(.term(prefix: name, text: value, phrase: false, wildcard: wildcard))
                continue
            }
            var text = word
            let wildcard = text.hasSuffix("*")
            while text.hasSuffix("*") { text.removeLast() }
            out.append(.term(prefix: nil, text: text, phrase: false, wildcard: wildcard))
        }
        return out
    }
}

/// Recursive descent over the tokens:
/// `or := and (OR and)*`, `and := group ((AND | NOT | AND NOT) group)*`,
/// `group := unary+`, `unary := (+|-)? primary`, `primary := ( or ) | prefix:( or ) | term`.
struct QueryParser {
    typealias Node = SearchQuery.Node
    typealias ParseError = SearchQuery.ParseError
    var tokens: [QueryToken]
    var now: Int64
    var position = 0
    var depth = 0
    var field: String?

    init(tokens: [QueryToken], now: Int64) {
        self.tokens = tokens
        self.now = now
    }

    var peek: QueryToken? { position < tokens.count ? tokens[position] : nil }

    mutating func parseQuery() throws -> Node? {
        let n = try parseOr()
        if let t = peek {
            throw ParseError(t == .close ? "a ')' has no '(' before it" : "unexpected \(describe(t))")
        }
        return n
    }

    func describe(_ t: QueryToken) -> String {
        switch t {
        case .and: return "AND"
        case .or: return "OR"
        case .not: return "NOT"
        case .close: return "')'"
        default: return "text"
        }
    }

    /// nil: the part had no searchable words (only punctuation).
    mutating func parseOr() throws -> Node? {
        var parts: [Node] = []
        var any = false
        repeat {
            if any { position += 1 }
            guard startsGroup else {
                if any { throw ParseError("OR needs something after it") }
                guard let t = peek else { throw ParseError("the query has no words to search for") }
                throw ParseError(t == .close ? "a ')' has no '(' before it" : "\(describe(t)) needs something before it")
            }
            any = true
            if let n = try parseAnd() { parts.append(n) }
        } while peek == .or
        return Self.or(parts)
    }

    var startsGroup: Bool {
        switch peek {
        case .none, .close, .and, .or, .not: return false
        default: return true
        }
    }

    mutating func parseAnd() throws -> Node? {
        var include: [Node] = []
        var exclude: [Node] = []
        func add(_ n: Node?, negated: Bool) {
            guard let n else { return }
            if negated {
                exclude.append(n)
            } else if case .and(let i, let e) = n {
                include += i
                exclude += e
            } else {
                include.append(n)
            }
        }
        let (inc, exc) = try parseGroup()
        for n in inc { add(n, negated: false) }
        for n in exc { add(n, negated: true) }
        while peek == .and || peek == .not {
            var negated = peek == .not
            let op = negated ? "NOT" : "AND"
            position += 1
            if !negated && peek == .not {
                negated = true
                position += 1
            }
            guard startsGroup else { throw ParseError("\(op) needs something after it") }
            let (i, e) = try parseGroup()
            if negated {
                // NOT (a -b): exclude what the group matches
                if let g = Self.and(i, e) { exclude.append(g) } else if !e.isEmpty { exclude.append(.and([], excluding: e)) }
            } else {
                for n in i { add(n, negated: false) }
                for n in e { add(n, negated: true) }
            }
        }
        return Self.and(include, exclude) ?? (exclude.isEmpty ? nil : .and([], excluding: exclude))
    }

    /// Words next to each other: included and excluded parts.
    mutating func parseGroup() throws -> ([Node], [Node]) {
        var include: [Node] = []
        var exclude: [Node] = []
        while startsGroup {
            var negated = false
            if peek == .love || peek == .hate {
                negated = peek == .hate
                position += 1
                guard startsGroup, peek != .love, peek != .hate else { throw ParseError("'+' or '-' needs a word after it") }
            }
            if let n = try parsePrimary() {
                if negated { exclude.append(n) } else { include.append(n) }
            }
        }
        return (include, exclude)
    }

    mutating func parsePrimary() throws -> Node? {
        let t = tokens[position]
        position += 1
        switch t {
        case .open, .prefixOpen:
            depth += 1
            guard depth <= 64 else { throw ParseError("parentheses are nested too deeply") }
            let saved = field
            if case .prefixOpen(let p) = t {
                guard !SearchQuery.datePrefixes.contains(Substring(p)) else { throw ParseError("'\(p):' takes a date, not a group") }
                field = p
            }
            guard startsGroup else {
                throw ParseError(
                    peek == .close ? "empty parentheses" : peek == nil ? "a '(' is not closed" : "unexpected \(describe(peek!))")
            }
            let n = try parseOr()
            guard peek == .close else { throw ParseError("a '(' is not closed") }
            position += 1
            field = saved
            depth -= 1
            return n
        case .term(let prefix, let text, let phrase, let wildcard):
            return try leaf(prefix: prefix ?? field, text: text, phrase: phrase, wildcard: wildcard)
        default:
            throw ParseError("unexpected \(describe(t))")
        }
    }

    func leaf(prefix: String?, text: String, phrase: Bool, wildcard: Bool) throws -> Node? {
        let columns: [String]
        switch prefix {
        case nil:
            columns = SearchQuery.defaultColumns
        case "m", "mid":
            var id = Substring(text).trimmingCharacters(in: " \t")
            if id.hasPrefix("<") && id.hasSuffix(">") && id.count >= 2 { id = id.dropFirst().dropLast() }
            return id.isEmpty ? nil : .messageID(String(id), wildcard: wildcard)
        case "patchid":
            let id = text.lowercased()
            return id.utf8.count >= 40 && id.utf8.allSatisfy(QueryParser.isHex) ? .patchID(id) : .nothing
        case "crash":
            let what = Substring(text).trimmingCharacters(in: " \t")
            return what.isEmpty ? nil : .crash(String(what))
        case "dfpre", "dfpost", "dfblob":
            let hex = text.lowercased()
            guard hex.utf8.count >= 7, hex.utf8.allSatisfy(QueryParser.isHex) else { return .nothing }
            return .blob(columns: prefix == "dfblob" ? ["dfpre", "dfpost"] : [prefix!], hex: hex)
        case "d", "dt", "rt":
            return .range(try DateRange.parse(prefix: prefix!, text, now: now))
        default:
            columns = SearchQuery.textPrefixes[prefix!]!
        }
        // FTS5's unicode61 tokenizer keeps letters, digits and private-use characters
        guard text.unicodeScalars.contains(where: { $0.properties.isAlphabetic || $0.properties.numericType != nil }) else {
            return nil
        }
        if wildcard && !phrase {
            // a short prefix expands to most of the index (public-inbox: Xapian's 100-term cap)
            let last = text.unicodeScalars.split { !($0.properties.isAlphabetic || $0.properties.numericType != nil) }.last
            guard (last?.count ?? 0) >= 3 else {
                throw ParseError("'\(text)*': a wildcard needs at least 3 letters or digits before the '*'")
            }
        }
        // one plain word is stemmed; anything else is matched as written
        let plain = text.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil }
        return .text(columns: columns, text: text, wildcard: wildcard && !phrase, exact: phrase || wildcard || !plain)
    }

    static func isHex(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) }

    static func or(_ parts: [Node]) -> Node? {
        var flat: [Node] = []
        for p in parts {
            if case .or(let c) = p { flat += c } else { flat.append(p) }
        }
        return flat.count <= 1 ? flat.first : .or(flat)
    }

    static func and(_ include: [Node], _ exclude: [Node]) -> Node? {
        if include.isEmpty { return nil }
        if include.count == 1 && exclude.isEmpty { return include[0] }
        return .and(include, excluding: exclude)
    }
}
