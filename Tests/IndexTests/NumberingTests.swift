import Foundation
import Index
import Mail
import Store
import TestSupport
import Testing

/// `tidings index` of an epoch public-inbox wrote gives exactly public-inbox-index's article
/// numbers: the (number, Message-ID) pairs of its msgmap, compared one by one.
@Suite(.serialized) struct NumberingTests {
    /// Runs the real public-inbox-index on the inbox and reads its (number, Message-ID) pairs.
    static func publicInboxPairs(_ t: TemporaryInbox) throws -> [String] {
        let r = try Command.run(
            ["public-inbox-index", "-L", "basic", "--no-fsync", t.inbox.config.dir], env: t.publicInboxEnvironment, timeout: 1200)
        #expect(r.status == 0, "\(r.stderr)")
        let out = try Command.run(
            ["sqlite3", "-separator", " ", t.inbox.config.dir + "/msgmap.sqlite3", "SELECT num, mid FROM msgmap ORDER BY num"])
        #expect(out.status == 0, "\(out.stderr)")
        return out.text.split(separator: "\n").map(String.init)
    }

    static func tidingsPairs(_ t: TemporaryInbox) throws -> [String] {
        try t.inbox.index.allMessages(after: 0, batch: 1_000_000).map { "\($0.num) \($0.mid)" }
    }

    /// Every Message-ID rule that decides a number: reused ids, ids public-inbox appended, none.
    static func craftedEpoch(_ gitDir: String) throws {
        func m(_ n: Int, _ idHeaders: [String], body: String? = nil) -> [UInt8] {
            craftedMessage(
                [
                    "From: P\(n) <p\(n)@example.org>", "Subject: crafted \(n)",
                    "Date: Tue, 30 Apr 2019 10:00:\(String(format: "%02d", n)) +0000",
                ]
                    + idHeaders, body: body ?? "message \(n)\n")
        }
        let b = EpochBuilder()
        let second = m(2, ["Message-ID: <b@x>"])
        b.message(m(1, ["Message-ID: <a@x>"]))
        b.message(second)
        b.message(m(3, ["Message-ID: <a@x>"], body: "re-sent with other content\n"))  // reused: skipped
        // re-sent, and public-inbox appended an id of its own: indexed under it
        b.message(m(4, ["Message-ID: <a@x>", "Message-ID: <20190430100004.1234-1-a@z>"], body: "a third copy\n"))
        b.message(m(5, []))  // no Message-ID: skipped
        b.message(second)  // the same blob again: the same article
        b.message(m(6, ["Message-ID: <c@x>", "Message-ID: <d@x>"]))  // two ids: under the first
        b.message(m(7, ["Message-ID: <d@x>"]))  // d is only another message's second id: an article of its own
        b.remove(second)
        b.message(second)  // removed and added again: a new number
        b.message(m(8, ["Message-ID: bare@x"]))  // no brackets: the whole value
        b.message(m(9, ["Message-ID: <f@x>", "Message-ID: <a@x>"]))  // first id new
        b.message(m(10, ["Message-ID: <a@x>", "Message-ID: <g@x>", "Message-ID: <h@x>"]))  // the last free one
        b.message(m(11, ["Message-ID: <a@x>", "Message-ID: <b@x>"]))  // every id taken: skipped
        b.message(m(12, ["Message-ID: <h@x>"], body: "h again\n"))  // reused after being a fallback
        b.message(m(13, ["Message-Id: <case@x>"]))
        try b.write(gitDir: gitDir)
    }

    @Test func craftedEpochNumbersAsPublicInboxIndex() throws {
        let t = try TemporaryInbox()
        try NumberingTests.craftedEpoch(t.inbox.repository.epochPath(0))
        let s = try Importer(inbox: t.inbox).catchUp()
        let ours = try NumberingTests.tidingsPairs(t)
        let theirs = try NumberingTests.publicInboxPairs(t)
        #expect(ours == theirs)
        // 16 commits: one removal, one blob twice, four skipped (a@x re-sent, no Message-ID,
        // every id taken, h@x re-sent); b@x was removed and came back under a new number
        #expect(theirs.count == 9)
        #expect(ours.prefix(3) == ["1 a@x", "3 20190430100004.1234-1-a@z", "4 c@x"])
        #expect(s.rejected.count == 4, "\(s.rejected)")
        // a rebuild numbers the same
        _ = try Importer(inbox: t.inbox).rebuild()
        #expect(try NumberingTests.tidingsPairs(t) == theirs)
    }

    @Test func incrementalIndexingNumbersAsPublicInboxIndex() throws {
        // indexed in two runs, with new commits between them
        let t = try TemporaryInbox()
        let b = EpochBuilder()
        b.message(craftedMessage(["From: a <a@example.org>", "Subject: first", "Message-ID: <first@x>"]))
        try b.write(gitDir: t.inbox.repository.epochPath(0))
        _ = try Importer(inbox: t.inbox).catchUp()
        _ = try NumberingTests.publicInboxPairs(t)
        let c = EpochBuilder(continuing: true)
        c.message(craftedMessage(["From: a <a@example.org>", "Subject: second", "Message-ID: <second@x>"]))
        c.message(
            craftedMessage(
                ["From: a <a@example.org>", "Subject: again", "Message-ID: <first@x>", "Message-ID: <again@z>"], body: "other\n"))
        try c.write(gitDir: t.inbox.repository.epochPath(0))
        _ = try Importer(inbox: t.inbox).catchUp()
        #expect(try NumberingTests.tidingsPairs(t) == NumberingTests.publicInboxPairs(t))
        #expect(try NumberingTests.tidingsPairs(t) == ["1 first@x", "2 second@x", "3 again@z"])
    }

    @Test func corpusNumbersAsPublicInboxIndex() throws {
        let bundle = try #require(Fixtures.corpusBundle, "the corpus bundle ../shared/corpus/virtualization-2019-2020.bundle is missing")
        let t = try TemporaryInbox()
        try t.cloneEpoch(from: bundle)
        let s = try Importer(inbox: t.inbox).catchUp()
        let theirs = try NumberingTests.publicInboxPairs(t)
        let ours = try NumberingTests.tidingsPairs(t)
        #expect(theirs.count == 9981)
        #expect(ours.count == theirs.count)
        let mismatches = zip(ours, theirs).filter { $0 != $1 }
        #expect(mismatches.isEmpty, "\(mismatches.count) pairs differ, first: \(mismatches.prefix(3))")
        // the skipped re-sent copies are recorded with their commits
        #expect(s.rejected.count == 10_000 - theirs.count)
        #expect(try t.inbox.index.rejected(limit: 100).allSatisfy { $0.reason.contains("already article") && $0.commit != nil })
    }
}
