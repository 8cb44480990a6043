import GRDB
import Mail

/// Kernel crash reports, from the `crash` and `crashfix` tables (`CrashRows`).
extension ArchiveIndex {
    /// The crash reports found in the message stored under `mid` (its first copy), in the order
    /// they appear; empty for other mail and for an index that predates crash reports.
    public func crashes(in mid: String) throws -> [CrashSighting] {
        try pool.read { db in
            guard try CrashRows.exist(db) else { return [] }
            return try CrashQuery(db).sightings(
                where:
                    "crash.num = (SELECT over.num FROM msgid JOIN over ON over.num = msgid.num WHERE msgid.mid = ? ORDER BY over.num LIMIT 1)",
                [mid], order: "crash.seq", limit: 100)
        }
    }

    /// Messages reporting the crash `signatureID`, oldest first (at most `limit`), and how
    /// many there are in all.
    public func crashReports(signature signatureID: String, limit: Int) throws -> (total: Int, sightings: [CrashSighting]) {
        try pool.read { db in
            guard try CrashRows.exist(db) else { return (0, []) }
            let q = CrashQuery(db)
            let total =
                try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT count(DISTINCT num) FROM crash WHERE sig = ?"), arguments: [signatureID]) ?? 0
            return (total, try q.sightings(where: "crash.sig = ?", [signatureID], order: "over.ts, over.num", limit: limit))
        }
    }

    /// The crash `signatureID` with its counts and answers; nil when no message reports it.
    public func crashSummary(signature signatureID: String) throws -> CrashSummary? {
        try pool.read { db in
            guard try CrashRows.exist(db) else { return nil }
            return try CrashQuery(db).summaries(where: "crash.sig = ?", [signatureID], limit: 1).first
        }
    }

    /// Crash signatures, the most recently reported first, last reported before `ts` if given.
    /// A full page runs on over those last reported at the time of its last one (a message
    /// often carries two crashes), so that the next page, before that time, misses none.
    public func crashSignatures(limit: Int, before ts: Int64? = nil) throws -> [CrashSummary] {
        try pool.read { db in
            guard try CrashRows.exist(db) else { return [] }
            let q = CrashQuery(db)
            var page = try q.summaries(where: "1", [], having: "max(over.ts) < ?", [ts ?? Int64.max], limit: limit)
            if page.count == limit, let last = page.last {
                let shown = Set(page.map(\.signatureID))
                page += try q.summaries(where: "1", [], having: "max(over.ts) = ?", [last.lastSeen], limit: 1000)
                    .filter { !shown.contains($0.signatureID) }
            }
            return page
        }
    }
}

/// The questions behind the crash pages, on one read connection.
struct CrashQuery {
    let db: Database

    init(_ db: Database) { self.db = db }

    static let columns =
        OverviewRow.qualifiedColumns
        + ", crash.sig, crash.kind, crash.title, crash.location, crash.function, crash.frames, crash.version, crash.quoted, crash.syzbot"

    func sightings(where condition: String, _ args: StatementArguments, order: String, limit: Int) throws -> [CrashSighting] {
        let n = OverviewRow.columns.split(separator: ",").count
        return try Row.fetchAll(
            db.cachedStatement(
                sql:
                    "SELECT \(CrashQuery.columns) FROM crash JOIN over ON over.num = crash.num WHERE \(condition) ORDER BY \(order) LIMIT \(limit)"
            ),
            arguments: args
        ).map { r in
            let frames: String = r[n + 5]
            let report = CrashReport(
                kind: r[n + 1], title: r[n + 2], location: r[n + 3], function: r[n + 4],
                frames: frames.split(separator: " ").map(String.init), kernelVersion: r[n + 6], quoted: r[n + 7], syzbotID: r[n + 8])
            return CrashSighting(row: OverviewRow(row: r), signatureID: r[n], report: report)
        }
    }

    /// Signatures with their counts, last reported first.
    func summaries(
        where condition: String, _ args: StatementArguments, having: String = "1", _ havingArgs: StatementArguments = [], limit: Int
    ) throws -> [CrashSummary] {
        var all = args
        all += havingArgs
        let groups = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT crash.sig, count(DISTINCT crash.num), count(DISTINCT over.tid), min(over.ts), max(over.ts)
                    FROM crash JOIN over ON over.num = crash.num WHERE \(condition)
                    GROUP BY crash.sig HAVING \(having) ORDER BY max(over.ts) DESC, crash.sig LIMIT \(limit)
                    """), arguments: all)
        return try groups.compactMap { g in
            let sig: String = g[0]
            guard let sample = try sightings(where: "crash.sig = ?", [sig], order: "crash.quoted, over.ts, over.num", limit: 1).first else {
                return nil
            }
            return CrashSummary(
                signatureID: sig, sample: sample, messages: g[1], threads: g[2], firstSeen: g[3], lastSeen: g[4],
                answers: try answers(signature: sig))
        }
    }

    /// Messages with a diff that answered the crash `sig`, the first of each thread, oldest
    /// first (at most `limit` threads).
    func answers(signature sig: String, limit: Int = 10) throws -> [OverviewRow] {
        let reports =
            "SELECT over.num, over.tid, over.ts, over.mid, crash.syzbot FROM crash JOIN over ON over.num = crash.num WHERE crash.sig = ?"
        // replies with a diff in a thread reporting it, from its first report on (a message
        // with a diff has patch ids)
        let inThreads = try OverviewRow.fetch(
            db,
            """
            WITH r AS (\(reports))
            SELECT \(OverviewRow.qualifiedColumns) FROM over WHERE over.tid IN (SELECT tid FROM r)
                AND over.ts >= (SELECT min(r.ts) FROM r WHERE r.tid = over.tid)
                AND EXISTS (SELECT 1 FROM patchid WHERE patchid.num = over.num)
            ORDER BY over.ts, over.num LIMIT 500
            """, [sig])
        // patches pointing at a report: Reported-by: syzbot+ID, Link:/Closes: to its Message-ID
        let pointing = try OverviewRow.fetch(
            db,
            """
            WITH r AS (\(reports)),
            refs AS (SELECT 'syzbot:' || syzbot AS ref FROM r WHERE syzbot IS NOT NULL UNION SELECT 'mid:' || mid FROM r)
            SELECT \(OverviewRow.qualifiedColumns) FROM over
            WHERE over.num IN (SELECT crashfix.num FROM refs JOIN crashfix ON crashfix.ref = refs.ref)
            ORDER BY over.ts, over.num LIMIT 500
            """, [sig])
        var threads: Set<Int64> = []
        var out: [OverviewRow] = []
        for r in (inThreads + pointing).sorted(by: { ($0.ts, $0.num) < ($1.ts, $1.num) }) where threads.insert(r.tid).inserted {
            out.append(r)
            if out.count >= limit { break }
        }
        return out
    }
}
