import Foundation
import GRDB
import Mail

/// Read-only queries the web interface needs beyond `ArchiveIndex`'s own.
extension ArchiveIndex {
    /// A thread as public-inbox's `get_thread` sees it: the strict thread of the message (same
    /// tid), the loose matches (same subject id, another tid) and how many messages both hold.
    public struct ThreadRows: Sendable {
        public var seed: OverviewRow
        /// Same thread, by date.
        public var strict: [OverviewRow]
        /// Same subject in other threads, newest first.
        public var loose: [OverviewRow]
        public var all: [OverviewRow] { strict + loose }
        public var count: Int { strict.count + loose.count }
    }

    /// The thread of the lowest-numbered message stored under `mid`, nil if there is none.
    public func threadRows(mid: String, limit: Int = 1000) throws -> ThreadRows? {
        try read { db in
            guard
                let seed = try OverviewRow.fetchFirst(
                    db,
                    "SELECT \(OverviewRow.qualifiedColumns) FROM msgid JOIN over ON over.num=msgid.num WHERE msgid.mid=? ORDER BY over.num LIMIT 1",
                    [mid])
            else { return nil }
            return try Self.threadRows(db, seed: seed, limit: limit)
        }
    }

    /// Every message stored under `mid` (article-number order) and the thread of the first, in
    /// one read: a message page needs both.
    public func messagesAndThread(mid: String, limit: Int = 1000) throws -> (copies: [OverviewRow], thread: ThreadRows?) {
        try read { db in
            let copies = try OverviewRow.fetch(
                db, "SELECT \(OverviewRow.qualifiedColumns) FROM msgid JOIN over ON over.num=msgid.num WHERE msgid.mid=? ORDER BY over.num",
                [mid])
            guard let seed = copies.first else { return ([], nil) }
            return (copies, try Self.threadRows(db, seed: seed, limit: limit))
        }
    }

    private static func threadRows(_ db: Database, seed: OverviewRow, limit: Int) throws -> ThreadRows {
        let strict = try OverviewRow.fetch(
            db, "SELECT \(OverviewRow.columns) FROM over WHERE tid=? ORDER BY ds, num LIMIT ?",
            [seed.tid, limit])
        var loose: [OverviewRow] = []
        if let sid = seed.sid, strict.count < limit {
            loose = try OverviewRow.fetch(
                db, "SELECT \(OverviewRow.columns) FROM over WHERE sid=? AND tid!=? ORDER BY ds DESC, num DESC LIMIT ?",
                [sid, seed.tid, limit - strict.count])
        }
        return ThreadRows(seed: seed, strict: strict, loose: loose)
    }

    /// Rows of a thread and its loose matches in article-number order, `batch` at a time after
    /// `num` (public-inbox's t.mbox.gz order).
    public func threadMboxRows(tid: Int64, sid: Int64?, after num: Int64, batch: Int) throws -> [OverviewRow] {
        try read { db in
            try OverviewRow.fetch(
                db, "SELECT \(OverviewRow.columns) FROM over WHERE (tid=? OR sid=?) AND num>? ORDER BY num LIMIT ?",
                [tid, sid ?? -1, num, batch])
        }
    }

    /// Newest messages by received time for paging: `before`/`after` are inclusive bounds.
    public func recentRows(before: Int64?, after: Int64?, limit: Int) throws -> [OverviewRow] {
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

    /// The content hash public-inbox uses to tell copies of a message apart.
    public func contentHash(num: Int64) throws -> [UInt8]? {
        try read { db in
            try Data.fetchOne(db.cachedStatement(sql: "SELECT chash FROM over WHERE num=?"), arguments: [num]).map { Array($0) }
        }
    }

    /// Which of `mids` are stored (for linking Message-IDs quoted in bodies).
    public func known(mids: [String]) throws -> Set<String> {
        guard !mids.isEmpty else { return [] }
        return try read { db in
            var out = Set<String>()
            let st = try db.cachedStatement(sql: "SELECT 1 FROM msgid WHERE mid=? LIMIT 1")
            for m in mids where try Bool.fetchOne(st, arguments: [m]) ?? false { out.insert(m) }
            return out
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
