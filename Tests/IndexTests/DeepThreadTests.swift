import Foundation
import Index
import Mail
import TestSupport
import Testing

/// Threads as deep as mail can make them (issue 18): `ThreadTree.build` and every walk of its
/// tree are loops, the tree is at most `ThreadTree.maxDepth` levels deep, and every message is
/// in it exactly once. Before, 7,000 References overflowed the stack of `tidings serve`.
@Suite struct DeepThreadTests {
    static let replies = 100_000

    /// An overview row to copy: a real message imported into a temporary inbox.
    static func template() throws -> OverviewRow {
        let t = try TemporaryInbox()
        try t.importBytes([
            Array("From: A <a@example.org>\nSubject: s\nDate: Mon, 6 Jan 2020 10:00:00 +0000\nMessage-ID: <t@x>\n\nb\n".utf8)
        ])
        return try #require(try t.inbox.index.messages(mid: "t@x").first)
    }

    /// `count` rows, each replying to the one before; dated oldest first or newest first.
    static func chain(_ count: Int, from template: OverviewRow, newestFirst: Bool = false, firstNum: Int64 = 1) -> [OverviewRow] {
        (0..<count).map { i in
            var r = template
            r.num = firstNum + Int64(i)
            r.mid = DeepThreadMail.chainMid(i)
            r.refsText = i == 0 ? "" : DeepThreadMail.chainMid(i - 1)
            r.ds = Int64(newestFirst ? count - i : i)
            return r
        }
    }

    /// A chain of 100,000 replies in memory, in either date order: one tree, every message once
    /// and in chain order, drawn down to `maxDepth` and the rest at it, under the reply at
    /// `maxDepth - 1`; a second copy of one Message-ID right after it. On main this crashed.
    @Test(arguments: [false, true]) func aHundredThousandRepliesInOneChain(newestFirst: Bool) throws {
        let n = Self.replies
        var rows = Self.chain(n, from: try Self.template(), newestFirst: newestFirst)
        var copy = rows[50_000]
        copy.num = Int64(n + 1)
        rows.append(copy)
        let start = ContinuousClock.now
        let forest = ThreadTree.build(rows)
        let took = ContinuousClock.now - start
        #expect(forest.count == 1)
        let root = try #require(forest.first)
        #expect(root.mid == DeepThreadMail.chainMid(0))
        #expect(root.count == n + 1)
        let flat = root.flattened()
        #expect(flat.count == n + 1)
        #expect(flat.allSatisfy { !$0.node.isGhost })
        #expect(Set(flat.compactMap { $0.node.row?.num }).count == n + 1)
        #expect(flat.map(\.depth).max() == ThreadTree.maxDepth)
        // chain order; the copy right after the message it copies, at the same level
        let order = flat.map(\.node.mid)
        let expected = (0...50_000).map(DeepThreadMail.chainMid) + (50_000..<n).map(DeepThreadMail.chainMid)
        #expect(order == expected)
        for (i, e) in flat.enumerated() where e.depth != min(i, ThreadTree.maxDepth) {
            Issue.record("entry \(i) <\(e.node.mid)> at depth \(e.depth)")
            break
        }
        var deepest = root
        for _ in 0..<(ThreadTree.maxDepth - 1) { deepest = deepest.children[0] }
        #expect(deepest.mid == DeepThreadMail.chainMid(ThreadTree.maxDepth - 1))
        #expect(deepest.children.count == n + 1 - ThreadTree.maxDepth)
        #expect(deepest.children.allSatisfy { $0.children.isEmpty })
        #expect(root.contains(mid: DeepThreadMail.chainMid(n - 1)))
        #expect(!root.contains(mid: "nowhere@deep"))
        // each link is checked from whichever end is near: walking down from the child alone
        // (main) was 5 billion steps newest first, walking up alone as many oldest first
        #expect(took < .seconds(30), "\(took)")
        print("ThreadTree.build of \(n + 1) rows, newest first \(newestFirst): \(took)")
    }

