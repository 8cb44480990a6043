import Foundation
import GRDB
import Mail
import Support

/// A message ready to be indexed: parsed, hashed, its search text extracted.
public struct PreparedMessage: Sendable {
    public var message: Message
    /// `message.references`, read once.
    public var references: [String]
    public var contentHash: [UInt8]
    public var timestamp: MailDate
    public var datestamp: MailDate
    /// Where it came from, for error reports (file and offset, or commit).
    public var origin: String
    /// The full-text columns, extracted on the reading thread.
    var document: SearchDocument
    /// What the message is to a patch series.
    var patch: PatchFacts
    /// The kernel crash reports it carries.
    var crash: CrashFacts
    /// Its opening prose, for search result snippets.
    var gist: String

    public init(raw: [UInt8], fallbackTime: MailDate, origin: String, stripHeaders: Bool) {
        let stored = stripHeaders ? Message.removingHeaders(droppedOnImport, from: raw) ?? raw : raw
        self.init(message: Message.parse(stored), fallbackTime: fallbackTime, origin: origin)
    }

    public init(message: Message, fallbackTime: MailDate, origin: String) {
        self.message = message
        self.references = message.references
        self.contentHash = ContentHash.digest(message, references: references)
        self.timestamp = message.timestamp(fallback: fallbackTime)
        self.datestamp = message.datestamp(fallback: fallbackTime)
        self.origin = origin
        let lines = BodyLines(SearchDocument.text(of: message))
        self.document = SearchDocument(message, lines: lines)
        self.patch = PatchFacts(message, lines: lines.lines)
        self.crash = CrashFacts(lines: lines.lines)
        self.gist = Gist.of(lines.lines)
    }
}

/// Decides what an incoming message becomes (new, duplicate, stored under another id) and
/// writes overview, Message-ID, thread and full-text rows, inside the caller's transaction.
final class IndexWriter {
    let db: Database
    private var highwaterNum: Int64
    private var highwaterTid: Int64

    init(db: Database) throws {
        self.db = db
        highwaterNum = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key='num_highwater'") ?? 0
        highwaterTid = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key='tid_highwater'") ?? 0
    }

    /// Full-text rows of this batch, written by `saveCounters` just before the commit. FTS5 keeps
    /// the terms it is given in memory until the transaction ends, but any statement that needs a
    /// statement journal (`INSERT OR REPLACE`, a multi-row `UPDATE`) makes it write them out as a
    /// new segment first: interleaved with the other rows of each message, the full-text rows made
    /// two tiny segments per message, and merging those was ~15% of a rebuild's CPU (perf).
    private var pendingSearch: [(num: Int64, document: SearchDocument)] = []

    /// Writes the full-text rows this batch holds back, then the counters; call before committing.
    func saveCounters() throws {
        try writePendingSearch()
        try db.execute(
            sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('num_highwater', ?), ('tid_highwater', ?)",
            arguments: ["\(highwaterNum)", "\(highwaterTid)"])
    }

    enum Admission {
        case duplicate(of: Int64)
        /// Store it under `primary` (one of its ids, or a new one to append to its header).
        case accept(primary: String, appendID: Bool)
    }

    /// public-inbox's rules for Message-ID reuse.
    func admit(_ p: PreparedMessage) throws -> Admission {
        let ids = p.message.messageIDs
        if let first = ids.first {
            if try !known(first) { return .accept(primary: first, appendID: false) }
            for id in ids {
                for (num, hash) in try hashes(for: id) where hash == p.contentHash { return .duplicate(of: num) }
            }
            for id in ids.dropFirst().reversed() where try !known(id) { return .accept(primary: id, appendID: false) }
        }
        // generate one from the content (and the date), as public-inbox's digest2mid; unlike
        // public-inbox, the same content arriving again is a duplicate, not a second copy
        var generated = ContentHash.messageID(digest: p.contentHash, date: p.datestamp)
        for (num, hash) in try hashes(for: generated) where hash == p.contentHash { return .duplicate(of: num) }
        if try known(generated) {
            var h = SHA256()
            h.update(p.contentHash)
            for r in p.message.headers.values("Received") { h.update("Received: \(r)") }
            generated = ContentHash.messageID(digest: h.finalize(), date: p.datestamp)
            var salt = 0
            while try known(generated) {
                salt += 1
                var h2 = SHA256()
                h2.update(p.contentHash)
                h2.update("\(salt)")
                generated = ContentHash.messageID(digest: h2.finalize(), date: p.datestamp)
            }
        }
        return .accept(primary: generated, appendID: true)
    }

