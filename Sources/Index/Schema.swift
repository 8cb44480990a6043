import GRDB

/// The SQLite schema of an inbox index (`DIR/tidings.sqlite3`). Everything here can be rebuilt
/// from the git epochs.
enum Schema {
    /// 2: `rejected` says which epoch, commit and object (added in place to version 1 indexes).
    /// 3: `fts_exact`, the words as written beside the stemmed `fts` (filled from git by
    /// `SearchUpgrade`; an index without it stays marked 2 until then).
    /// 4: `patch` and `trailer`, what each message is to a patch series (`SeriesRows`; filled
    /// from git by `SearchUpgrade` too; an index without them stays marked 3 until then).
    /// 5: `crash` and `crashfix`, the kernel crash reports in each message (`CrashRows`;
    /// filled from git by `SearchUpgrade`; an index without them stays marked 4 until then).
    /// 6: `gist`, the opening prose of each message for search result snippets (`Gist`; filled
    /// from git by `SearchUpgrade`; an index without it stays marked 5 until then).
    /// 7: the full text as public-inbox has it: text attachments that are not patches (logs,
    /// configs, sources) are in it (`SearchDocument.attachedText`), and no phrase spans two diff
    /// lines or two runs of prose (`BodyLines.Terms.gap`). `SearchUpgrade` writes `fts` and
    /// `fts_exact` again from git, and `meta` says `fulltext` 7 once it has.
    /// 8: crash reports of every architecture (MIPS, ARM, arm64, powerpc, s390, RISC-V oopses and
    /// their frames) and no report of a panic that names neither place nor function: `SearchUpgrade`
    /// writes `crash` and `crashfix` again from git, and `meta` says `crashes` 8 once it has.
    static let version = 8

