import Foundation
import Index
import Mail
import Store
import Support
import TestSupport
import Testing

@Suite struct IngestTests {
    @Test func importsEveryFixtureAndCountsDuplicatesAsPublicInboxDoes() throws {
        let t = try TemporaryInbox()
        let summary = try t.importFiles(Fixtures.corpusFiles.map(Fixtures.corpusPath))
        // 040/041 differ only in Received headers: same content, public-inbox skips the second
        #expect(summary.imported == Fixtures.corpusFiles.count - 1)
        #expect(summary.duplicates == 1)
        #expect(summary.rejected.isEmpty)
        let stats = try t.inbox.index.stats()
        #expect(stats.messages == summary.imported)
        // importing again changes nothing
        let again = try t.importFiles(Fixtures.corpusFiles.map(Fixtures.corpusPath))
        #expect(again.imported == 0)
        #expect(again.duplicates == Fixtures.corpusFiles.count)
        #expect(try t.inbox.index.stats().messages == summary.imported)
    }

    @Test func storedBytesAreTheBytesReceived() throws {
        let t = try TemporaryInbox()
        try t.importFiles(Fixtures.corpusFiles.map(Fixtures.corpusPath))
        for e in Fixtures.manifest {
            let rows = try t.inbox.index.messages(mid: e.messageID)
            #expect(!rows.isEmpty, "\(e.file)")
            let stored = try rows.map { try t.inbox.raw($0) }
            let original = Fixtures.stored(e.file)
            if !e.features.contains("dup-message-id") { #expect(stored == [original], "\(e.file)") }
        }
    }

    @Test func reusedMessageIDWithOtherContentIsKeptAndReachable() throws {
        let t = try TemporaryInbox()
        let files = ["037-dup-mid-revert-v1.eml", "038-dup-mid-revert-repost.eml", "039-dup-mid-revert-v2.eml"]
        let s = try t.importFiles(files.map(Fixtures.corpusPath))
        #expect(s.imported == 3)
        let mid = try #require(Message.parse(Fixtures.corpus(files[0])).primaryID)
        let rows = try t.inbox.index.messages(mid: mid)
        #expect(rows.count == 3)
        #expect(rows[0].mid == mid)
        // the later copies got a generated id appended as a second Message-ID header
        for r in rows.dropFirst() {
            #expect(r.mid.hasSuffix("@z"))
            let m = Message.parse(try t.inbox.raw(r))
            #expect(m.messageIDs == [mid, r.mid])
        }
        // and they thread with the original
        #expect(Set(rows.map(\.tid)).count == 1)
    }

    @Test func messagesWithoutMessageIDGetAStableGeneratedOne() throws {
        let raw = Fixtures.synthetic("no-message-id.eml")
        let a = try TemporaryInbox()
        try a.importBytes([raw])
        let b = try TemporaryInbox()
        try b.importBytes([raw])
        let ra = try #require(try a.inbox.index.recent(limit: 1).first)
        let rb = try #require(try b.inbox.index.recent(limit: 1).first)
        #expect(ra.mid == rb.mid)
        #expect(ra.mid.hasSuffix("@z"))
        let stored = try a.inbox.raw(ra)
        #expect(String(decoding: stored, as: UTF8.self).contains("Message-ID: <\(ra.mid)>"))
        // the same message again is a duplicate, not a second copy
        let again = try a.importBytes([raw])
        #expect(again.duplicates == 1)
    }

    @Test func everySyntheticMessageIsStoredNothingIsLost() throws {
        let t = try TemporaryInbox()
        let s = try t.importFiles(Fixtures.syntheticFiles.map(Fixtures.syntheticPath))
        #expect(s.imported == Fixtures.syntheticFiles.count)
        // bytes in, bytes out: none of these carries a header public-inbox drops
        for f in Fixtures.syntheticFiles where f != "no-message-id.eml" {
            let raw = Fixtures.synthetic(f)
            let mid = try #require(Message.parse(raw).primaryID)
            let rows = try t.inbox.index.messages(mid: mid)
            #expect(try rows.contains { try t.inbox.raw($0) == raw }, "\(f)")
        }
        #expect(s.rejected.isEmpty)
        let empty = try t.importBytes([Array("\n\n".utf8)])
        #expect(empty.rejected.count == 1)
        #expect(empty.rejected[0].reason == "empty message")
        #expect(try t.inbox.index.stats().rejected == 1)
    }

    @Test func rebuildFromGitGivesTheSameIndex() throws {
        let t = try TemporaryInbox()
        try t.importFiles(Fixtures.corpusFiles.map(Fixtures.corpusPath) + Fixtures.syntheticFiles.map(Fixtures.syntheticPath))
        func snapshot() throws -> [String] {
            try t.inbox.index.allMessages(after: 0, batch: 10_000).map {
                "\($0.num) \($0.tid) \($0.sid ?? 0) \($0.mid) \($0.blob) \($0.ds) \($0.ts) \($0.refs)"
            }
        }
        let before = try snapshot()
        let ghosts = try t.inbox.index.stats().ghosts
        let s = try Importer(inbox: t.inbox).rebuild()
        #expect(s.imported == before.count)
        #expect(try snapshot() == before)
        #expect(try t.inbox.index.stats().ghosts == ghosts)
    }

    @Test func aKilledImportIsCaughtUpFromGit() throws {
        // git has messages the index never saw (the index transaction died): the next run indexes them
        let t = try TemporaryInbox()
        let writer = try InboxWriter(repository: t.inbox.repository, committerName: "test", committerEmail: "test@example.org")
        let files = Fixtures.corpusFiles.prefix(5)
        for f in files {
            let raw = Fixtures.corpus(f)
            let m = Message.parse(raw)
            _ = try writer.add(
                raw, author: InboxWriter.authorIdent(from: m.from.first, date: m.date!), receivedAt: m.date!, subject: m.subject)
        }
        _ = try writer.checkpoint()
        try writer.finish()
        #expect(try t.inbox.index.stats().messages == 0)
        // re-running the import of the same files neither loses nor duplicates
        let s = try t.importFiles(Fixtures.corpusFiles.prefix(8).map(Fixtures.corpusPath))
        #expect(s.imported == 3)
        #expect(s.duplicates == 5)
        #expect(try t.inbox.index.stats().messages == 8)
        #expect(try EpochLog.commits(gitDir: t.inbox.repository.epochPath(0)).count == 8)
    }

    @Test func deliveryKeepsFailedMessagesForRetry() throws {
        let t = try TemporaryInbox()
        let raw = Fixtures.corpus("028-patch-single.eml")
        let ok = Delivery.deliver(raw, to: "test", config: t.config)
        #expect(ok.status == .ok)
        #expect(try Delivery.emergencyMaildir(t.inbox.config).messagePaths().isEmpty)
        #expect(try t.inbox.index.stats().messages == 1)
        #expect(Delivery.deliver(raw, to: "nope", config: t.config).status == .noUser)
        // make the git epoch unwritable: the delivery fails with EX_TEMPFAIL and the mail stays
        let objects = t.inbox.repository.epochPath(0) + "/objects"
        try FileManager.default.moveItem(atPath: objects, toPath: objects + ".away")
        try "not a directory".write(toFile: objects, atomically: true, encoding: .utf8)
        let other = Fixtures.corpus("030-reviewed-by-reply.eml")
        let failed = Delivery.deliver(other, to: "test", config: t.config)
        #expect(failed.status == .tempFail)
        let kept = try Delivery.emergencyMaildir(t.inbox.config).messagePaths()
        #expect(kept.count == 1)
        #expect(Array(FileManager.default.contents(atPath: kept[0])!) == other)
        // repaired: the next delivery retries the kept one too
        try FileManager.default.removeItem(atPath: objects)
        try FileManager.default.moveItem(atPath: objects + ".away", toPath: objects)
        let next = Delivery.deliver(Fixtures.corpus("031-reviewed-by-quoting-diff.eml"), to: "test", config: t.config)
        #expect(next.status == .ok)
        #expect(try Delivery.emergencyMaildir(t.inbox.config).messagePaths().isEmpty)
        #expect(try t.inbox.index.stats().messages == 3)
    }

    @Test func mboxAndMaildirSources() throws {
        let t = try TemporaryInbox()
        let dir = t.root + "/src"
        try FileManager.default.createDirectory(atPath: dir + "/md/cur", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/md/new", withIntermediateDirectories: true)
        let files = Array(Fixtures.corpusFiles.prefix(6))
        let mbox = files.prefix(3).flatMap { MboxrdWriter.entry(Fixtures.corpus($0)) }
        FileManager.default.createFile(atPath: dir + "/a.mbox", contents: Data(mbox))
        try Subprocess.run(["sh", "-c", "gzip -c '\(dir)/a.mbox' > '\(dir)/b.mbox.gz'"])
        for (i, f) in files.suffix(3).enumerated() {
            FileManager.default.createFile(atPath: dir + "/md/cur/\(i).eml:2,S", contents: Data(Fixtures.corpus(f)))
        }
        let sources = try MessageSource.detect(dir + "/b.mbox.gz") + MessageSource.detect(dir + "/md")
        let s = try Importer(inbox: t.inbox).importSources(sources)
        #expect(s.imported == 6)
        for f in files {
            let mid = Message.parse(Fixtures.corpus(f)).primaryID!
            let row = try #require(try t.inbox.index.messages(mid: mid).first)
            #expect(try t.inbox.raw(row) == Fixtures.stored(f))
        }
        let plain = try Importer(inbox: t.inbox).importSources(MessageSource.detect(dir + "/a.mbox"))
        #expect(plain.duplicates == 3)
    }

    /// A Maildir file whose name is not UTF-8 (a Latin-1 name from an old MUA) is imported like
    /// any other; a file that cannot be read is reported with why, not skipped unseen.
    @Test func maildirNamesThatAreNotUTF8() throws {
        let t = try TemporaryInbox()
        let md = t.root + "/md"
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(atPath: md + "/" + sub, withIntermediateDirectories: true)
        }
        let files = Array(Fixtures.corpusFiles.prefix(3))
        FileManager.default.createFile(atPath: md + "/cur/1.eml:2,S", contents: Data(Fixtures.corpus(files[0])))
        // "r\xe9sum\xe9" in Latin-1: not UTF-8
        let odd: [UInt8] = Array((md + "/new/2.r").utf8) + [0xE9] + Array("sum".utf8) + [0xE9, 0]
        let fd = odd.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) } }
        #expect(fd >= 0)
        let bytes = Fixtures.corpus(files[1])
        #expect(bytes.withUnsafeBufferPointer { write(fd, $0.baseAddress!, $0.count) } == bytes.count)
        close(fd)
        // a dangling link: a name in the folder whose file cannot be opened
        #expect(symlink(md + "/gone", md + "/new/3.eml") == 0)
        let s = try Importer(inbox: t.inbox).importSources(MessageSource.detect(md))
        #expect(s.imported == 2)
        for f in files.prefix(2) { #expect(try t.inbox.index.has(mid: Message.parse(Fixtures.corpus(f)).primaryID!)) }
        #expect(s.rejected.count == 1)
        #expect(s.rejected.first?.reason.contains("3.eml") == true)
        #expect(s.rejected.first?.reason.contains("No such file") == true)
    }
}
