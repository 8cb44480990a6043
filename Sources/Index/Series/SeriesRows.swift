import GRDB
import Mail

/// The series tables of the index (schema 4), written beside each message's overview row:
/// `patch` holds every cover letter and patch with its subject's version and counter, `trailer`
/// the trailers each reply gives. Series, versions and collected trailers are answered from
/// them by `ArchiveIndex.series(of:)`, so mail arriving in any order, removals and rebuilds
/// need nothing more.
enum SeriesRows {
    static let tables = """
        CREATE TABLE IF NOT EXISTS patch(
            num INTEGER PRIMARY KEY,
            kind INTEGER NOT NULL,
            version INTEGER NOT NULL,
            counter INTEGER NOT NULL,
            total INTEGER NOT NULL,
            flags INTEGER NOT NULL,
            label TEXT NOT NULL,
            title TEXT NOT NULL,
            title_key TEXT NOT NULL,
            from_addr TEXT NOT NULL,
            change_id TEXT,
            diffstat TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS patch_title ON patch(title_key, from_addr);
        CREATE INDEX IF NOT EXISTS patch_from ON patch(from_addr, version, total);
        CREATE INDEX IF NOT EXISTS patch_change ON patch(change_id) WHERE change_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS patch_head ON patch(counter) WHERE counter <= 1;
        CREATE TABLE IF NOT EXISTS trailer(
            num INTEGER NOT NULL, seq INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY(num, seq)
        ) WITHOUT ROWID;
        """

    /// `patch.flags` bits.
    static let rfc = 1
    static let resend = 2
    static let versionInferred = 4
    static let countersInferred = 8

    static func exist(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM sqlite_master WHERE type='table' AND name='patch'")) ?? false
    }

    /// Records what `facts` says about article `num` (nothing for mail outside series).
    static func insert(_ db: Database, num: Int64, facts: PatchFacts, from: Address?) throws {
        if let kind = facts.kind {
            let s = facts.subject
            try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO patch(num, kind, version, counter, total, flags, label, title, title_key, from_addr, change_id, diffstat)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                num, kind.rawValue, s.version, s.counter, s.total,
                (s.rfc ? rfc : 0) | (s.resend ? resend : 0) | (s.versionInferred ? versionInferred : 0)
                    | (s.countersInferred ? countersInferred : 0), s.label, s.title,
                s.title.lowercased(), from?.email.lowercased() ?? "", facts.changeID, facts.diffstat.stored,
            ])
        }
        let st = try db.cachedStatement(sql: "INSERT OR REPLACE INTO trailer(num, seq, name, value) VALUES (?, ?, ?, ?)")
        for (i, t) in facts.trailers.enumerated() { try st.execute(arguments: [num, i, t.name, t.value]) }
    }

    static func delete(_ db: Database, num: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM patch WHERE num=?").execute(arguments: [num])
        try db.cachedStatement(sql: "DELETE FROM trailer WHERE num=?").execute(arguments: [num])
    }
}
