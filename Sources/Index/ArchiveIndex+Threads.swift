import Foundation
import GRDB
import Mail

/// Which messages make up a thread.
extension ArchiveIndex {
    /// A thread as public-inbox's `get_thread` sees it: the strict thread of the message (same
    /// tid), the loose matches (same subject id, another tid) and how many messages both hold.
    public struct ThreadMembers: Sendable {
        public var seed: OverviewRow
        /// Same thread, by date.
        public var strict: [OverviewRow]
        /// Same subject in other threads, newest first.
        public var loose: [OverviewRow]
        public var all: [OverviewRow] { strict + loose }
        public var count: Int { strict.count + loose.count }
    }

    /// The thread of the lowest-numbered message stored under `mid`, nil if there is none.
    public func thread(of mid: String, limit: Int = 1000) throws -> ThreadMembers? {
        try read { db in
            guard
                let seed = try OverviewRow.fetchFirst(
                    db,
                    "SELECT \(OverviewRow.qualifiedColumns) FROM msgid JOIN over ON over.num=msgid.num WHERE msgid.mid=? ORDER BY over.num LIMIT 1",
                    [mid])
            else { return nil }
            return try Self.members(db, seed: seed, limit: limit)
        }
    }

    /// Every message stored under `mid` (article-number order) and the thread of the first, in
    /// one read: a message page needs both.
    public func copiesAndThread(of mid: String, limit: Int = 1000) throws -> (copies: [OverviewRow], thread: ThreadMembers?) {
        try read { db in
            let copies = try OverviewRow.fetch(
                db, "SELECT \(OverviewRow.qualifiedColumns) FROM msgid JOIN over ON over.num=msgid.num WHERE msgid.mid=? ORDER BY over.num",
                [mid])
            guard let seed = copies.first else { return ([], nil) }
            return (copies, try Self.members(db, seed: seed, limit: limit))
        }
    }

    private static func members(_ db: Database, seed: OverviewRow, limit: Int) throws -> ThreadMembers {
        let strict = try OverviewRow.fetch(
            db, "SELECT \(OverviewRow.columns) FROM over WHERE tid=? ORDER BY ds, num LIMIT ?",
            [seed.tid, limit])
        var loose: [OverviewRow] = []
        if let sid = seed.sid, strict.count < limit {
            loose = try OverviewRow.fetch(
                db, "SELECT \(OverviewRow.columns) FROM over WHERE sid=? AND tid!=? ORDER BY ds DESC, num DESC LIMIT ?",
                [sid, seed.tid, limit - strict.count])
        }
        return ThreadMembers(seed: seed, strict: strict, loose: loose)
    }

    /// Rows of a thread and its loose matches in article-number order, `batch` at a time after
    /// `num` (public-inbox's t.mbox.gz order).
    public func threadInArticleOrder(tid: Int64, sid: Int64?, after num: Int64, batch: Int) throws -> [OverviewRow] {
        try read { db in
            try OverviewRow.fetch(
                db, "SELECT \(OverviewRow.columns) FROM over WHERE (tid=? OR sid=?) AND num>? ORDER BY num LIMIT ?",
                [tid, sid ?? -1, num, batch])
        }
    }
}
