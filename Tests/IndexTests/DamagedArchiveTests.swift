import Foundation
import GRDB
@testable import Index
import Mail
import Store
import Support
import TestSupport
import Testing

/// Epochs as real archives hold them: objects missing, commits that add no message, blobs that
/// are not mail, merges, author lines git refuses. Nothing of that stops the rest.
@Suite struct DamagedArchiveTests {
    static func mail(_ n: Int, mid: String? = nil, extra: [String] = []) -> [UInt8] {
        craftedMessage(
            [
                "From: Sender \(n) <s\(n)@example.org>", "To: list@example.org", "Subject: message \(n)",
                "Date: Mon, 29 Apr 2019 00:00:\(String(format: "%02d", n % 60)) +0000",
            ]
                + (mid.map { ["Message-ID: <\($0)>"] } ?? []) + extra, body: "Body of message \(n).\n")
    }

    /// An epoch with one of each kind of bad commit among good ones.
    static func faultyEpoch(_ gitDir: String) throws -> (good: Int, bad: Int) {
        let b = EpochBuilder()
        let first = b.message(mail(1, mid: "one@example.org"))
        b.commit(files: ["README": Array("not mail\n".utf8)])  // a commit without m
        b.message([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52])  // a PNG, not a message
        b.commit(files: ["m/inner": mail(9, mid: "tree@example.org")])  // m is a directory
        b.commit(files: ["m": mail(8, mid: "exec@example.org")], executable: ["m"])  // m is not a regular file
        let side = b.commit(files: ["m": mail(2, mid: "two@example.org")], branch: "refs/heads/side", from: first)
        b.message(mail(3, mid: "three@example.org"))
        // merges: git log shows no change for them, so neither public-inbox nor Tidings reads their tree
        b.commit(files: ["m": mail(4, mid: "four@example.org")], merge: side)
        b.commit(files: [:], merge: side, subject: "plain merge")
        b.message(mail(5, mid: "five@example.org"), author: "Odd Zone <odd@example.org> 1556496000 +2000")
        try b.write(gitDir: gitDir)
        return (4, 6)
    }

