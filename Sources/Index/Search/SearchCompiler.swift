import GRDB

/// Compiles a `SearchQuery` to SQL over the index: full-text parts become one FTS5 MATCH
/// expression where possible (every user word is an FTS5 string, `"` doubled, so no user text
/// is ever read as FTS5 syntax), Message-IDs and patch ids use their tables, dates the `over`
/// columns. Every value is a bound parameter.
struct SearchCompiler {
    /// SQL text with its parameters, in order.
    struct Fragment {
        var sql: String
        var arguments: [DatabaseValue] = []
    }

    /// A conjunction: FTS5 expression AND `over.num IN (set)`s AND conditions on `over`.
    struct Plan {
        var match: String?
        var sets: [Fragment] = []
        var conditions: [Fragment] = []
        var isNothing = false

        static let nothing = Plan(isNothing: true)
        var isPureMatch: Bool { match != nil && sets.isEmpty && conditions.isEmpty && !isNothing }
    }

    static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func columnFilter(_ columns: [String]) -> String {
        columns.count == 1 ? columns[0] : "{" + columns.joined(separator: " ") + "}"
    }

    static func compile(_ node: SearchQuery.Node) -> Plan {
        switch node {
        case .nothing:
            return .nothing
        case .text(let columns, let text, let wildcard):
            return Plan(match: columnFilter(columns) + " : " + quote(text) + (wildcard ? " *" : ""))
        case .blob(let columns, let hex):
            return Plan(match: columnFilter(columns) + " : " + quote(hex) + " *")
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
            for n in include {
                let c = compile(n)
                if c.isNothing { return .nothing }
                if let m = c.match { matches.append(m) }
                p.sets += c.sets
                p.conditions += c.conditions
            }
            if !matches.isEmpty { p.match = matches.count == 1 ? matches[0] : matches.map { "(\($0))" }.joined(separator: " AND ") }
            var notMatches: [String] = []
            for n in exclude {
                let c = compile(n)
                if c.isNothing { continue }
                if c.isPureMatch && p.match != nil {
                    notMatches.append(c.match!)
                } else {
                    let s = set(c)
                    p.conditions.append(Fragment(sql: "over.num NOT IN (\(s.sql))", arguments: s.arguments))
                }
            }
            if !notMatches.isEmpty {
                p.match = "(\(p.match!)) NOT (" + notMatches.map { "(\($0))" }.joined(separator: " OR ") + ")"
            }
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
            if !pids.isEmpty { plans.append(Plan(sets: [inList("SELECT num FROM patchid WHERE pid", pids)])) }
            if !mids.isEmpty { plans.append(Plan(sets: [inList("SELECT num FROM msgid WHERE mid", mids)])) }
            if plans.isEmpty { return .nothing }
            if plans.count == 1 { return plans[0] }
            if plans.allSatisfy(\.isPureMatch) {
                return Plan(match: plans.map { "(\($0.match!))" }.joined(separator: " OR "))
            }
            if plans.allSatisfy({ $0.conditions.isEmpty }) {
                let sets = plans.map(set)
                return Plan(sets: [
                    Fragment(sql: sets.map(\.sql).joined(separator: " UNION "), arguments: sets.flatMap(\.arguments))
                ])
            }
            let conditions = plans.map(condition)
            return Plan(conditions: [
                Fragment(
                    sql: "(" + conditions.map { "(\($0.sql))" }.joined(separator: " OR ") + ")",
                    arguments: conditions.flatMap(\.arguments))
            ])
        }
    }

    static func inList(_ head: String, _ values: [String]) -> Fragment {
        Fragment(
            sql: head + " IN (" + Array(repeating: "?", count: values.count).joined(separator: ", ") + ")",
            arguments: values.map(\.databaseValue))
    }

    /// The plan as a subquery of article numbers.
    static func set(_ p: Plan) -> Fragment {
        if p.isPureMatch { return Fragment(sql: "SELECT rowid FROM fts WHERE fts MATCH ?", arguments: [p.match!.databaseValue]) }
        if p.match == nil && p.conditions.isEmpty && p.sets.count == 1 { return p.sets[0] }
        let c = condition(p)
        return Fragment(sql: "SELECT over.num FROM over WHERE " + c.sql, arguments: c.arguments)
    }

    /// The plan as a condition on an `over` row.
    static func condition(_ p: Plan) -> Fragment {
        var parts: [Fragment] = []
        if let m = p.match {
            parts.append(Fragment(sql: "over.num IN (SELECT rowid FROM fts WHERE fts MATCH ?)", arguments: [m.databaseValue]))
        }
        for s in p.sets { parts.append(Fragment(sql: "over.num IN (\(s.sql))", arguments: s.arguments)) }
        parts += p.conditions
        if parts.isEmpty { return Fragment(sql: "1") }
        return Fragment(sql: parts.map { "(\($0.sql))" }.joined(separator: " AND "), arguments: parts.flatMap(\.arguments))
    }

    /// `FROM … WHERE …` for the whole query; `usesFTS`: the `fts` table is joined (for rank).
    static func source(_ p: Plan, thread tid: Int64?) -> (sql: String, arguments: [DatabaseValue], usesFTS: Bool) {
        var conditions: [Fragment] = []
        var from = "over"
        if let m = p.match {
            from = "fts JOIN over ON over.num = fts.rowid"
            conditions.append(Fragment(sql: "fts MATCH ?", arguments: [m.databaseValue]))
        }
        for s in p.sets { conditions.append(Fragment(sql: "over.num IN (\(s.sql))", arguments: s.arguments)) }
        conditions += p.conditions
        if let tid { conditions.append(Fragment(sql: "over.tid = ?", arguments: [tid.databaseValue])) }
        if conditions.isEmpty { conditions.append(Fragment(sql: "1")) }
        return (
            "FROM \(from) WHERE " + conditions.map { "(\($0.sql))" }.joined(separator: " AND "),
            conditions.flatMap(\.arguments), p.match != nil
        )
    }
}
