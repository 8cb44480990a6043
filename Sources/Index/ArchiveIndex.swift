import Foundation
import GRDB
import Mail
import Store

/// One inbox's SQLite index (`DIR/tidings.sqlite3`, WAL): read queries for the web and CLI, and
/// the write transaction used by ingest.
public final class ArchiveIndex: Sendable {
    public let path: String
    let pool: DatabasePool

    public static func path(forInbox dir: String) -> String { dir + "/tidings.sqlite3" }

    /// How long a connection waits for another one's lock before "database is locked" (seconds).
    public static let busyTimeout: Double = 120

    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        var config = Configuration()
        config.readonly = readOnly
        config.maximumReaderCount = 8
        // concurrent writers (deliveries, an import, public-inbox) queue instead of failing
        config.busyMode = .timeout(ArchiveIndex.busyTimeout)
        // no `PRAGMA mmap_size`: reading pages through a mapping saved a tenth of an uncached
        // search page, but every reader connection maps the file apart, and the mapped pages of
        // all eight counted in the server's RSS (+100 MB on the corpus)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous=NORMAL")
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA cache_size=-65536")
            }
        }
        pool = try DatabasePool(path: path, configuration: config)
        if !readOnly { try pool.write { db in try Schema.create(db) } }
    }

    /// Runs `body` in one write transaction with an `IndexWriter`.
    func write<T>(_ body: (IndexWriter) throws -> T) throws -> T {
        try pool.write { db in
            let w = try IndexWriter(db: db)
            let r = try body(w)
            try w.saveCounters()
            return r
        }
    }

    /// Runs `body` with the writer connection outside a transaction; `body` commits in batches.
    func writeBatches<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in try body(db) }
    }

    // MARK: reads

    /// Whether the index has its table of words as written (`Schema.createExact`); one made by
    /// an older version lacks it until `SearchUpgrade` has run, and is searched stemmed only.
    public var hasExactSearch: Bool { (try? pool.read { try Schema.hasExact($0) }) ?? false }

    public func read<T>(_ body: (Database) throws -> T) throws -> T { try pool.read(body) }

    /// Every message stored under `mid`, in article-number order.
    public func messages(mid: String) throws -> [OverviewRow] {
        try pool.read { db in
            try OverviewRow.fetch(
                db, "SELECT \(OverviewRow.qualifiedColumns) FROM msgid JOIN over ON over.num=msgid.num WHERE msgid.mid=? ORDER BY over.num",
                [mid])
        }
    }

    public func message(num: Int64) throws -> OverviewRow? {
        try pool.read { db in
            try OverviewRow.fetchFirst(
                db, "SELECT \(OverviewRow.columns) FROM over WHERE num=?", [num])
        }
    }

    /// The blob ids of articles, by number (one query for many: mbox downloads of search hits).
    public func blobs(nums: [Int64]) throws -> [Int64: String] {
        guard !nums.isEmpty else { return [:] }
        return try pool.read { db in
            var out: [Int64: String] = [:]
            let marks = Array(repeating: "?", count: nums.count).joined(separator: ",")
            for row in try Row.fetchAll(db, sql: "SELECT num, blob FROM over WHERE num IN (\(marks))", arguments: StatementArguments(nums))
            {
                out[row[0]] = row[1]
            }
            return out
        }
    }

    /// The messages of a thread, oldest first.
    public func thread(tid: Int64, limit: Int = 5000) throws -> [OverviewRow] {
        try pool.read { db in
            try OverviewRow.fetch(
                db, "SELECT \(OverviewRow.columns) FROM over WHERE tid=? ORDER BY ds, num LIMIT ?", [tid, limit])
        }
    }

    /// Messages with the same subject id in other threads (public-inbox's loose matches), newest first.
    public func looseMatches(sid: Int64, excludingTid tid: Int64, limit: Int = 1000) throws -> [OverviewRow] {
        try pool.read { db in
            try OverviewRow.fetch(
                db, "SELECT \(OverviewRow.columns) FROM over WHERE sid=? AND tid!=? ORDER BY ds DESC LIMIT ?",
                [sid, tid, limit])
        }
    }

    /// Ghost Message-IDs of a thread (referenced, not stored).
    public func ghosts(tid: Int64) throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT mid FROM ghost WHERE tid=?", arguments: [tid]) }
    }

    /// Whether a Message-ID is stored.
    public func has(mid: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM msgid WHERE mid=? LIMIT 1"), arguments: [mid]) ?? false
        }
    }

    /// Newest messages by received time.
    public func recent(limit: Int, before ts: Int64? = nil) throws -> [OverviewRow] {
        try pool.read { db in
            try OverviewRow.fetch(
                db, "SELECT \(OverviewRow.columns) FROM over WHERE ts < ? ORDER BY ts DESC, num DESC LIMIT ?",
                [ts ?? Int64.max, limit])
        }
    }

    /// All messages in article-number order, `batch` at a time after `num`.
    public func allMessages(after num: Int64, batch: Int) throws -> [OverviewRow] {
        try pool.read { db in
            try OverviewRow.fetch(
                db, "SELECT \(OverviewRow.columns) FROM over WHERE num > ? ORDER BY num LIMIT ?", [num, batch])
        }
    }

    /// Message-IDs starting with `prefix` (for "not found" suggestions).
    public func mids(withPrefix prefix: String, limit: Int) throws -> [String] {
        guard !prefix.isEmpty else { return [] }
        return try pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT DISTINCT mid FROM msgid WHERE mid >= ? AND mid < ? ORDER BY mid LIMIT ?",
                arguments: [prefix, prefix + "\u{10FFFF}", limit])
        }
    }

    /// Counts and facts for `tidings status`.
    public struct Stats: Sendable, Codable, Equatable {
        public var messages: Int
        public var threads: Int
        public var ghosts: Int
        public var rejected: Int
        public var lastNum: Int64
        public var newestReceived: Int64?
        public var indexBytes: Int
    }

    public func stats() throws -> Stats {
        try pool.read { db in
            let messages = try Int.fetchOne(db, sql: "SELECT count(*) FROM over") ?? 0
            let threads = try Int.fetchOne(db, sql: "SELECT count(DISTINCT tid) FROM over") ?? 0
            let ghosts = try Int.fetchOne(db, sql: "SELECT count(*) FROM ghost") ?? 0
            let rejected = try Int.fetchOne(db, sql: "SELECT count(*) FROM rejected") ?? 0
            let last = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key='num_highwater'") ?? 0
            let newest = try Int64.fetchOne(db, sql: "SELECT max(ts) FROM over")
            var bytes = 0
            for suffix in ["", "-wal", "-shm"] {
                if let a = try? FileManager.default.attributesOfItem(atPath: path + suffix), let s = a[.size] as? Int { bytes += s }
            }
            return Stats(
                messages: messages, threads: threads, ghosts: ghosts, rejected: rejected, lastNum: last, newestReceived: newest,
                indexBytes: bytes)
        }
    }

    /// What was not stored or not indexed, and why (newest first).
    public struct Rejected: Sendable, Codable, Equatable, FetchableRecord {
        public var at: Int64
        public var origin: String
        public var reason: String
        /// For an object of a git epoch: which epoch, commit and object.
        public var epoch: Int?
        public var commit: String?
        public var object: String?

        public init(row: Row) {
            at = row["at"]
            origin = row["origin"]
            reason = row["reason"]
            epoch = row["epoch"]
            commit = row["commit_oid"]
            object = row["object"]
        }
    }

    public func rejected(limit: Int) throws -> [Rejected] {
        try pool.read { db in
            try Rejected.fetchAll(
                db, sql: "SELECT at, origin, reason, epoch, commit_oid, object FROM rejected ORDER BY id DESC LIMIT ?", arguments: [limit])
        }
    }

    /// How many stored messages are larger than `bytes` (kept whole in git; pages bound what they show).
    public func messageCount(largerThan bytes: Int) throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM over WHERE bytes > ?", arguments: [bytes]) ?? 0 }
    }

    /// Runs an SQL statement that returns one integer (tests and diagnostics).
    public func scalar(_ sql: String, _ arguments: [DatabaseValueConvertible] = []) throws -> Int64? {
        try pool.read { db in try Int64.fetchOne(db, sql: sql, arguments: StatementArguments(arguments)) }
    }
}
