import Foundation
import Index
import Mail
import TestSupport
import Testing

@Suite struct ThreadingTests {
    func message(_ id: String, refs: [String] = [], irt: String? = nil, subject: String = "s", date: Int = 0) -> [UInt8] {
        var h =
            "From: A <a@example.org>\nSubject: \(subject)\nDate: Mon, 6 Jan 2020 10:\(String(format: "%02d", date)):00 +0000\nMessage-ID: <\(id)>\n"
        if !refs.isEmpty { h += "References: " + refs.map { "<\($0)>" }.joined(separator: " ") + "\n" }
        if let irt { h += "In-Reply-To: <\(irt)>\n" }
        return Array((h + "\nbody of \(id)\n").utf8)
    }

    func tid(_ t: TemporaryInbox, _ mid: String) throws -> Int64 { try #require(try t.inbox.index.messages(mid: mid).first).tid }

    @Test func smallRealThreadIsOneThreadWithTheRightShape() throws {
        let t = try TemporaryInbox()
        let files = (50...54).map { String(format: "%03d", $0) }.map { p in Fixtures.corpusFiles.first { $0.hasPrefix(p) }! }
        try t.importFiles(files.map(Fixtures.corpusPath))
        let mids = files.map { Message.parse(Fixtures.corpus($0)).primaryID! }
        let tids = try Set(mids.map { try tid(t, $0) })
        #expect(tids.count == 1)
        let forest = ThreadTree.build(try t.inbox.index.thread(tid: tids.first!))
        #expect(forest.count == 1)
        let root = forest[0]
        #expect(root.mid == mids[0])
        // 050 → {051 → 053, 052 → 054}
        #expect(Set(root.children.map(\.mid)) == [mids[1], mids[2]])
        let c051 = root.children.first { $0.mid == mids[1] }!
        let c052 = root.children.first { $0.mid == mids[2] }!
        #expect(c051.children.map(\.mid) == [mids[3]])
        #expect(c052.children.map(\.mid) == [mids[4]])
    }

    @Test func lateParentMergesThreads() throws {
        let t = try TemporaryInbox()
        // children arrive first, each referring only to the parent; the root arrives last
        try t.importBytes([message("c1@x", refs: ["root@x", "p@x"], date: 3), message("c2@x", irt: "p@x", date: 4)])
        #expect(try tid(t, "c1@x") == (try tid(t, "c2@x")))
        #expect(try t.inbox.index.stats().ghosts == 2)
        try t.importBytes([message("p@x", refs: ["root@x"], date: 2), message("root@x", date: 1)])
        let all = try ["root@x", "p@x", "c1@x", "c2@x"].map { try tid(t, $0) }
        #expect(Set(all).count == 1)
        #expect(try t.inbox.index.stats().ghosts == 0)
        let forest = ThreadTree.build(try t.inbox.index.thread(tid: all[0]))
        #expect(forest.count == 1)
        #expect(forest[0].mid == "root@x")
        #expect(forest[0].children.map(\.mid) == ["p@x"])
        #expect(forest[0].children[0].children.map(\.mid) == ["c1@x", "c2@x"])
    }

    @Test func twoThreadsJoinedByALaterMessage() throws {
        let t = try TemporaryInbox()
        try t.importBytes([message("a@x", date: 1), message("b@x", date: 2)])
        #expect(try tid(t, "a@x") != (try tid(t, "b@x")))
        try t.importBytes([message("c@x", refs: ["a@x", "b@x"], date: 3)])
        #expect(try tid(t, "a@x") == (try tid(t, "b@x")))
    }

    @Test func referenceLoopsDoNotHangOrLoseMessages() throws {
        let t = try TemporaryInbox()
        try t.importBytes([
            message("x@x", refs: ["y@x"], date: 1), message("y@x", refs: ["x@x"], date: 2), message("z@x", refs: ["z@x", "x@x"], date: 3),
        ])
        let tids = try Set(["x@x", "y@x", "z@x"].map { try tid(t, $0) })
        #expect(tids.count == 1)
        let forest = ThreadTree.build(try t.inbox.index.thread(tid: tids.first!))
        #expect(forest.reduce(0) { $0 + $1.count } == 3)
    }

    @Test func missingReferencesBecomeGhostsShownInTheTree() throws {
        let t = try TemporaryInbox()
        try t.importFiles(["055", "056"].map { p in Fixtures.corpusPath(Fixtures.corpusFiles.first { $0.hasPrefix(p) }!) })
        let root = Message.parse(Fixtures.corpus(Fixtures.corpusFiles.first { $0.hasPrefix("055") }!)).primaryID!
        let forest = ThreadTree.build(try t.inbox.index.thread(tid: try tid(t, root)))
        let flat = forest.flatMap { $0.flattened() }
        #expect(flat.contains { $0.node.isGhost })
        #expect(flat.filter { !$0.node.isGhost }.count == 2)
    }

    @Test func duplicateMessageIDsAreSiblingsInTheTree() throws {
        let t = try TemporaryInbox()
        try t.importBytes([message("d@x", subject: "one", date: 1), message("d@x", subject: "two", date: 2)])
        let rows = try t.inbox.index.messages(mid: "d@x")
        #expect(rows.count == 2)
        let forest = ThreadTree.build(try t.inbox.index.thread(tid: rows[0].tid))
        #expect(forest.reduce(0) { $0 + $1.count } == 2)
    }

    @Test func subjectIDsGroupLooseMatches() throws {
        let t = try TemporaryInbox()
        try t.importBytes([
            message("s1@x", subject: "[PATCH] fix the thing", date: 1), message("s2@x", subject: "Re: [PATCH] fix the thing.", date: 2),
        ])
        let a = try #require(try t.inbox.index.messages(mid: "s1@x").first)
        let b = try #require(try t.inbox.index.messages(mid: "s2@x").first)
        #expect(a.tid != b.tid)
        #expect(a.sid == b.sid)
        #expect(try t.inbox.index.looseMatches(sid: a.sid!, excludingTid: a.tid).map(\.mid) == ["s2@x"])
        #expect(SubjectPath.normalized("Re: RE: Foo...") == "RE: Foo")
        #expect(SubjectPath.path("Re: [PATCH] hello world") == "_patch_hello_world")
    }
}