    enum ExistingAdmission {
        /// This blob is already indexed under one of its ids (the same blob added twice).
        case alreadyIndexed(num: Int64)
        case accept(primary: String)
        case skip(reason: String)
    }

    /// public-inbox-index's rule for a blob already in git (V2Writable index_oid): its first
    /// Message-ID if no article has it as its own id, else the last of its other ids that none
    /// has (where public-inbox appended `<…@z>` to a re-sent message), else it is skipped. No
    /// content comparison and no generated id: numbers come out exactly as public-inbox's.
    func admitExisting(_ p: PreparedMessage, blob: String) throws -> ExistingAdmission {
        let ids = p.message.messageIDs
        guard let first = ids.first else { return .skip(reason: "no Message-ID: skipped (public-inbox-index skips it too)") }
        for id in ids {
            if let num = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT over.num FROM msgid JOIN over ON over.num=msgid.num WHERE msgid.mid=? AND over.blob=?"),
                arguments: [id, blob])
            {
                return .alreadyIndexed(num: num)
            }
        }
        if try !isArticleID(first) { return .accept(primary: first) }
        for id in ids.dropFirst().reversed() where try !isArticleID(id) { return .accept(primary: id) }
        let nums = try Int64.fetchAll(
            db.cachedStatement(sql: "SELECT over.num FROM msgid JOIN over ON over.num=msgid.num WHERE msgid.mid=? AND over.mid=?"),
            arguments: [first, first])
        return .skip(
            reason: "Message-ID reused: <\(first)> is already article \(nums.map(String.init).joined(separator: ",")) "
                + "(re-sent with other content; public-inbox-index skips it too)")
    }

    /// Whether some article is stored under `mid` as its own (first) id: public-inbox's msgmap.
    func isArticleID(_ mid: String) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM msgid JOIN over ON over.num=msgid.num WHERE msgid.mid=? AND over.mid=? LIMIT 1"),
            arguments: [mid, mid]) ?? false
    }

    func known(_ mid: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM msgid WHERE mid=? LIMIT 1"), arguments: [mid]) ?? false
    }

    func hashes(for mid: String) throws -> [(Int64, [UInt8])] {
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT over.num, over.chash FROM msgid JOIN over ON over.num=msgid.num WHERE msgid.mid=?"),
            arguments: [mid])
        return rows.map { ($0[0], Array(($0[1] as Data?) ?? Data())) }
    }

    /// Indexes a stored message under article number `num` (a new one when nil). Returns the number.
    @discardableResult
    func insert(_ p: PreparedMessage, primary: String, blob: String, epoch: Int) throws -> Int64 {
        highwaterNum += 1
        let num = highwaterNum
        let m = p.message
        let ids = SearchDocument.ids(primary: primary, of: m)
        // Smsg::parse_references: refs, plus the other own ids when there are several, less the primary
        var seen: Set<String> = [primary]
        var refs: [String] = []
        for r in p.references + (ids.count > 1 ? ids : []) where r.utf8.count <= MessageID.maxLength {
            if seen.insert(r).inserted { refs.append(r) }
        }
        let tid = try assignThread(num: num, ids: ids, refs: refs)
        let sid = try subjectID(m.subject)
        let from = m.from.first
        try db.cachedStatement(
            sql: """
                INSERT INTO over(num, tid, sid, ts, ds, dz, mid, subject, from_name, from_addr, refs, blob, epoch, bytes, lines, chash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            num, tid, sid, p.timestamp.seconds, p.datestamp.seconds, p.datestamp.offsetMinutes, primary, m.subject,
            from?.name ?? "", from?.email ?? "", refs.joined(separator: " "), blob, epoch, m.raw.count, m.bodyLineCount,
            Data(p.contentHash),
        ])
        let midStatement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO msgid(mid, num) VALUES (?, ?)")
        for id in ids { try midStatement.execute(arguments: [id, num]) }
        var doc = p.document
        doc.m = ids.joined(separator: " ")
        // search: patch ids
        let pidStatement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO patchid(pid, num) VALUES (?, ?)")
        for pid in doc.patchIDs { try pidStatement.execute(arguments: [pid, num]) }
        try SeriesRows.insert(db, num: num, facts: p.patch, from: from)
        try CrashRows.insert(db, num: num, facts: p.crash)
        try Gist.insert(db, num: num, text: p.gist)
        pendingSearch.append((num, doc))
        return num
    }

    /// The full-text rows held back (`pendingSearch`), each table's in one run.
    private func writePendingSearch() throws {
        guard !pendingSearch.isEmpty else { return }
        for table in SearchDocument.tables {
            let st = try db.cachedStatement(
                sql: "INSERT INTO \(table)(rowid, \(SearchDocument.columns)) VALUES (?\(String(repeating: ", ?", count: 16)))")
            for (num, doc) in pendingSearch {
                var args: [DatabaseValueConvertible] = [num]
                args += doc.values
                try st.execute(arguments: StatementArguments(args))
            }
        }
        pendingSearch.removeAll()
    }

    /// Removes a message (by its blob) from the index; its number is not reused.
    /// Unindexes the first article stored from `blob`; false when none is. `message` is the
    /// blob's text when it can still be read (its words leave the search index too).
    func remove(blob: String, message: Message?) throws -> Bool {
        guard let num = try Int64.fetchOne(db, sql: "SELECT num FROM over WHERE blob=? ORDER BY num LIMIT 1", arguments: [blob]) else {
            return false
        }
        try unindex(num: num, message: message)
        return true
    }

    /// Takes article `num` out of the index. Without its text (the blob is gone) its words stay in
    /// the contentless full-text tables, where nothing finds them: every search joins `over`.
    func unindex(num: Int64, message: Message?) throws {
        try writePendingSearch()  // a message added earlier in this batch leaves the full text in order
        if let message {
            let primary = try String.fetchOne(db, sql: "SELECT mid FROM over WHERE num=?", arguments: [num]) ?? ""
            var doc = SearchDocument(message)
            doc.m = SearchDocument.ids(primary: primary, of: message).joined(separator: " ")
            var args: [DatabaseValueConvertible] = ["delete", num]
            args += doc.values
            for table in SearchDocument.tables {
                try db.execute(
                    sql:
                        "INSERT INTO \(table)(\(table), rowid, \(SearchDocument.columns)) VALUES (?, ?\(String(repeating: ", ?", count: 16)))",
                    arguments: StatementArguments(args))
            }
            for pid in doc.patchIDs { try db.execute(sql: "DELETE FROM patchid WHERE pid=? AND num=?", arguments: [pid, num]) }
        } else {
            try db.execute(sql: "DELETE FROM patchid WHERE num=?", arguments: [num])  // patchid_num
        }
        try db.execute(sql: "DELETE FROM over WHERE num=?", arguments: [num])
        try db.execute(sql: "DELETE FROM msgid WHERE num=?", arguments: [num])
        try SeriesRows.delete(db, num: num)
        try CrashRows.delete(db, num: num)
        try Gist.delete(db, num: num)
    }

    // MARK: threading (public-inbox OverIdx: add_over, link_refs, resolve_mid_to_tid)

    private func nextTid() -> Int64 {
        highwaterTid += 1
        return highwaterTid
    }

    private func mergeThreads(winner: Int64, loser: Int64?) throws {
        guard let loser, loser != winner else { return }
        try db.cachedStatement(sql: "UPDATE over SET tid=? WHERE tid=?").execute(arguments: [winner, loser])
        try db.cachedStatement(sql: "UPDATE ghost SET tid=? WHERE tid=?").execute(arguments: [winner, loser])
    }

    private func tidsOfMessages(_ mid: String) throws -> [Int64] {
        try Int64.fetchAll(
            db.cachedStatement(sql: "SELECT DISTINCT over.tid FROM msgid JOIN over ON over.num=msgid.num WHERE msgid.mid=?"),
            arguments: [mid])
    }

    private func ghostTid(_ mid: String) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT tid FROM ghost WHERE mid=?"), arguments: [mid])
    }

    private func resolve(_ mid: String) throws -> Int64 {
        var tid: Int64?
        for t in try tidsOfMessages(mid) {
            if let w = tid { try mergeThreads(winner: w, loser: t) } else { tid = t }
        }
        if let g = try ghostTid(mid) {
            if let w = tid { try mergeThreads(winner: w, loser: g) } else { tid = g }
        }
        if let tid { return tid }
        let t = nextTid()
        try db.cachedStatement(sql: "INSERT INTO ghost(mid, tid) VALUES (?, ?)").execute(arguments: [mid, t])
        return t
    }

    private func linkRefs(_ refs: [String], oldTid: Int64?) throws -> Int64 {
        guard let first = refs.first else { return oldTid ?? nextTid() }
        let tid = try resolve(first)
        try mergeThreads(winner: tid, loser: oldTid)
        for r in refs.dropFirst() { try mergeThreads(winner: tid, loser: try resolve(r)) }
        return tid
    }

    private func assignThread(num: Int64, ids: [String], refs: [String]) throws -> Int64 {
        var oldTid: Int64?
        var vivified = false
        for id in ids {
            for t in try tidsOfMessages(id) {
                if let o = oldTid { try mergeThreads(winner: o, loser: t) } else { oldTid = t }
            }
            if let g = try ghostTid(id) {
                if oldTid == nil { oldTid = g } else { try mergeThreads(winner: oldTid!, loser: g) }
                oldTid = try linkRefs(refs, oldTid: oldTid)
                try db.cachedStatement(sql: "DELETE FROM ghost WHERE mid=?").execute(arguments: [id])
                vivified = true
            }
        }
        return vivified ? oldTid! : try linkRefs(refs, oldTid: oldTid)
    }

    private var subjectCache: [String: Int64] = [:]

    private func subjectID(_ subject: String) throws -> Int64? {
        guard let path = SubjectPath.path(subject) else { return nil }
        if let s = subjectCache[path] { return s }
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO subject(path) VALUES (?)").execute(arguments: [path])
        let sid = try Int64.fetchOne(db.cachedStatement(sql: "SELECT sid FROM subject WHERE path=?"), arguments: [path])
        if subjectCache.count > 100_000 { subjectCache.removeAll() }
        subjectCache[path] = sid
        return sid
    }

    func recordRejected(_ r: ImportSummary.Rejection, at: Int64) throws {
        try db.execute(
            sql: "INSERT INTO rejected(at, origin, reason, epoch, commit_oid, object) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [at, r.origin, r.reason, r.epoch, r.commit, r.object])
    }

    func setEpochTip(_ n: Int, _ tip: String) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO epoch(n, tip) VALUES (?, ?)").execute(arguments: [n, tip])
    }

    func epochTip(_ n: Int) throws -> String? {
        try String.fetchOne(db, sql: "SELECT tip FROM epoch WHERE n=?", arguments: [n])
    }
}
