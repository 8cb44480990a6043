import Foundation
import GRDB
import Mail
import Store

/// Brings an index made by an older version up to the current schema in place, from git:
/// schema 1-2 had no `fts_exact` (words as written), so phrases were matched stemmed; schema
/// 1-3 had no series tables (`patch`, `trailer`), schema 1-4 no crash tables (`crash`,
/// `crashfix`), schema 1-5 no `gist` (the opening prose shown in search results), schema 1-6
/// a full text without text attachments and with phrases across diff lines, schema 1-7 crash
/// reports of x86 only (other architectures' oopses unread, a bare `Fatal exception` panic
/// stored as a crash). The missing tables are created, the full-text and crash tables of an
/// older schema made again, and filled
/// from every stored message, each read from git once, in one transaction (an interrupted
/// upgrade leaves the index as it was, and runs again next time); article numbers, threads and
/// everything else stay as they are. Runs when an inbox is opened for writing, and before
/// `serve` opens it to read.
public enum SearchUpgrade {
    /// Whether the inbox's index needs the upgrade (an index not made yet does not).
    public static func needed(_ index: ArchiveIndex) throws -> Bool {
        try index.read { db in try db.tableExists("over") && Schema.current(db) < Schema.version }
    }

    /// Upgrades `inbox`'s index if needed, with progress on stderr (a TTY) and a summary line.
    /// Returns the number of messages indexed again, nil if nothing was to do.
    @discardableResult
    public static func run(_ inbox: Inbox) throws -> Int? {
        guard try needed(inbox.index) else { return nil }
        return try inbox.withWriteLock {
            guard try needed(inbox.index) else { return nil }
            let rows = try inbox.index.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT num, blob, mid FROM over"
                )
                .map { (num: $0[0] as Int64, blob: $0[1] as String, primary: $0[2] as String) }
            }
            let (fullText, series, crash, gist) = try inbox.index.read { db in
                (
                    try !Schema.hasExact(db) || !Schema.hasCurrentFullText(db), try !SeriesRows.exist(db),
                    try !CrashRows.exist(db) || !Schema.hasCurrentCrashes(db),
                    try !Gist.exist(db)
                )
            }
            let what = [
                fullText ? "full text" : nil, series ? "patch series" : nil, crash ? "crash reports" : nil,
                gist ? "search snippets" : nil,
            ].compactMap { $0 }.joined(separator: ", ")
            let progress = Progress(label: "upgrade \(inbox.name): \(what)", total: rows.count)
            var done = 0
            var unreadable = 0
            try inbox.index.writeBatches { db in
                try db.inTransaction {
                    if fullText {
                        try db.execute(sql: "DROP TABLE IF EXISTS fts; DROP TABLE IF EXISTS fts_exact")
                        try Schema.createFullText(db)
                    }
                    if series { try db.execute(sql: SeriesRows.tables) }
                    if crash {
                        // written again: an older index read fewer architectures' oopses
                        try db.execute(sql: CrashRows.tables)
                        try db.execute(sql: "DELETE FROM crash; DELETE FROM crashfix")
                    }
                    if gist { try db.execute(sql: Gist.tables) }
                    let inserts = try SearchDocument.tables.map { table in
                        try db.makeStatement(
                            sql: "INSERT INTO \(table)(rowid, \(SearchDocument.columns)) VALUES (?\(String(repeating: ", ?", count: 16)))")
                    }
                    for start in stride(from: 0, to: rows.count, by: 256) {
                        let batch = Array(rows[start..<min(start + 256, rows.count)])
                        for (row, parsed) in zip(batch, documents(batch, inbox: inbox)) {
                            guard var parsed else {
                                unreadable += 1
                                continue
                            }
                            if fullText {
                                parsed.doc.m = parsed.ids
                                var args: [DatabaseValueConvertible] = [row.num]
                                args += parsed.doc.values
                                for st in inserts { try st.execute(arguments: StatementArguments(args)) }
                            }
                            if series { try SeriesRows.insert(db, num: row.num, facts: parsed.facts, from: parsed.from) }
                            if crash { try CrashRows.insert(db, num: row.num, facts: parsed.crash) }
                            if gist { try Gist.insert(db, num: row.num, text: parsed.gist) }
                        }
                        done += batch.count
                        progress.update(done)
                    }
                    if fullText { try Schema.markFullText(db) }
                    if crash { try Schema.markCrashes(db) }
                    try Schema.mark(db, try Schema.current(db))
                    return .commit
                }
            }
            progress.finish()
            let missing = unreadable > 0 ? " (\(unreadable) not readable from git: left out of \(what))" : ""
            FileHandle.standardError.write(
                Data(
                    "upgrade \(inbox.name): \(done - unreadable) messages read again for \(what)\(missing) in \(String(format: "%.1f", progress.elapsed))s\n"
                        .utf8))
            return done - unreadable
        }
    }

    struct Parsed {
        var doc: SearchDocument
        /// The `m` column (`SearchDocument.ids`).
        var ids: String
        var facts: PatchFacts
        var from: Address?
        var crash: CrashFacts
        var gist: String
    }

    /// The search documents, series and crash facts of a batch, parsed on every core (nil: git
    /// does not have the blob, or could not give it twice). A failure other than a missing
    /// object may be git passing away (once it fails, the rest of the round trip fails too), so
    /// each such blob is asked again alone, from a reader started afresh: a passing failure must
    /// not drop a message from the full text, and one corrupt object must not stop the upgrade.
    static func documents(_ batch: [(num: Int64, blob: String, primary: String)], inbox: Inbox) -> [Parsed?] {
        let raws = inbox.raws(blobs: batch.map(\.blob)).enumerated().map { i, r in
            if case .failure(let e) = r, !(e is CatFile.Missing) { return Result { try inbox.raw(blob: batch[i].blob) } }
            return r
        }
        let slots = UnsafeMutableBufferPointer<Parsed?>.allocate(capacity: batch.count)
        slots.initialize(repeating: nil)
        defer { slots.deallocate() }
        nonisolated(unsafe) let out = slots
        DispatchQueue.concurrentPerform(iterations: batch.count) { i in
            if case .success(let raw) = raws[i] {
                let m = Message.parse(raw)
                let lines = BodyLines(SearchDocument.text(of: m))
                out[i] = Parsed(
                    doc: SearchDocument(m, lines: lines),
                    ids: SearchDocument.ids(primary: batch[i].primary, of: m).joined(separator: " "),
                    facts: PatchFacts(m, lines: lines.lines), from: m.from.first, crash: CrashFacts(lines: lines.lines),
                    gist: Gist.of(lines.lines))
            }
        }
        return Array(slots)
    }
}
