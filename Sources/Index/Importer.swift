import Foundation
import GRDB
import Mail
import Store

/// What an import or index run did, for its summary line and `--json`.
public struct ImportSummary: Sendable, Equatable {
    public var imported = 0
    public var duplicates = 0
    public var removed = 0
    /// (where, why) for every message that could not be stored.
    public var rejected: [Rejection] = []
    public var elapsed: Double = 0
    public struct Rejection: Sendable, Equatable {
        public var origin: String
        public var reason: String
    }

    public var rate: Double { elapsed > 0 ? Double(imported + duplicates) / elapsed : 0 }

    public var line: String {
        var s = String(
            format: "%d imported, %d duplicates, %d rejected in %.1fs (%.0f msg/s)", imported, duplicates, rejected.count,
            elapsed, rate)
        if removed > 0 { s += ", \(removed) removed" }
        if !rejected.isEmpty {
            let reasons = Dictionary(grouping: rejected, by: \.reason).map { "\($0.value.count)× \($0.key)" }.sorted()
            s += " [" + reasons.joined(separator: "; ") + "]"
        }
        return s
    }
}

/// A failure while storing one message: which message, from where, and why.
public struct IngestError: Error, CustomStringConvertible {
    public var origin: String
    public var messageID: String
    public var underlying: Error
    public var description: String { "\(origin) <\(messageID)>: \(underlying)" }
}

/// Takes mail in: parses, decides duplicates, stores in git, indexes. Also brings the index up to
/// date with epochs written by someone else (`index`) and rebuilds it from git alone.
public final class Importer {
    public let inbox: Inbox
    public var batchSize = 1000
    public var rotateBytes = InboxWriter.defaultRotateBytes
    /// Called for each message handled (count so far).
    public var onProgress: ((Int) -> Void)?

    public init(inbox: Inbox) { self.inbox = inbox }

    // MARK: import

    /// Stores and indexes every message of `sources`. Git is written first, the index second;
    /// each batch is made durable in git before the index transaction that records it commits,
    /// and `catchUp` at the start indexes whatever a killed run left in git only.
    public func importSources(_ sources: [MessageSource]) throws -> ImportSummary {
        try inbox.withWriteLock {
            let t0 = Date()
            var summary = try catchUpLocked()
            summary.imported = 0
            let writer = try InboxWriter(
                repository: inbox.repository, committerName: inbox.name, committerEmail: inbox.config.primaryAddress,
                rotateBytes: rotateBytes)
            var handled = 0
            try inbox.index.writeBatches { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                var iw = try IndexWriter(db: db)
                var inBatch = 0
                func commitBatch() throws {
                    let (epoch, tip) = try writer.checkpoint()
                    if let tip { try iw.setEpochTip(epoch, tip) }
                    try iw.saveCounters()
                    try db.execute(sql: "COMMIT")
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    iw = try IndexWriter(db: db)
                    inBatch = 0
                }
                do {
                    try Pipeline.run(sources: sources, stripHeaders: true) { item in
                        handled += 1
                        switch item {
                        case .failed(let origin, let reason):
                            summary.rejected.append(.init(origin: origin, reason: reason))
                            try iw.recordRejected(origin: origin, reason: reason, at: Int64(Date().timeIntervalSince1970))
                        case .prepared(var p):
                            switch try iw.admit(p) {
                            case .duplicate:
                                summary.duplicates += 1
                            case .accept(let primary, let appendID):
                                if appendID {
                                    p = PreparedMessage(
                                        message: Message.parse(p.message.appendingMessageID(primary)),
                                        fallbackTime: p.timestamp, origin: p.origin)
                                }
                                let author = InboxWriter.authorIdent(from: p.message.from.first, date: p.datestamp)
                                let subject = p.message.subject.isEmpty ? "(no subject)" : p.message.subject
                                do {
                                    let (epoch, blob) = try writer.add(
                                        p.message.raw, author: author, receivedAt: p.timestamp, subject: subject)
                                    try iw.insert(p, primary: primary, blob: blob, epoch: epoch)
                                } catch {
                                    throw IngestError(origin: p.origin, messageID: primary, underlying: error)
                                }
                                summary.imported += 1
                                inBatch += 1
                                if inBatch >= batchSize { try commitBatch() }
                            }
                        }
                        onProgress?(handled)
                    }
                    try commitBatch()
                    try db.execute(sql: "COMMIT")
                } catch {
                    try? db.execute(sql: "ROLLBACK")
                    throw error
                }
            }
            try writer.finish()
            summary.elapsed = Date().timeIntervalSince(t0)
            return summary
        }
    }