    @Test func faultyCommitsAreRecordedAndTheRestIsIndexed() throws {
        let t = try TemporaryInbox()
        let counts = try DamagedArchiveTests.faultyEpoch(t.inbox.repository.epochPath(0))
        let s = try Importer(inbox: t.inbox).catchUp()
        #expect(s.imported == counts.good)
        for id in ["one", "two", "three", "five"] { #expect(try t.inbox.index.has(mid: "\(id)@example.org"), "\(id)") }
        #expect(s.rejected.count == counts.bad, "\(s.rejected)")
        let recorded = try t.inbox.index.rejected(limit: 100)
        #expect(recorded.count == counts.bad)
        #expect(recorded.allSatisfy { $0.epoch == 0 && $0.commit?.count == 40 })
        let reasons = recorded.map(\.reason)
        #expect(reasons.filter { $0.contains("no m or d") }.count == 1)
        #expect(reasons.filter { $0.contains("no Message-ID") }.count == 1)
        #expect(reasons.filter { $0.contains("not a regular file") }.count == 2)  // a directory, an executable
        #expect(reasons.filter { $0.contains("merge commit") }.count == 2)
        // rebuild records the same, once
        let r = try Importer(inbox: t.inbox).rebuild()
        #expect(r.imported == counts.good)
        #expect(try t.inbox.index.rejected(limit: 100).count == counts.bad)
        // importing the epoch elsewhere (fast-import writes it anew) stores the same messages; the
        // PNG is new mail there, and not mail: refused and kept aside, as import does for any input
        // without a header block (it was stored under a generated id before)
        let u = try TemporaryInbox()
        let i = try Importer(inbox: u.inbox).importSources([.epoch(gitDir: t.inbox.repository.epochPath(0))])
        #expect(i.imported == counts.good)
        #expect(i.rejected.count == counts.bad)
        #expect(i.rejected.filter { $0.reason.hasPrefix("not mail") }.count == 1)
        #expect(try Importer.rejectedMaildir(u.inbox.config).messagePaths().count == 1)
        #expect(try u.inbox.index.has(mid: "five@example.org"))
    }

    @Test func identitiesGitRefusesAreWritten() throws {
        // zones beyond what git fast-import's default "raw" format accepts (|HHMM| > 1400): a
        // Received header's time becomes the committer line, a Date without its usable zone the author
        let t = try TemporaryInbox()
        let zones = ["+1500", "-1445", "+2000", "+1401"]
        let raws = zones.enumerated().map { i, z in
            craftedMessage([
                "Received: from relay.example.org by mx.example.org; Mon, 29 Apr 2019 20:00:0\(i) \(z)",
                "From: Far Away <far@example.org>", "Subject: zone \(z)", "Message-ID: <zone\(i)@example.org>",
            ])
        }
        let s = try t.importBytes(raws)
        #expect(s.imported == zones.count)
        #expect(s.rejected.isEmpty)
        let git = t.inbox.repository.epochPath(0)
        for (i, raw) in raws.enumerated() {
            let row = try #require(try t.inbox.index.messages(mid: "zone\(i)@example.org").first)
            #expect(try t.inbox.raw(row) == raw)
            let committer = try Subprocess.text([
                "git", "--git-dir=\(git)", "log", "-1", "--format=%cd", "--date=raw", "-F", "--grep=zone \(zones[i])",
            ])
            #expect(committer == "\(row.ts) \(zones[i])", "\(zones[i])")
        }
        // and an epoch holding such lines is imported again (written anew through fast-import)
        let u = try TemporaryInbox()
        #expect(try Importer(inbox: u.inbox).importSources([.epoch(gitDir: git)]).imported == zones.count)
    }

    @Test func anOldIndexIsMigratedInPlace() throws {
        let t = try TemporaryInbox()
        try t.importBytes([DamagedArchiveTests.mail(1, mid: "old@example.org")])
        let path = ArchiveIndex.path(forInbox: t.inbox.config.dir)
        // what version 1 wrote: rejected without epoch, commit and object
        let sql = """
            DROP TABLE rejected;
            CREATE TABLE rejected(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, origin TEXT NOT NULL, reason TEXT NOT NULL);
            INSERT INTO rejected(at, origin, reason) VALUES (1, 'old.mbox:0', 'empty message');
            UPDATE meta SET value='1' WHERE key='schema';
            """
        #expect(try Command.run(["sqlite3", path, sql]).status == 0)
        let reopened = try Inbox(config: t.inbox.config)
        let rows = try reopened.index.rejected(limit: 10)
        #expect(rows.map(\.reason) == ["empty message"])
        #expect(rows[0].epoch == nil)
        // 4: opened for writing, the exact-words and series tables are added too (SearchUpgrade)
        #expect(try reopened.index.scalar("SELECT value FROM meta WHERE key='schema'") == Int64(Schema.version))
        // and records the new fields from now on
        let b = EpochBuilder()
        b.commit(files: ["x": Array("y".utf8)])
        try reopened.repository.createEpoch(1)
        try b.write(gitDir: reopened.repository.epochPath(1))
        _ = try Importer(inbox: reopened).catchUp()
        #expect(try reopened.index.rejected(limit: 10).first?.commit?.count == 40)
    }

    /// The corpus epoch as loose objects with three message blobs deleted (a partial mirror).
    static func damagedCorpus(_ t: TemporaryInbox) throws -> [String] {
        let bundle = try #require(Fixtures.corpusBundle, "the corpus bundle ../shared/corpus/virtualization-2019-2020.bundle is missing")
        try t.cloneEpoch(from: bundle)
        let git = t.inbox.repository.epochPath(0)
        let packs = try FileManager.default.contentsOfDirectory(atPath: git + "/objects/pack")
        let pack = try #require(packs.first { $0.hasSuffix(".pack") })
        let data = try #require(FileManager.default.contents(atPath: git + "/objects/pack/" + pack))
        for p in packs { try FileManager.default.removeItem(atPath: git + "/objects/pack/" + p) }
        #expect(try Command.run(["git", "--git-dir=\(git)", "unpack-objects", "-q"], input: Array(data)).status == 0)
        let adds = try EpochLog.commits(gitDir: git).compactMap { c -> String? in
            if case .add(let b) = c.change { return b }
            return nil
        }
        let gone = [adds[100], adds[5000], adds[9000]]
        for o in gone { try FileManager.default.removeItem(atPath: "\(git)/objects/\(o.prefix(2))/\(o.dropFirst(2))") }
        return gone
    }

    @Test func missingBlobsSkipOnlyThemselves() throws {
        let t = try TemporaryInbox()
        let gone = try DamagedArchiveTests.damagedCorpus(t)
        func check(_ s: ImportSummary) throws {
            // 10,000 commits: 19 re-sent copies skipped as public-inbox-index does, 3 missing
            #expect(s.imported == 10_000 - 19 - 3)
            let missing = s.rejected.filter { $0.reason.contains("missing") }
            #expect(Set(missing.compactMap(\.object)) == Set(gone))
            #expect(missing.allSatisfy { $0.commit?.count == 40 && $0.epoch == 0 })
            let recorded = try t.inbox.index.rejected(limit: 1000).filter { $0.reason.contains("missing") }
            #expect(Set(recorded.compactMap(\.object)) == Set(gone))
        }
        try check(try Importer(inbox: t.inbox).catchUp())
        try check(try Importer(inbox: t.inbox).rebuild())
        // import (through git fast-import) of the damaged epoch into another inbox
        let u = try TemporaryInbox()
        let i = try Importer(inbox: u.inbox).importSources([.epoch(gitDir: t.inbox.repository.epochPath(0))])
        #expect(i.imported + i.duplicates == 10_000 - 3)
        #expect(Set(i.rejected.compactMap(\.object)) == Set(gone))
        #expect(try u.inbox.index.rejected(limit: 10).count == 3)
    }

    @Test func oversizedMailIsKeptAsideAndReported() throws {
        let t = try TemporaryInbox()
        let big = craftedMessage(
            ["From: a <a@example.org>", "Subject: big", "Message-ID: <big@example.org>"],
            body: String(repeating: "0123456789abcdef\n", count: 1000))
        let small = DamagedArchiveTests.mail(1, mid: "small@example.org")
        let importer = Importer(inbox: t.inbox)
        #expect(importer.maxMessageSize == Importer.defaultMaxMessageSize)
        importer.maxMessageSize = 8192
        let s = try importer.importSources([.bytes(big, origin: "big"), .bytes(small, origin: "small")])
        #expect(s.imported == 1)
        #expect(s.rejected.count == 1)
        #expect(s.rejected.first?.reason.contains("over the limit of 8192") == true)
        let kept = try Importer.rejectedMaildir(t.inbox.config).messagePaths()
        #expect(kept.count == 1)
        #expect(kept.first.flatMap { FileManager.default.contents(atPath: $0) }.map(Array.init) == big)
        #expect(try !t.inbox.index.has(mid: "big@example.org"))
        #expect(try t.inbox.index.stats().rejected == 1)
        // the limit from the config file, for deliver too
        try Subprocess.run(["git", "config", "--file", t.config.path, "publicinbox.test.maxMessageSize", "8k"])
        let configured = try t.config.inbox(named: "test")
        #expect(configured.maxMessageSize == 8192)
        let d = Delivery.deliver(big, to: "test", config: t.config)
        #expect(d.status == .dataErr)  // a permanent failure: bounced, not retried
        #expect(d.messages.first?.contains("over the limit") == true)
        #expect(try Importer.rejectedMaildir(t.inbox.config).messagePaths().count == 2)
        #expect(try Delivery.emergencyMaildir(t.inbox.config).messagePaths().isEmpty)
        // an epoch already holding a big message: indexed whole, counted as large
        let u = try TemporaryInbox()
        let b = EpochBuilder()
        b.message(big)
        try b.write(gitDir: u.inbox.repository.epochPath(0))
        #expect(try Importer(inbox: u.inbox).catchUp().imported == 1)
        let row = try #require(try u.inbox.index.messages(mid: "big@example.org").first)
        #expect(row.bytes == big.count)
        #expect(try u.inbox.index.messageCount(largerThan: 8192) == 1)
    }

    @Test func aMissingTreeOrCommitCostsOnlyWhatItHolds() throws {
        func epoch(_ t: TemporaryInbox) throws -> [String] {
            let b = EpochBuilder()
            for i in 1...6 { b.message(DamagedArchiveTests.mail(i, mid: "h\(i)@example.org")) }
            let git = t.inbox.repository.epochPath(0)
            try b.write(gitDir: git)
            try DamagedGit.unpack(git)
            return try Subprocess.text(["git", "--git-dir=\(git)", "rev-list", "--reverse", "master"]).split(separator: "\n").map(
                String.init)
        }
        // a tree: that commit's message only
        let t = try TemporaryInbox()
        let commits = try epoch(t)
        let tree = try Subprocess.text(["git", "--git-dir=\(t.inbox.repository.epochPath(0))", "rev-parse", "\(commits[2])^{tree}"])
        try DamagedGit.deleteObject(tree, in: t.inbox.repository.epochPath(0))
        let s = try Importer(inbox: t.inbox).catchUp()
        #expect(s.imported == 5)
        #expect(try !t.inbox.index.has(mid: "h3@example.org"))
        #expect(s.rejected.map(\.commit) == [commits[2]])
        #expect(s.rejected.first?.reason.contains("tree \(tree)") == true)
        // a commit: the history older than it cannot be reached; the newer is indexed
        let u = try TemporaryInbox()
        let ucommits = try epoch(u)
        try DamagedGit.deleteObject(ucommits[1], in: u.inbox.repository.epochPath(0))
        let r = try Importer(inbox: u.inbox).catchUp()
        #expect(r.imported == 4)
        for i in 3...6 { #expect(try u.inbox.index.has(mid: "h\(i)@example.org")) }
        #expect(r.rejected.count == 1)
        #expect(r.rejected.first?.commit == ucommits[1])
        #expect(r.rejected.first?.reason.hasPrefix("history cut") == true)
        // importing such an epoch elsewhere takes the same messages
        let v = try TemporaryInbox()
        #expect(try Importer(inbox: v.inbox).importSources([.epoch(gitDir: t.inbox.repository.epochPath(0))]).imported == 5)
    }

    /// The (article number, Message-ID) pairs of the index, in number order.
    static func articles(_ t: TemporaryInbox) throws -> [String] {
        try t.inbox.index.read { db in try String.fetchAll(db, sql: "SELECT num || ' ' || mid FROM over ORDER BY num") }
    }

    @Test func aRemovalWhoseBlobIsMissingIsApplied() throws {
        let t = try TemporaryInbox()
        let git = t.inbox.repository.epochPath(0)
        let b = EpochBuilder()
        for i in 1...3 { b.message(DamagedArchiveTests.mail(i, mid: "r\(i)@example.org")) }
        try b.write(gitDir: git)
        #expect(try Importer(inbox: t.inbox).catchUp().imported == 3)
        let purged = DamagedArchiveTests.mail(2, mid: "r2@example.org")
        let c = EpochBuilder(continuing: true)
        c.remove(purged)
        try c.write(gitDir: git)
        // the purged blob is gone from the mirror; only the d commit's tree names it
        try DamagedGit.unpack(git)
        try DamagedGit.deleteObject(
            String(decoding: try Subprocess.run(["git", "hash-object", "--stdin"], input: purged), as: UTF8.self).trimmingASCIIWhitespace(),
            in: git)
        let s = try Importer(inbox: t.inbox).catchUp()
        #expect(s.removed == 1)
        #expect(try !t.inbox.index.has(mid: "r2@example.org"))
        #expect(try DamagedArchiveTests.articles(t) == ["1 r1@example.org", "3 r3@example.org"])
        #expect(try t.inbox.index.search("message", now: 1_600_000_000).rows.map(\.mid).sorted() == ["r1@example.org", "r3@example.org"])
    }

    @Test func aRewrittenHistoryIsUnindexedBackToWhereItForked() throws {
        for collected in [false, true] {
            let t = try TemporaryInbox()
            let git = t.inbox.repository.epochPath(0)
            let b = EpochBuilder()
            for i in 1...5 { b.message(DamagedArchiveTests.mail(i, mid: "w\(i)@example.org", extra: ["X-Word: w\(i)word"])) }
            try b.write(gitDir: git)
            #expect(try Importer(inbox: t.inbox).catchUp().imported == 5)
            let commits = try Subprocess.text(["git", "--git-dir=\(git)", "rev-list", "--reverse", "master"]).split(separator: "\n")
            // as public-inbox-purge does: history from the second message on written anew without the third
            try Subprocess.run(["git", "--git-dir=\(git)", "update-ref", "refs/heads/master", String(commits[1])])
            let c = EpochBuilder(continuing: true)
            for i in [4, 5, 6] { c.message(DamagedArchiveTests.mail(i, mid: "w\(i)@example.org", extra: ["X-Word: w\(i)word"])) }
            try c.write(gitDir: git)
            // a mirror that was garbage-collected no longer has the old tip at all
            if collected { try Subprocess.run(["git", "--git-dir=\(git)", "gc", "-q", "--prune=now"]) }
            let s = try Importer(inbox: t.inbox).catchUp()
            #expect(s.removed == 1, "\(collected)")
            #expect(s.imported == 1, "\(collected)")
            #expect(s.duplicates == (collected ? 4 : 2), "\(collected)")
            #expect(try !t.inbox.index.has(mid: "w3@example.org"))
            // the others keep their numbers; the new message takes the next
            #expect(
                try DamagedArchiveTests.articles(t) == [
                    "1 w1@example.org", "2 w2@example.org", "4 w4@example.org", "5 w5@example.org", "6 w6@example.org",
                ])
            // a second run has nothing to do; a rebuild from git agrees
            let again = try Importer(inbox: t.inbox).catchUp()
            #expect(again.imported == 0 && again.removed == 0)
            #expect(try Importer(inbox: t.inbox).rebuild().imported == 5)
            #expect(try !t.inbox.index.has(mid: "w3@example.org"))
        }
    }

    @Test func importingAnEpochLeavesOutWhatItRemoved() throws {
        let t = try TemporaryInbox()
        let b = EpochBuilder()
        let a = DamagedArchiveTests.mail(1, mid: "spam@example.org")
        b.message(a)
        b.message(DamagedArchiveTests.mail(2, mid: "kept@example.org"))
        b.remove(a)
        let again = DamagedArchiveTests.mail(3, mid: "back@example.org")
        b.message(again)
        b.remove(again)
        b.message(again)  // removed, then delivered again: in the inbox
        try b.write(gitDir: t.inbox.repository.epochPath(0))
        let u = try TemporaryInbox()
        let s = try Importer(inbox: u.inbox).importSources([.epoch(gitDir: t.inbox.repository.epochPath(0))])
        #expect(s.imported == 2)
        #expect(try !u.inbox.index.has(mid: "spam@example.org"))
        #expect(try u.inbox.index.has(mid: "kept@example.org"))
        #expect(try u.inbox.index.has(mid: "back@example.org"))
        // the original, indexed in place, holds the same
        let i = try Importer(inbox: t.inbox).catchUp()
        #expect(i.removed == 2)
        #expect(try !t.inbox.index.has(mid: "spam@example.org"))
        #expect(try t.inbox.index.has(mid: "kept@example.org"))
        #expect(try t.inbox.index.has(mid: "back@example.org"))
    }
}