    /// 100,000 References of messages never sent: `maxDepth` ghosts down to the message, not
    /// 100,000 (in a forest with the chain: both trees whole).
    @Test func aHundredThousandReferences() throws {
        let t = try Self.template()
        var r = t
        r.num = 1
        r.mid = DeepThreadMail.referencesMid
        r.refsText = (0..<100_000).map(DeepThreadMail.ref).joined(separator: " ")
        let forest = ThreadTree.build([r] + Self.chain(1000, from: t, firstNum: 2))
        #expect(forest.count == 2)
        let refs = try #require(forest.first { $0.contains(mid: DeepThreadMail.referencesMid) })
        #expect(refs.mid == DeepThreadMail.ref(0))
        let flat = refs.flattened()
        #expect(flat.count == ThreadTree.maxDepth + 1)
        #expect(flat.map(\.node.mid) == (0..<ThreadTree.maxDepth).map(DeepThreadMail.ref) + [DeepThreadMail.referencesMid])
        #expect(flat.map(\.depth) == Array(0...ThreadTree.maxDepth))
        #expect(refs.count == 1)
        #expect(forest.reduce(0) { $0 + $1.count } == 1001)
    }

    /// Through the real commands: `deliver` takes the 100,000-References message (exit 0),
    /// `import` an mbox reply chain, and `tidings thread` prints both, indented at most
    /// `maxDepth` levels (main: exit 139, SIGSEGV).
    @Test func deliverImportAndPrintDeepThreads() throws {
        let t = try TemporaryInbox()
        let config = t.config.path
        let start = ContinuousClock.now
        let delivered = try Command.run(
            [Command.tidings, "deliver", "test", "--config", config], input: DeepThreadMail.references(100_000))
        #expect(delivered.status == 0, "\(delivered.stderr)")
        let deliverTime = ContinuousClock.now - start
        let n = DeepThreadTests.importedReplies
        let mbox = try DeepThreadMail.write(DeepThreadMail.chain(n), name: "chain.mbox")
        defer { try? FileManager.default.removeItem(atPath: mbox) }
        let imported = try Command.run([Command.tidings, "import", "test", mbox, "--config", config])
        #expect(imported.status == 0, "\(imported.stderr)")
        let importTime = ContinuousClock.now - start - deliverTime
        #expect(try t.inbox.index.stats().ghosts == 100_000)

        let refs = try Command.run([Command.tidings, "thread", "test", DeepThreadMail.referencesMid, "--config", config])
        #expect(refs.status == 0, "exit \(refs.status): \(refs.stderr)")
        let refLines = refs.text.split(separator: "\n")
        #expect(refLines.count == 1 + ThreadTree.maxDepth + 1)
        #expect(refLines.dropFirst().dropLast().allSatisfy { $0.contains("[not found]") })
        #expect(refLines.last.map { Self.indent($0) } == 2 * ThreadTree.maxDepth)
        #expect(refs.stdout.count < 64 * 1024, "\(refs.stdout.count) bytes")

        let chain = try Command.run([Command.tidings, "thread", "test", DeepThreadMail.chainMid(n - 1), "--config", config])
        #expect(chain.status == 0, "exit \(chain.status): \(chain.stderr)")
        let lines = chain.text.split(separator: "\n").dropFirst()
        #expect(lines.count == n)
        #expect(lines.map(Self.indent).max() == 2 * ThreadTree.maxDepth)
        #expect(lines.last?.hasSuffix(" *") == true)
        print("deliver of 100,000 References: \(deliverTime); import of \(n) replies: \(importTime); thread: \(chain.stdout.count) bytes")
    }

    /// The chain imported through `tidings import`
    static let importedReplies = 3000

    static func indent(_ line: Substring) -> Int { line.prefix { $0 == " " }.count }
}