    // MARK: index existing epochs

    /// Indexes commits in the epochs that the index has not seen (epochs copied from
    /// public-inbox, or left by a killed import).
    public func catchUp() throws -> ImportSummary {
        try inbox.withWriteLock { try catchUpLocked() }
    }

    /// Drops the index and recreates it from git alone.
    public func rebuild() throws -> ImportSummary {
        try inbox.withWriteLock {
            try inbox.index.writeBatches { db in
                try db.execute(
                    sql: """
                        DELETE FROM over; DELETE FROM msgid; DELETE FROM ghost; DELETE FROM subject; DELETE FROM epoch;
                        DELETE FROM rejected; DELETE FROM meta WHERE key IN ('num_highwater', 'tid_highwater');
                        INSERT INTO fts(fts) VALUES ('delete-all');
                        """)
            }
            return try catchUpLocked()
        }
    }

    private func catchUpLocked() throws -> ImportSummary {
        let t0 = Date()
        var summary = ImportSummary()
        let repo = inbox.repository
        var handled = 0
        for n in repo.epochs() {
            guard let tip = repo.tip(n) else { continue }
            let known = try inbox.index.read { db in try String.fetchOne(db, sql: "SELECT tip FROM epoch WHERE n=?", arguments: [n]) }
            if known == tip { continue }
            let gitDir = repo.epochPath(n)
            let commits = try EpochLog.commits(gitDir: gitDir, after: known)
            let reader = try CatFile(gitDir: gitDir)
            try inbox.index.writeBatches { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                var iw = try IndexWriter(db: db)
                var inBatch = 0
                do {
                    let adds = commits.compactMap { c -> (EpochCommit, String)? in
                        if case .add(let b) = c.change { return (c, b) }
                        return nil
                    }
                    var removals: [String: Int] = [:]
                    for c in commits { if case .remove(let b) = c.change { removals[b, default: 0] += 1 } }
                    var lastOid: String?
                    var items = commits.makeIterator()
                    try Pipeline.runBlobs(adds.map { ($0.1, $0.0.committedAt, "\(gitDir)@\($0.0.oid.prefix(12))") }, gitDir: gitDir) {
                        blob, item in
                        // removals recorded before this add are applied in commit order
                        while let c = items.next() {
                            lastOid = c.oid
                            if case .remove(let rb) = c.change {
                                let bytes = try reader.read(rb)
                                if try iw.remove(blob: rb, message: Message.parse(bytes)) { summary.removed += 1 }
                                continue
                            }
                            break
                        }
                        handled += 1
                        switch item {
                        case .failed(let origin, let reason):
                            summary.rejected.append(.init(origin: origin, reason: reason))
                        case .prepared(let p):
                            switch try iw.admit(p) {
                            case .duplicate:
                                summary.duplicates += 1
                            case .accept(let primary, _):
                                try iw.insert(p, primary: primary, blob: blob, epoch: n)
                                summary.imported += 1
                                inBatch += 1
                            }
                        }
                        if inBatch >= batchSize, let o = lastOid {
                            try iw.setEpochTip(n, o)
                            try iw.saveCounters()
                            try db.execute(sql: "COMMIT")
                            try db.execute(sql: "BEGIN IMMEDIATE")
                            iw = try IndexWriter(db: db)
                            inBatch = 0
                        }
                        onProgress?(handled)
                    }
                    while let c = items.next() {
                        if case .remove(let rb) = c.change {
                            let bytes = try reader.read(rb)
                            if try iw.remove(blob: rb, message: Message.parse(bytes)) { summary.removed += 1 }
                        }
                    }
                    try iw.setEpochTip(n, tip)
                    try iw.saveCounters()
                    try db.execute(sql: "COMMIT")
                } catch {
                    try? db.execute(sql: "ROLLBACK")
                    throw error
                }
            }
        }
        summary.elapsed = Date().timeIntervalSince(t0)
        return summary
    }
}
