import GRDB

/// Compiles a `SearchQuery` to SQL over the index: full-text parts become one FTS5 MATCH
/// expression per full-text table where possible (every user word is an FTS5 string, `"`
/// doubled, so no user text is ever read as FTS5 syntax), Message-IDs and patch ids use their
/// tables, dates the `over` columns. Every value is a bound parameter.
///
/// Two full-text tables hold the same columns: `fts` stemmed (porter; `_` splits words) for
/// plain words, `fts_exact` as written (`_` joins words) for phrases, identifiers and
/// wildcards. An index without `fts_exact` (made by an older version, not upgraded yet) is
/// searched in `fts` alone, as before (`exact: false`).
struct SearchCompiler {
    /// Whether the index has `fts_exact`.
    var exact = true
    /// SQL text with its parameters, in order.
    struct Fragment {
        var sql: String
        var arguments: [DatabaseValue] = []
    }

    /// A conjunction: FTS5 expressions (stemmed `match`, exact `exactMatch`) AND
    /// `over.num IN (set)`s AND conditions on `over`.
    struct Plan {
        var match: String?
        var exactMatch: String?
        var sets: [Fragment] = []
        var conditions: [Fragment] = []
        var isNothing = false

        static let nothing = Plan(isNothing: true)
        private var bare: Bool { sets.isEmpty && conditions.isEmpty && !isNothing }
        /// Only a stemmed FTS5 expression.
        var isPureMatch: Bool { match != nil && exactMatch == nil && bare }
        /// Only an exact FTS5 expression.
        var isPureExact: Bool { exactMatch != nil && match == nil && bare }
        /// The table and expression of a plan that is one FTS5 expression.
        var pure: (table: String, match: String)? {
            if isPureMatch { return ("fts", match!) }
            if isPureExact { return ("fts_exact", exactMatch!) }
            return nil
        }
    }

