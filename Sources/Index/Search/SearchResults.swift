import Foundation
import GRDB

/// How search results are ordered.
public enum SearchOrder: Sendable {
    /// Newest received first (public-inbox's default order).
    case date
    /// Best FTS5 bm25 rank first, then newest; queries without words fall back to `.date`.
    case relevance
}

/// One page of search hits and how many there are in all.
public struct SearchResults: Sendable, Equatable {
    /// Hits in all (threads, when collapsed).
    public var total: Int
    public var offset: Int
    public var rows: [OverviewRow]
    /// With `.relevance`: each row's FTS5 bm25 rank (lower is better), to merge inboxes' hits.
    public var ranks: [Double]

    public init(total: Int, offset: Int, rows: [OverviewRow], ranks: [Double] = []) {
        self.total = total
        self.offset = offset
        self.rows = rows
        self.ranks = ranks
    }
}

extension ArchiveIndex {
    /// Runs `query`: `limit` hits from `offset`, with the total. `collapseThreads` (`t=1`)
    /// gives one hit per thread, its newest (or best) match; `thread` limits the search to one
    /// thread (`POST /INBOX/MID/?x=m&q=`).
    public func search(
        _ query: SearchQuery, offset: Int = 0, limit: Int = 50, order: SearchOrder = .date, collapseThreads: Bool = false,
        thread: Int64? = nil
    ) throws -> SearchResults {
        let plan = SearchCompiler(exact: hasExactSearch).compile(query.root)
        if plan.isNothing { return SearchResults(total: 0, offset: offset, rows: []) }
        let src = SearchCompiler.source(plan, thread: thread)
        let rank = (src.rankTable ?? "fts") + ".rank"
        let byRank = order == .relevance && src.rankTable != nil
        let args = src.arguments
        let page = [limit.databaseValue, offset.databaseValue]
        let deadline = SearchLimits.deadline
        return try read { db in
            try SearchLimits.bounded(db, deadline: deadline) {
                // 1. how many (the page links and "Results 1-200 of N" need it)
                // (words alone: FTS5 counts by itself, without a lookup in `over` per hit; the two
                // tables change in the same transactions)
                let total: Int
                if !collapseThreads && thread == nil, let (t, m) = plan.pure {
                    total = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(t) WHERE \(t) MATCH ?", arguments: [m]) ?? 0
                } else {
                    let countSQL = collapseThreads ? "SELECT count(DISTINCT over.tid) \(src.sql)" : "SELECT count(*) \(src.sql)"
                    total = try Int.fetchOne(db, sql: countSQL, arguments: StatementArguments(args)) ?? 0
                }
                guard total > offset, limit > 0 else { return SearchResults(total: total, offset: offset, rows: []) }
                // 2. which: the article numbers of the page, in order. Only keys are sorted; sorting
                // whole rows of thousands of hits cost 4x more.
                var nums: [Int64]
                var rankOf: [Int64: Double] = [:]
                if collapseThreads {
                    let pick = byRank ? "min(\(rank)) AS pick" : "max(over.ts) AS pick"
                    nums = try Int64.fetchAll(
                        db,
                        sql:
                            "SELECT over.num, \(pick) \(src.sql) GROUP BY over.tid ORDER BY pick \(byRank ? "ASC" : "DESC"), over.num DESC LIMIT ? OFFSET ?",
                        arguments: StatementArguments(args + page))
                } else if byRank {
                    nums = []
                    for row in try Row.fetchAll(
                        db, sql: "SELECT over.num, \(rank) \(src.sql) ORDER BY \(rank), over.ts DESC, over.num DESC LIMIT ? OFFSET ?",
                        arguments: StatementArguments(args + page))
                    {
                        let num: Int64 = row[0]
                        nums.append(num)
                        rankOf[num] = row[1]
                    }
                } else if thread == nil, Self.walkReceivedIndex(want: offset + limit, hits: total, messages: try Self.highwater(db)) {
                    // many hits: walk the received-time index newest first and stop after the page
                    let c = SearchCompiler.condition(plan)
                    nums = try Int64.fetchAll(
                        db, sql: "SELECT num FROM over INDEXED BY over_ts WHERE \(c.sql) ORDER BY ts DESC, num DESC LIMIT ? OFFSET ?",
                        arguments: StatementArguments(c.arguments + page))
                } else {
                    nums = try Int64.fetchAll(
                        db, sql: "SELECT over.num \(src.sql) ORDER BY over.ts DESC, over.num DESC LIMIT ? OFFSET ?",
                        arguments: StatementArguments(args + page))
                }
                // 3. the rows of the page
                let marks = Array(repeating: "?", count: nums.count).joined(separator: ",")
                let rows = try OverviewRow.fetchAll(
                    db, sql: "SELECT \(OverviewRow.columns) FROM over WHERE num IN (\(marks))", arguments: StatementArguments(nums))
                var byNum: [Int64: OverviewRow] = [:]
                for r in rows { byNum[r.num] = r }
                let page = nums.compactMap { byNum[$0] }
                return SearchResults(
                    total: total, offset: offset, rows: page, ranks: rankOf.isEmpty ? [] : page.map { rankOf[$0.num] ?? 0 })
            }
        }
    }

    /// Whether walking the received-time index (visiting about `want * messages / hits` rows
    /// before the page is full) is cheaper than sorting all `hits`.
    static func walkReceivedIndex(want: Int, hits: Int, messages: Int64) -> Bool {
        hits > 0 && Int64(want) * messages / Int64(hits) < Int64(hits)
    }

    static func highwater(_ db: Database) throws -> Int64 { try Int64.fetchOne(db, sql: "SELECT max(num) FROM over") ?? 0 }

    /// Article numbers of the hits, highest (newest) first, for mbox downloads; with
    /// `expandThreads` (`t=1`) every message of every thread with a hit.
    public func searchArticles(_ query: SearchQuery, expandThreads: Bool = false, thread: Int64? = nil, limit: Int = 100_000)
        throws -> [Int64]
    {
        let plan = SearchCompiler(exact: hasExactSearch).compile(query.root)
        if plan.isNothing { return [] }
        let src = SearchCompiler.source(plan, thread: thread)
        let sql =
            expandThreads
            ? "SELECT num FROM over WHERE tid IN (SELECT over.tid \(src.sql)) ORDER BY num DESC LIMIT ?"
            : "SELECT over.num \(src.sql) ORDER BY over.num DESC LIMIT ?"
        let deadline = SearchLimits.deadline
        return try read { db in
            try SearchLimits.bounded(db, deadline: deadline) {
                try Int64.fetchAll(db, sql: sql, arguments: StatementArguments(src.arguments + [limit.databaseValue]))
            }
        }
    }

    /// Parses `q` and runs it (`now`: the current time, default the clock).
    public func search(_ q: String, now: Int64? = nil, offset: Int = 0, limit: Int = 50, order: SearchOrder = .date) throws
        -> SearchResults
    {
        let query = try SearchQuery.parse(q, now: now ?? Int64(Date().timeIntervalSince1970))
        return try search(query, offset: offset, limit: limit, order: order)
    }
}
