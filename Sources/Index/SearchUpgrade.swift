import Foundation
import GRDB
import Mail
import Store

/// Brings an index made by an older version up to the current schema in place, from git:
/// schema 1-2 had no `fts_exact` (words as written), so phrases were matched stemmed; schema
/// 1-3 had no series tables (`patch`, `trailer`), schema 1-4 no crash tables (`crash`,
/// `crashfix`), schema 1-5 no `gist` (the opening prose shown in search results). The missing tables are created and filled
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
                    db, sql: "SELECT num, blob, (SELECT group_concat(mid, ' ') FROM msgid WHERE msgid.num = over.num) FROM over"
                )
                .map { (num: $0[0] as Int64, blob: $0[1] as String, mids: ($0[2] as String?) ?? "") }
            }
            let (exact, series, crash, gist) = try inbox.index.read { db in
                (try !Schema.hasExact(db), try !SeriesRows.exist(db), try !CrashRows.exist(db), try !Gist.exist(db))
            }
            let what = [
                exact ? "exact phrases" : nil, series ? "patch series" : nil, crash ? "crash reports" : nil,
                gist ? "search snippets" : nil,
            ].compactMap { $0 }.joined(separator: ", ")
            let progress = Progress(label: "upgrade \(inbox.name): \(what)", total: rows.count)
            let insert = "INSERT INTO fts_exact(rowid, \(SearchDocument.columns)) VALUES (?\(String(repeating: ", ?", count: 16)))"
            var done = 0
            var unreadable = 0
            try inbox.index.writeBatches { db in
                try db.inTransaction {
                    if exact { try Schema.createExact(db) }
                    if series { try db.execute(sql: SeriesRows.tables) }
                    if crash { try db.execute(sql: CrashRows.tables) }
                    if gist { try db.execute(sql: Gist.tables) }
                    let st = try db.makeStatement(sql: insert)
                    for start in stride(from: 0, to: rows.count, by: 256) {
                        let batch = Array(rows[start..<min(start + 256, rows.count)])
                        for (row, parsed) in zip(batch, documents(batch, inbox: inbox)) {
                            guard var parsed else {
                                unreadable += 1
                                continue
                            }
                            if exact {
                                parsed.doc.m = row.mids
                                var args: [DatabaseValueConvertible] = [row.num]
                                args += parsed.doc.values
                                try st.execute(arguments: StatementArguments(args))
                            }
                            if series { try SeriesRows.insert(db, num: row.num, facts: parsed.facts, from: parsed.from) }
                            if crash { try CrashRows.insert(db, num: row.num, facts: parsed.crash) }
                            if gist { try Gist.insert(db, num: row.num, text: parsed.gist) }
                        }
                        done += batch.count
                        progress.update(done)
                    }
                    try Schema.mark(db, try Schema.current(db))
                    return .commit
                }
            }
            progress.finish()
            let missing = unreadable > 0 ? " (\(unreadable) not readable from git: left out of \(what))" : ""
            FileHandle.standardError.write(
                Data(
                    "upgrade \(inbox.name): \(done - unreadable) messages indexed again for \(what)\(missing) in \(String(format: "%.1f", progress.elapsed))s\n"
                        .utf8))
            return done - unreadable
        }
    }

    struct Parsed {
        var doc: SearchDocument
        var facts: PatchFacts
        var from: Address?
        var crash: CrashFacts
        var gist: String
    }

    /// The search documents, series and crash facts of a batch, parsed on every core (nil: the blob
    /// could not be read).
    static func documents(_ batch: [(num: Int64, blob: String, mids: String)], inbox: Inbox) -> [Parsed?] {
        let slots = UnsafeMutableBufferPointer<Parsed?>.allocate(capacity: batch.count)
        slots.initialize(repeating: nil)
        defer { slots.deallocate() }
        nonisolated(unsafe) let out = slots
        DispatchQueue.concurrentPerform(iterations: batch.count) { i in
            if let raw = try? inbox.raw(blob: batch[i].blob) {
                let m = Message.parse(raw)
                let lines = BodyLines(SearchDocument.text(of: m))
                out[i] = Parsed(
                    doc: SearchDocument(m, lines: lines), facts: PatchFacts(m, lines: lines.lines), from: m.from.first,
                    crash: CrashFacts(lines: lines.lines), gist: Gist.of(lines.lines))
            }
        }
        return Array(slots)
    }
}
