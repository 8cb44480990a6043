import GRDB
import Mail

/// The crash tables of the index (schema 5), written beside each message's overview row:
/// `crash` holds every kernel crash report found in a message with its signature, `crashfix`
/// what a message with a diff points at (a syzbot id, a report's Message-ID). Signatures,
/// counts and the patches that answered them are answered from them by
/// `ArchiveIndex.crashes(in:)` and `crashSignatures(before:limit:)`.
///
/// A report quoted without its call trace (the headline and where, nothing more) is stored
/// under the signature of the full report of the same kind and place when the index has one,
/// the most reported; a full report arriving later takes in the partial ones stored before it.
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
        CREATE INDEX IF NOT EXISTS crash_place ON crash(kind, coalesce(location, function));
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
            var stored: Set<String> = []
            // full reports first: a partial one of the same crash in the message joins them
            for r in facts.reports.filter({ !$0.frames.isEmpty }) + facts.reports.filter(\.frames.isEmpty) {
                let sig = try signature(db, of: r)
                guard stored.insert(sig).inserted else { continue }
                try st.execute(arguments: [
                    num, stored.count - 1, sig, r.kind, r.title, r.location, r.function, r.frames.joined(separator: " "),
                    r.kernelVersion, r.quoted, r.syzbotID,
                ])
            }
        }
        if !facts.fixRefs.isEmpty {
            let st = try db.cachedStatement(sql: "INSERT OR IGNORE INTO crashfix(ref, num) VALUES (?, ?)")
            for ref in facts.fixRefs { try st.execute(arguments: [ref, num]) }
        }
    }

    /// The signature `r` is stored under: its own, or for a report without frames that of the
    /// full report of the same kind and place. A full report takes in the partial ones before it.
    static func signature(_ db: Database, of r: CrashReport) throws -> String {
        var partial = r
        partial.frames = []
        guard !r.frames.isEmpty else {
            let full = try String.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT sig FROM crash WHERE kind = ? AND coalesce(location, function) = ? AND frames != ''
                        GROUP BY sig ORDER BY count(*) DESC, min(num) LIMIT 1
                        """), arguments: [r.kind, r.place])
            return full ?? r.signatureID
        }
        try db.cachedStatement(sql: "UPDATE crash SET sig = ? WHERE sig = ? AND frames = ''").execute(arguments: [
            r.signatureID, partial.signatureID,
        ])
        return r.signatureID
    }

    static func delete(_ db: Database, num: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM crash WHERE num=?").execute(arguments: [num])
        try db.cachedStatement(sql: "DELETE FROM crashfix WHERE num=?").execute(arguments: [num])
    }
}
