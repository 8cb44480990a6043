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

    public init(total: Int, offset: Int, rows: [OverviewRow]) {
        self.total = total
        self.offset = offset
        self.rows = rows
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
        let plan = SearchCompiler.compile(query.root)
        if plan.isNothing { return SearchResults(total: 0, offset: offset, rows: []) }
        let src = SearchCompiler.source(plan, thread: thread)
        let byRank = order == .relevance && src.usesFTS
        let columns = OverviewRow.qualifiedColumns
        let sql: String
        let countSQL: String
        if collapseThreads {
            let pick = byRank ? "min(fts.rank) AS pick" : "max(over.ts) AS pick"
            sql =
                "SELECT \(columns), \(pick) \(src.sql) GROUP BY over.tid ORDER BY pick \(byRank ? "ASC" : "DESC"), over.num DESC LIMIT ? OFFSET ?"
            countSQL = "SELECT count(DISTINCT over.tid) \(src.sql)"
        } else {
            let orderBy = byRank ? "fts.rank, over.ts DESC, over.num DESC" : "over.ts DESC, over.num DESC"
            sql = "SELECT \(columns) \(src.sql) ORDER BY \(orderBy) LIMIT ? OFFSET ?"
            countSQL = "SELECT count(*) \(src.sql)"
        }
        return try read { db in
            let rows = try OverviewRow.fetchAll(
                db, sql: sql, arguments: StatementArguments(src.arguments + [limit.databaseValue, offset.databaseValue]))
            let total: Int
            if offset == 0 && rows.count < limit {
                total = rows.count
            } else {
                total = try Int.fetchOne(db, sql: countSQL, arguments: StatementArguments(src.arguments)) ?? 0
            }
            return SearchResults(total: total, offset: offset, rows: rows)
        }
    }

    /// Article numbers of the hits, highest (newest) first, for mbox downloads; with
    /// `expandThreads` (`t=1`) every message of every thread with a hit.
    public func searchArticles(_ query: SearchQuery, expandThreads: Bool = false, thread: Int64? = nil, limit: Int = 100_000)
        throws -> [Int64]
    {
        let plan = SearchCompiler.compile(query.root)
        if plan.isNothing { return [] }
        let src = SearchCompiler.source(plan, thread: thread)
        let sql =
            expandThreads
            ? "SELECT num FROM over WHERE tid IN (SELECT over.tid \(src.sql)) ORDER BY num DESC LIMIT ?"
            : "SELECT over.num \(src.sql) ORDER BY over.num DESC LIMIT ?"
        return try read { db in
            try Int64.fetchAll(db, sql: sql, arguments: StatementArguments(src.arguments + [limit.databaseValue]))
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
