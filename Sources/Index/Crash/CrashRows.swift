import GRDB
import Mail

/// The crash tables of the index (schema 5), written beside each message's overview row:
/// `crash` holds every kernel crash report found in a message with its signature, `crashfix`
/// what a message with a diff points at (a syzbot id, a report's Message-ID). Signatures,
/// counts and the patches that answered them are answered from them by
/// `ArchiveIndex.crashes(in:)` and `crashSignatures(before:limit:)`.
enum CrashRows {
    static let tables = """
        CREATE TABLE IF NOT EXISTS crash(
            num INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            sig TEXT NOT NULL,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            location TEXT,
            function TEXT,
            frames TEXT NOT NULL,
            version TEXT,
            quoted INTEGER NOT NULL,
            syzbot TEXT,
            PRIMARY KEY(num, seq)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS crash_sig ON crash(sig);
        CREATE TABLE IF NOT EXISTS crashfix(ref TEXT NOT NULL, num INTEGER NOT NULL, PRIMARY KEY(ref, num)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS crashfix_num ON crashfix(num);
        """

    static func exist(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM sqlite_master WHERE type='table' AND name='crash'")) ?? false
    }

    /// Records the reports and fix references of article `num` (nothing for most mail).
    static func insert(_ db: Database, num: Int64, facts: CrashFacts) throws {
        if !facts.reports.isEmpty {
            let st = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO crash(num, seq, sig, kind, title, location, function, frames, version, quoted, syzbot)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for (i, r) in facts.reports.enumerated() {
                try st.execute(arguments: [
                    num, i, r.signatureID, r.kind, r.title, r.location, r.function, r.frames.joined(separator: " "),
                    r.kernelVersion, r.quoted, r.syzbotID,
                ])
            }
        }
        if !facts.fixRefs.isEmpty {
            let st = try db.cachedStatement(sql: "INSERT OR IGNORE INTO crashfix(ref, num) VALUES (?, ?)")
            for ref in facts.fixRefs { try st.execute(arguments: [ref, num]) }
        }
    }

    static func delete(_ db: Database, num: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM crash WHERE num=?").execute(arguments: [num])
        try db.cachedStatement(sql: "DELETE FROM crashfix WHERE num=?").execute(arguments: [num])
    }
}