    /// An FTS5 string. A NUL ends a string for FTS5's parser ("unterminated string", a 500 for
    /// `q="a%00b"`: found by fuzz.sh query): it separates words, as the tokenizer reads it.
    static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"").replacingOccurrences(of: "\0", with: " ") + "\""
    }

    /// `s` for a LIKE pattern with `\\` as its escape: `%` and `_` match themselves.
    static func likeEscaped(_ s: String) -> String {
        var out = ""
        for c in s {
            if c == "%" || c == "_" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    static func columnFilter(_ columns: [String]) -> String {
        columns.count == 1 ? columns[0] : "{" + columns.joined(separator: " ") + "}"
    }

    func compile(_ node: SearchQuery.Node) -> Plan {
        switch node {
        case .nothing:
            return .nothing
        case .text(let columns, let text, let wildcard, let isExact):
            let m = Self.columnFilter(columns) + " : " + Self.quote(text) + (wildcard ? " *" : "")
            return isExact && exact ? Plan(exactMatch: m) : Plan(match: m)
        case .blob(let columns, let hex):
            return Plan(match: Self.columnFilter(columns) + " : " + Self.quote(hex) + " *")
        case .messageID(let id, let wildcard):
            if wildcard {
                return Plan(sets: [
                    Fragment(
                        sql: "SELECT num FROM msgid WHERE mid >= ? AND mid < ?",
                        arguments: [id.databaseValue, (id + "\u{10FFFF}").databaseValue])
                ])
            }
            return Plan(sets: [Fragment(sql: "SELECT num FROM msgid WHERE mid = ?", arguments: [id.databaseValue])])
        case .patchID(let id):
            return Plan(sets: [Fragment(sql: "SELECT num FROM patchid WHERE pid = ?", arguments: [id.databaseValue])])
        case .crash(let what):
            if what.lowercased() == "any" { return Plan(sets: [Fragment(sql: "SELECT num FROM crash", arguments: [])]) }
            return Plan(sets: [
                Fragment(
                    sql: "SELECT num FROM crash WHERE sig = ? OR function = ? OR location = ? OR location LIKE ? ESCAPE '\\'",
                    arguments: [what.databaseValue, what.databaseValue, what.databaseValue, (Self.likeEscaped(what) + ":%").databaseValue])
            ])
        case .range(let r):
            let c = "over." + r.column.rawValue
            switch (r.lower, r.upper) {
            case (let lo?, let hi?):
                return Plan(conditions: [Fragment(sql: "\(c) BETWEEN ? AND ?", arguments: [lo.databaseValue, hi.databaseValue])])
            case (let lo?, nil): return Plan(conditions: [Fragment(sql: "\(c) >= ?", arguments: [lo.databaseValue])])
            case (nil, let hi?): return Plan(conditions: [Fragment(sql: "\(c) <= ?", arguments: [hi.databaseValue])])
            case (nil, nil): return Plan(conditions: [Fragment(sql: "1")])
            }
        case .and(let include, let exclude):
            var p = Plan()
            var matches: [String] = []
            var exacts: [String] = []
            for n in include {
                let c = compile(n)
                if c.isNothing { return .nothing }
                if let m = c.match { matches.append(m) }
                if let m = c.exactMatch { exacts.append(m) }
                p.sets += c.sets
                p.conditions += c.conditions
            }
            p.match = Self.all(matches)
            p.exactMatch = Self.all(exacts)
            var notMatches: [String] = []
            var notExacts: [String] = []
            for n in exclude {
                let c = compile(n)
                if c.isNothing { continue }
                if c.isPureMatch && p.match != nil {
                    notMatches.append(c.match!)
                } else if c.isPureExact && p.exactMatch != nil {
                    notExacts.append(c.exactMatch!)
                } else {
                    let s = Self.set(c)
                    p.conditions.append(Fragment(sql: "over.num NOT IN (\(s.sql))", arguments: s.arguments))
                }
            }
            p.match = p.match.map { Self.excluding($0, notMatches) }
            p.exactMatch = p.exactMatch.map { Self.excluding($0, notExacts) }
            return p
        case .or(let children):
            // b4's long ORs of patchid: (and Message-IDs) become one IN list
            var pids: [String] = []
            var mids: [String] = []
            var plans: [Plan] = []
            for n in children {
                switch n {
                case .patchID(let id): pids.append(id)
                case .messageID(let id, false): mids.append(id)
                default:
                    let c = compile(n)
                    if !c.isNothing { plans.append(c) }
                }
            }
            if !pids.isEmpty { plans.append(Plan(sets: [Self.inList("SELECT num FROM patchid WHERE pid", pids)])) }
            if !mids.isEmpty { plans.append(Plan(sets: [Self.inList("SELECT num FROM msgid WHERE mid", mids)])) }
            if plans.isEmpty { return .nothing }
            if plans.count == 1 { return plans[0] }
            if plans.allSatisfy(\.isPureMatch) {
                return Plan(match: plans.map { "(\($0.match!))" }.joined(separator: " OR "))
            }
            if plans.allSatisfy(\.isPureExact) {
                return Plan(exactMatch: plans.map { "(\($0.exactMatch!))" }.joined(separator: " OR "))
            }
            if plans.allSatisfy({ $0.conditions.isEmpty }) {
                let sets = plans.map(Self.set)
                return Plan(sets: [
                    Fragment(sql: sets.map(\.sql).joined(separator: " UNION "), arguments: sets.flatMap(\.arguments))
                ])
            }
            let conditions = plans.map(Self.condition)
            return Plan(conditions: [
                Fragment(
                    sql: "(" + conditions.map { "(\($0.sql))" }.joined(separator: " OR ") + ")",
                    arguments: conditions.flatMap(\.arguments))
            ])
        }
    }

    /// Expressions that must all match, as one.
    static func all(_ ms: [String]) -> String? {
        ms.isEmpty ? nil : ms.count == 1 ? ms[0] : ms.map { "(\($0))" }.joined(separator: " AND ")
    }

    /// `m` without any of `not`.
    static func excluding(_ m: String, _ not: [String]) -> String {
        not.isEmpty ? m : "(\(m)) NOT (" + not.map { "(\($0))" }.joined(separator: " OR ") + ")"
    }

    static func inList(_ head: String, _ values: [String]) -> Fragment {
        Fragment(
            sql: head + " IN (" + Array(repeating: "?", count: values.count).joined(separator: ", ") + ")",
            arguments: values.map(\.databaseValue))
    }

    /// The plan as a subquery of article numbers.
    static func set(_ p: Plan) -> Fragment {
        if let (t, m) = p.pure { return Fragment(sql: "SELECT rowid FROM \(t) WHERE \(t) MATCH ?", arguments: [m.databaseValue]) }
        if p.match == nil && p.exactMatch == nil && p.conditions.isEmpty && p.sets.count == 1 { return p.sets[0] }
        let c = condition(p)
        return Fragment(sql: "SELECT over.num FROM over WHERE " + c.sql, arguments: c.arguments)
    }

    /// The plan as a condition on an `over` row.
    static func condition(_ p: Plan) -> Fragment {
        var parts: [Fragment] = []
        if let m = p.match {
            parts.append(Fragment(sql: "over.num IN (SELECT rowid FROM fts WHERE fts MATCH ?)", arguments: [m.databaseValue]))
        }
        if let m = p.exactMatch {
            parts.append(
                Fragment(sql: "over.num IN (SELECT rowid FROM fts_exact WHERE fts_exact MATCH ?)", arguments: [m.databaseValue]))
        }
        for s in p.sets { parts.append(Fragment(sql: "over.num IN (\(s.sql))", arguments: s.arguments)) }
        parts += p.conditions
        if parts.isEmpty { return Fragment(sql: "1") }
        return Fragment(sql: parts.map { "(\($0.sql))" }.joined(separator: " AND "), arguments: parts.flatMap(\.arguments))
    }

    /// `FROM … WHERE …` for the whole query; `rankTable`: the full-text table joined (its
    /// `rank` orders by relevance), nil without words.
    static func source(_ p: Plan, thread tid: Int64?) -> (sql: String, arguments: [DatabaseValue], rankTable: String?) {
        var conditions: [Fragment] = []
        var from = "over"
        var rankTable: String?
        if let m = p.match {
            from = "fts JOIN over ON over.num = fts.rowid"
            rankTable = "fts"
            conditions.append(Fragment(sql: "fts MATCH ?", arguments: [m.databaseValue]))
        }
        if let m = p.exactMatch {
            if rankTable == nil {
                from = "fts_exact JOIN over ON over.num = fts_exact.rowid"
                rankTable = "fts_exact"
                conditions.append(Fragment(sql: "fts_exact MATCH ?", arguments: [m.databaseValue]))
            } else {
                conditions.append(
                    Fragment(sql: "over.num IN (SELECT rowid FROM fts_exact WHERE fts_exact MATCH ?)", arguments: [m.databaseValue]))
            }
        }
        for s in p.sets { conditions.append(Fragment(sql: "over.num IN (\(s.sql))", arguments: s.arguments)) }
        conditions += p.conditions
        if let tid { conditions.append(Fragment(sql: "over.tid = ?", arguments: [tid.databaseValue])) }
        if conditions.isEmpty { conditions.append(Fragment(sql: "1")) }
        return (
            "FROM \(from) WHERE " + conditions.map { "(\($0.sql))" }.joined(separator: " AND "),
            conditions.flatMap(\.arguments), rankTable
        )
    }
}