    static func create(_ db: Database) throws {
        let existing = try db.tableExists("over")
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
                -- one row per stored message; num is the article number, never reused
                CREATE TABLE IF NOT EXISTS over(
                    num INTEGER PRIMARY KEY,
                    tid INTEGER NOT NULL,
                    sid INTEGER,
                    ts INTEGER NOT NULL,
                    ds INTEGER NOT NULL,
                    dz INTEGER NOT NULL,
                    mid TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    from_name TEXT NOT NULL,
                    from_addr TEXT NOT NULL,
                    refs TEXT NOT NULL,
                    blob TEXT NOT NULL,
                    epoch INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    lines INTEGER NOT NULL,
                    chash BLOB NOT NULL
                );
                CREATE INDEX IF NOT EXISTS over_tid ON over(tid, ds);
                CREATE INDEX IF NOT EXISTS over_sid ON over(sid);
                CREATE INDEX IF NOT EXISTS over_ds ON over(ds);
                CREATE INDEX IF NOT EXISTS over_ts ON over(ts);
                -- every Message-ID of every message (a message can have several)
                CREATE TABLE IF NOT EXISTS msgid(mid TEXT NOT NULL, num INTEGER NOT NULL, PRIMARY KEY(mid, num)) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS msgid_num ON msgid(num);
                -- referenced messages not seen yet
                CREATE TABLE IF NOT EXISTS ghost(mid TEXT PRIMARY KEY, tid INTEGER NOT NULL) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS ghost_tid ON ghost(tid);
                CREATE TABLE IF NOT EXISTS subject(sid INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
                -- the last commit of each epoch that the index has seen
                CREATE TABLE IF NOT EXISTS epoch(n INTEGER PRIMARY KEY, tip TEXT NOT NULL);
                -- messages that could not be stored or indexed, with why; for git objects of an
                -- epoch also which epoch, commit and object (NULL for mail from other sources)
                CREATE TABLE IF NOT EXISTS rejected(
                    id INTEGER PRIMARY KEY, at INTEGER NOT NULL, origin TEXT NOT NULL, reason TEXT NOT NULL,
                    epoch INTEGER, commit_oid TEXT, object TEXT
                );
                -- search: `git patch-id --stable` of each patch in a message (the `patchid:` prefix)
                CREATE TABLE IF NOT EXISTS patchid(pid TEXT NOT NULL, num INTEGER NOT NULL, PRIMARY KEY(pid, num)) WITHOUT ROWID;
                -- series: the patch ids of one message (the same patch posted elsewhere, its trailers)
                CREATE INDEX IF NOT EXISTS patchid_num ON patchid(num);
                """)
        // full text: one column per search prefix; every body line is in exactly one of nq
        // (prose), q (quoted), dfa/dfb/dfctx (removed/added/context diff lines)
        try db.execute(sql: fullText)
        try migrate(db)
        if !existing {
            try createExact(db)
            try db.execute(sql: SeriesRows.tables)
            try db.execute(sql: CrashRows.tables)
            try db.execute(sql: Gist.tables)
            try markFullText(db)
            try markCrashes(db)
        }
        try mark(db, try current(db))
    }

    /// The version an index is at: the tables that upgrades add tell.
    static func current(_ db: Database) throws -> Int {
        guard try hasExact(db) else { return 2 }
        guard try SeriesRows.exist(db) else { return 3 }
        guard try CrashRows.exist(db) else { return 4 }
        guard try Gist.exist(db) else { return 5 }
        guard try hasCurrentFullText(db) else { return 6 }
        return try hasCurrentCrashes(db) ? 8 : 7
    }

    /// Whether `crash` was written as schema 8 reads crash reports.
    static func hasCurrentCrashes(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM meta WHERE key='crashes' AND CAST(value AS INTEGER) >= 8") ?? false
    }

    static func markCrashes(_ db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('crashes', '8')")
    }

    /// Whether `fts` and `fts_exact` were written as schema 7 writes them.
    static func hasCurrentFullText(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM meta WHERE key='fulltext' AND CAST(value AS INTEGER) >= 7") ?? false
    }

    static func markFullText(_ db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('fulltext', '7')")
    }

    /// Both full-text tables, empty (a full-text upgrade drops the old ones first).
    static func createFullText(_ db: Database) throws {
        try db.execute(sql: fullText)
        try createExact(db)
    }

    static let fullText = """
        CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
            m, s, f, t, c, l, nq, q, n, dfn, dfa, dfb, dfctx, dfhh, dfpre, dfpost,
            content='', tokenize='porter unicode61 remove_diacritics 2'
        );
        """

    /// Records that the index is at `v` (never lowers the number).
    static func mark(_ db: Database, _ v: Int) throws {
        try db.execute(
            sql: """
                INSERT INTO meta(key, value) VALUES ('schema', ?1)
                ON CONFLICT(key) DO UPDATE SET value=?1 WHERE CAST(value AS INTEGER) < ?1
                """, arguments: [v])
    }

    /// Brings an index written by an older version up to this one, in place.
    static func migrate(_ db: Database) throws {
        let columns = Set(try Row.fetchAll(db, sql: "PRAGMA table_info(rejected)").map { $0["name"] as String })
        for (name, type) in [("epoch", "INTEGER"), ("commit_oid", "TEXT"), ("object", "TEXT")] where !columns.contains(name) {
            try db.execute(sql: "ALTER TABLE rejected ADD COLUMN \(name) \(type)")
        }
    }

    /// Full text as written (schema 3): the same columns as `fts`, not stemmed, `_` part of a
    /// word (`virtio_balloon` is one term here, two in `fts`). Phrases, identifiers and
    /// wildcards are matched here, plain words in `fts`.
    static func createExact(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE VIRTUAL TABLE IF NOT EXISTS fts_exact USING fts5(
                    \(SearchDocument.columns),
                    content='', tokenize="unicode61 remove_diacritics 2 tokenchars '_'"
                );
                """)
    }

    /// Whether the index has `fts_exact` (schema 3 or later).
    static func hasExact(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM sqlite_master WHERE type='table' AND name='fts_exact'")) ?? false
    }
}
