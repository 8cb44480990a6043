import Foundation
import GRDB

/// What arrived when, and whether anything changed.
extension ArchiveIndex {
    /// Newest messages by received time for paging: `before`/`after` are inclusive bounds.
    public func recent(before: Int64?, after: Int64?, limit: Int) throws -> [OverviewRow] {
        try read { db in
            switch (before, after) {
            case let (b?, a?):
                return try OverviewRow.fetch(
                    db, "SELECT \(OverviewRow.columns) FROM over WHERE ts BETWEEN ? AND ? ORDER BY ts DESC, num DESC LIMIT ?",
                    [a, b, limit])
            case let (b?, nil):
                return try OverviewRow.fetch(
                    db, "SELECT \(OverviewRow.columns) FROM over WHERE ts<=? ORDER BY ts DESC, num DESC LIMIT ?",
                    [b, limit])
            case let (nil, a?):
                let rows = try OverviewRow.fetch(
                    db, "SELECT \(OverviewRow.columns) FROM over WHERE ts>=? ORDER BY ts ASC, num ASC LIMIT ?",
                    [a, limit])
                return rows.reversed()
            case (nil, nil):
                return try OverviewRow.fetch(
                    db, "SELECT \(OverviewRow.columns) FROM over ORDER BY ts DESC, num DESC LIMIT ?", [limit])
            }
        }
    }

    /// Changes whenever messages are added or removed: (highest article number, message count,
    /// ghost count). Cheap enough to poll.
    public func generation() throws -> (num: Int64, messages: Int, ghosts: Int, newest: Int64?) {
        try read { db in
            let row = try Row.fetchOne(
                db,
                sql:
                    "SELECT (SELECT max(num) FROM over) AS n, (SELECT count(*) FROM over) AS c, (SELECT count(*) FROM ghost) AS g, (SELECT max(ts) FROM over) AS t"
            )
            return (row?["n"] ?? 0, row?["c"] ?? 0, row?["g"] ?? 0, row?["t"])
        }
    }
}
