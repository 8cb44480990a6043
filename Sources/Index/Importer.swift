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
    /// Something not stored or not indexed: a message, or a git object of an epoch (then with
    /// its epoch, commit and object id).
    public struct Rejection: Sendable, Equatable {
        public var origin: String
        public var reason: String
        public var epoch: Int?
        public var commit: String?
        public var object: String?

        /// The reason up to its first ": " (`object missing`, `Message-ID reused`, …), for summaries.
        public var kind: Substring { reason.split(separator: ": ", maxSplits: 1).first ?? "" }

        public init(origin: String, reason: String, epoch: Int? = nil, commit: String? = nil, object: String? = nil) {
            self.origin = origin
            self.reason = reason
            self.epoch = epoch
            self.commit = commit
            self.object = object
        }
    }

    public var rate: Double { elapsed > 0 ? Double(imported + duplicates) / elapsed : 0 }

    public var line: String {
        var s = String(
            format: "%d imported, %d duplicates, %d rejected in %.1fs (%.0f msg/s)", imported, duplicates, rejected.count,
            elapsed, rate)
        if removed > 0 { s += ", \(removed) removed" }
        if !rejected.isEmpty {
            let reasons = Dictionary(grouping: rejected, by: \.kind).map { "\($0.value.count)× \($0.key)" }.sorted()
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
    /// The largest message `import` and `deliver` store unless the config says otherwise.
    public static let defaultMaxMessageSize = InboxConfig.defaultMaxMessageSize

    public let inbox: Inbox
    public var batchSize = 1000
    public var rotateBytes = InboxWriter.defaultRotateBytes
    /// Larger messages are not stored but kept aside in `DIR/rejected/` (nil: no limit). Epochs
    /// already in git are indexed whole; their size is in the overview (`bytes`).
    public var maxMessageSize: Int?
    /// Called for each message handled (count so far).
    public var onProgress: ((Int) -> Void)?

    public init(inbox: Inbox) {
        self.inbox = inbox
        maxMessageSize = inbox.config.ingestLimit
    }

    /// Where mail over the size limit is kept (a Maildir).
    public static func rejectedMaildir(_ config: InboxConfig) -> Maildir { Maildir(path: config.dir + "/rejected") }

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    /// Keeps refused mail in `DIR/rejected/` (of a message over the limit, what was read of it:
    /// its first maxMessageSize bytes) and returns the reason to record, saying where it is.
    static func keepAside(_ input: RawInput, _ reason: String, in config: InboxConfig) throws -> String {
        let kept = try rejectedMaildir(config).deliver(input.bytes)
        let what = input.size > input.bytes.count ? "its first \(input.bytes.count) bytes kept" : "kept"
        return "\(reason); \(what) in \(kept)"
    }

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
                func reject(_ r: ImportSummary.Rejection) throws {
                    summary.rejected.append(r)
                    try iw.recordRejected(r, at: Importer.now)
                }
                do {
                    try Pipeline.run(sources: sources, stripHeaders: true, maxBytes: maxMessageSize) { item in
                        handled += 1
                        switch item {
                        case .failed(let r):
                            try reject(r)
                        case .refused(let input, let reason):
                            try reject(input.rejection(try Importer.keepAside(input, reason, in: inbox.config)))
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
    /// public-inbox, or left by a killed import). Blobs over `maxBlobSize` (a mirror passes its
    /// `maxMessageSize`) are recorded as rejected without being read.
    public func catchUp(maxBlobSize: Int? = nil) throws -> ImportSummary {
        try inbox.withWriteLock { try catchUpLocked(maxBlobSize: maxBlobSize) }
    }

    /// Drops the index and recreates it from git alone (rejections of mail that never reached
    /// git stay recorded).
    public func rebuild() throws -> ImportSummary {
        try inbox.withWriteLock {
            try inbox.index.writeBatches { db in
                try db.execute(
                    sql: """
                        DELETE FROM over; DELETE FROM msgid; DELETE FROM ghost; DELETE FROM subject; DELETE FROM epoch;
                        DELETE FROM patchid; DELETE FROM patch; DELETE FROM trailer; DELETE FROM rejected WHERE epoch IS NOT NULL;
                        DELETE FROM meta WHERE key IN ('num_highwater', 'tid_highwater');
                        INSERT INTO fts(fts) VALUES ('delete-all'); INSERT INTO fts_exact(fts_exact) VALUES ('delete-all');
                        """)
            }
            return try catchUpLocked()
        }
    }

    /// Indexes every epoch's commits after the tip the index has seen, in history order, with
    /// public-inbox-index's numbering (`IndexWriter.admitExisting`). An object that cannot be
    /// read or is not a message is recorded in `rejected` with its commit, and the rest goes on.
    private func catchUpLocked(maxBlobSize: Int? = nil) throws -> ImportSummary {
        let t0 = Date()
        var summary = ImportSummary()
        let repo = inbox.repository
        var handled = 0
        for n in repo.epochs() {
            guard let tip = repo.tip(n) else { continue }
            let known = try inbox.index.read { db in try String.fetchOne(db, sql: "SELECT tip FROM epoch WHERE n=?", arguments: [n]) }
            if known == tip { continue }
            let gitDir = repo.epochPath(n)
            var after = known
            if let known, !repo.history(n, of: tip, contains: known) {
                after = try unindexRewritten(epoch: n, from: known, to: tip, summary: &summary)
            }
            let commits: [EpochCommit]
            do {
                commits = try EpochLog.commits(gitDir: gitDir, after: after)
            } catch {
                // the history itself cannot be walked (a commit or tree is missing): say so, go on
                let r = ImportSummary.Rejection(origin: "\(n).git", reason: "history unreadable: \(error)", epoch: n, commit: tip)
                summary.rejected.append(r)
                try inbox.index.write { iw in try iw.recordRejected(r, at: Importer.now) }
                continue
            }
            try inbox.index.writeBatches { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                var iw = try IndexWriter(db: db)
                var inBatch = 0
                func reject(_ r: ImportSummary.Rejection) throws {
                    summary.rejected.append(r)
                    try iw.recordRejected(r, at: Importer.now)
                }
                do {
                    try Pipeline.runCommits(commits, epoch: n, gitDir: gitDir, maxBlobSize: maxBlobSize) { commit, item in
                        handled += 1
                        switch (commit.change, item) {
                        case (.remove(let blob), .failed(let r)):
                            // the removed blob cannot be read: the article is known by its object id
                            if try iw.remove(blob: blob, message: nil) { summary.removed += 1 } else { try reject(r) }
                        case (_, .failed(let r)):
                            try reject(r)
                        case (.remove(let blob), .prepared(let p)):
                            if try iw.remove(blob: blob, message: p.message) { summary.removed += 1 }
                        case (.add(let blob), .prepared(let p)):
                            switch try iw.admitExisting(p, blob: blob) {
                            case .alreadyIndexed:
                                summary.duplicates += 1
                            case .skip(let reason):
                                try reject(.init(origin: p.origin, reason: reason, epoch: n, commit: commit.oid, object: blob))
                            case .accept(let primary):
                                try iw.insert(p, primary: primary, blob: blob, epoch: n)
                                summary.imported += 1
                                inBatch += 1
                            }
                        default:
                            break
                        }
                        if inBatch >= batchSize {
                            try iw.setEpochTip(n, commit.oid)
                            try iw.saveCounters()
                            try db.execute(sql: "COMMIT")
                            try db.execute(sql: "BEGIN IMMEDIATE")
                            iw = try IndexWriter(db: db)
                            inBatch = 0
                        }
                        onProgress?(handled)
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

    /// The epoch's history was rewritten since the index saw `old` (public-inbox-purge or -edit,
    /// a forced fetch; `old` may be gone): every article of the epoch that the new history no
    /// longer holds is unindexed, as public-inbox-index unindexes back to where the histories
    /// meet. Returns that meeting point, after which indexing goes on (nil: the whole history,
    /// whose messages already indexed count as duplicates). When the new history cannot be read
    /// in full, nothing is unindexed (what is gone cannot be told) and that is recorded.
    private func unindexRewritten(epoch n: Int, from old: String, to new: String, summary: inout ImportSummary) throws -> String? {
        let repo = inbox.repository
        let base = repo.mergeBase(n, old, new)
        guard let live = EpochLog.liveBlobs(try EpochLog.commits(gitDir: repo.epochPath(n))) else {
            let r = ImportSummary.Rejection(
                origin: "\(n).git",
                reason: "history rewritten: \(old) is no longer in it, and the new history cannot be read in full: nothing unindexed",
                epoch: n, commit: new)
            summary.rejected.append(r)
            try inbox.index.write { iw in try iw.recordRejected(r, at: Importer.now) }
            return base
        }
        let rows = try inbox.index.read { db in
            try Row.fetchAll(db, sql: "SELECT num, blob FROM over WHERE epoch=?", arguments: [n]).map {
                (num: $0[0] as Int64, blob: $0[1] as String)
            }
        }
        let gone = rows.filter { !live.contains($0.blob) }
        guard !gone.isEmpty else { return base }
        var reader = try CatFile(gitDir: repo.epochPath(n))
        try inbox.index.write { iw in
            for g in gone {
                let (bytes, unreadable) = try MessageSource.readBlob(g.blob, with: &reader)
                try iw.unindex(num: g.num, message: unreadable == nil ? Message.parse(bytes) : nil)
                summary.removed += 1
            }
        }
        return base
    }
}
