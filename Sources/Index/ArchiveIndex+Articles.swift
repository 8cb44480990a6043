import Foundation
import GRDB
import Mail

/// Questions newsreaders and mail clients ask (NNTP, IMAP): articles by number and range.
extension ArchiveIndex {
    /// The lowest and highest article numbers and how many articles there are.
    public struct ArticleSpan: Sendable, Equatable {
        public var low: Int64
        public var high: Int64
        public var count: Int
        public static let empty = ArticleSpan(low: 1, high: 0, count: 0)
    }

    /// The article numbers in use (low 1, high 0, count 0 for an empty inbox).
    public func articleSpan() throws -> ArticleSpan {
        try read { db in
            let row = try Row.fetchOne(db, sql: "SELECT min(num), max(num), count(*) FROM over")
            let low: Int64? = row?[0]
            let high: Int64? = row?[1]
            return ArticleSpan(low: low ?? 1, high: high ?? 0, count: row?[2] ?? 0)
        }
    }

    /// The highest article number ever given (numbers are never reused), 0 for none.
    public func highestArticleNumber() throws -> Int64 {
        try read { db in
            let mark = try Int64.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key='num_highwater'") ?? 0
            return max(mark, try Int64.fetchOne(db, sql: "SELECT max(num) FROM over") ?? 0)
        }
    }

    /// When the oldest article arrived (received time of the lowest number): a stable stamp
    /// for the inbox, rebuilt indexes give the same value (public-inbox's UIDVALIDITY role).
    public func firstArrival() throws -> Int64? {
        try read { db in try Int64.fetchOne(db, sql: "SELECT ts FROM over ORDER BY num LIMIT 1") }
    }

    /// Articles numbered `range.lowerBound...range.upperBound`, in number order, at most `limit`.
    public func articles(in range: ClosedRange<Int64>, limit: Int) throws -> [OverviewRow] {
        try read { db in
            try OverviewRow.fetchAll(
                db, sql: "SELECT \(OverviewRow.columns) FROM over WHERE num BETWEEN ? AND ? ORDER BY num LIMIT ?",
                arguments: [range.lowerBound, range.upperBound, limit])
        }
    }

    /// The article numbers in `range`, ascending, at most `limit`.
    public func articleNumbers(in range: ClosedRange<Int64>, limit: Int = Int.max) throws -> [Int64] {
        try read { db in
            try Int64.fetchAll(
                db, sql: "SELECT num FROM over WHERE num BETWEEN ? AND ? ORDER BY num LIMIT ?",
                arguments: [range.lowerBound, range.upperBound, min(limit, Int(Int32.max))])
        }
    }

    /// How many articles are numbered within `range`.
    public func articleCount(in range: ClosedRange<Int64>) throws -> Int {
        try read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM over WHERE num BETWEEN ? AND ?", arguments: [range.lowerBound, range.upperBound])
                ?? 0
        }
    }

    /// The lowest article number stored under `mid`.
    public func articleNumber(mid: String) throws -> Int64? {
        try read { db in try Int64.fetchOne(db, sql: "SELECT min(num) FROM msgid WHERE mid=?", arguments: [mid]) }
    }

    /// The lowest article number of each of `mids` that is stored.
    public func articleNumbers(mids: [String]) throws -> [String: Int64] {
        guard !mids.isEmpty else { return [:] }
        return try read { db in
            var out: [String: Int64] = [:]
            let st = try db.cachedStatement(sql: "SELECT min(num) FROM msgid WHERE mid=?")
            for m in Set(mids) {
                if let n = try Int64.fetchOne(st, arguments: [m]) { out[m] = n }
            }
            return out
        }
    }

    /// The next article after `num` (NNTP NEXT), or the one before it (`LAST`).
    public func neighbourArticle(of num: Int64, forward: Bool) throws -> OverviewRow? {
        try read { db in
            try OverviewRow.fetchOne(
                db,
                sql: forward
                    ? "SELECT \(OverviewRow.columns) FROM over WHERE num > ? ORDER BY num LIMIT 1"
                    : "SELECT \(OverviewRow.columns) FROM over WHERE num < ? ORDER BY num DESC LIMIT 1",
                arguments: [num])
        }
    }

    /// Articles received at or after `ts` (Unix seconds), numbered above `num`, in number
    /// order (NNTP NEWNEWS).
    public func articles(receivedSince ts: Int64, after num: Int64, limit: Int) throws -> [OverviewRow] {
        try read { db in
            try OverviewRow.fetchAll(
                db, sql: "SELECT \(OverviewRow.columns) FROM over WHERE ts >= ? AND num > ? ORDER BY num LIMIT ?",
                arguments: [ts, num, limit])
        }
    }

    /// Article numbers in `range` whose received time (`received`) or Date: (otherwise) lies in
    /// `from..<to` and whose size lies in `bytes` (IMAP SEARCH SINCE/BEFORE/ON, SENT*, LARGER/SMALLER).
    public func articleNumbers(
        in range: ClosedRange<Int64>, received: Bool, from: Int64 = .min, to: Int64 = .max, bytes: ClosedRange<Int> = 0...Int.max
    ) throws -> [Int64] {
        let column = received ? "ts" : "ds"
        return try read { db in
            try Int64.fetchAll(
                db,
                sql:
                    "SELECT num FROM over WHERE num BETWEEN ? AND ? AND \(column) >= ? AND \(column) < ? AND bytes BETWEEN ? AND ? ORDER BY num",
                arguments: [range.lowerBound, range.upperBound, from, to, bytes.lowerBound, bytes.upperBound])
        }
    }

    /// Article numbers in `range` that match `query` (full text), ascending.
    public func articleNumbers(matching query: SearchQuery, in range: ClosedRange<Int64>) throws -> [Int64] {
        try searchArticles(query, limit: Int(Int32.max)).filter { range.contains($0) }.sorted()
    }
}

extension SearchQuery {
    /// A query built from a tree (IMAP SEARCH criteria map onto it).
    public static func tree(_ root: Node) -> SearchQuery { SearchQuery(root: root) }
}

extension SearchQuery.Node {
    /// Words (a phrase when several) searched under one of public-inbox's prefixes (`s`, `f`,
    /// `t`, `c`, `b`, `l`…); nil for an unknown prefix. `prefix` nil: every text column (the
    /// whole message, as IMAP's `TEXT` asks).
    public static func words(_ text: String, prefix: String?) -> SearchQuery.Node? {
        guard let p = prefix else { return .text(columns: SearchQuery.defaultColumns + ["t", "c", "l"], text: text, wildcard: false) }
        if p == "m" { return .messageID(text, wildcard: false) }
        return SearchQuery.textPrefixes[p].map { .text(columns: $0, text: text, wildcard: false) }
    }
}
