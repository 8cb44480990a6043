import Foundation
import Index
import Mail
import TestSupport
import Testing

@testable import Web

/// Every page that draws a thread answers for the deepest threads mail can make (issue 18), on
/// a real server on loopback: one message with 100,000 References, and a reply chain imported
/// from an mbox. Pages indent at most `ThreadTree.maxDepth` levels, so their size grows with
/// the messages shown, not with the depth; the server answers the next request. On main the
/// first of these pages crashed the server (SIGSEGV: the stack overflowed).
@Suite struct DeepThreadWebTests {
    static let replies = 1000

    @Test func deepThreadPagesAnswerAndStayBounded() async throws {
        let t = try TemporaryInbox(name: "deep", address: "deep@example.org")
        let mbox = try DeepThreadMail.write(DeepThreadMail.chain(Self.replies), name: "chain.mbox")
        defer { try? FileManager.default.removeItem(atPath: mbox) }
        try Importer(inbox: t.inbox).importSources(try MessageSource.detect(mbox))
        try t.importBytes([DeepThreadMail.references(100_000)])
        let server = try await LiveServer.start(site: Site(inboxes: [t.inbox]))
        defer { server.stop() }

        let refs = URLs.mid(DeepThreadMail.referencesMid)
        let last = URLs.mid(DeepThreadMail.chainMid(Self.replies - 1))
        // (path, most bytes): the References message's pages hold one message and its ghosts
        let pages: [(String, Int)] = [
            ("/deep/\(refs)/", 256 << 10), ("/deep/\(refs)/T/", 256 << 10), ("/deep/\(refs)/t/", 256 << 10),
            ("/all/\(refs)/", 256 << 10), ("/all/\(refs)/t/", 256 << 10),
            ("/deep/\(last)/", Self.replies * 1024), ("/deep/\(last)/T/", Self.replies * 4096), ("/deep/\(last)/t/", Self.replies * 4096),
            ("/deep/", 256 << 10), ("/all/", 256 << 10), ("/deep/?q=deep&x=t", 1 << 20), ("/all/?q=deep&x=t", 1 << 20),
        ]
        for (path, most) in pages {
            let start = ContinuousClock.now
            let r = try await RawSocket.get(port: server.port, path, timeout: 120)
            let took = ContinuousClock.now - start
            #expect(r.status == 200, "\(path)")
            #expect(r.body.count < most, "\(path): \(r.body.count) bytes")
            // indentation: a pad link's 19 columns and two a level, at most `maxDepth` levels
            #expect(Self.longestSpaceRun(r.body) <= 19 + 2 * ThreadTree.maxDepth, "\(path)")
            print("\(path): \(r.body.count) bytes in \(took)")
        }
        // the ghosts of 100,000 References: `maxDepth` of them, each its own entry
        let page = try await RawSocket.get(port: server.port, "/deep/\(refs)/t/")
        let ghosts = String(decoding: page.body, as: UTF8.self).components(separatedBy: "[parent not found: ").count - 1
        #expect(ghosts == ThreadTree.maxDepth)
        // every reply of the chain is on its thread page once
        let flat = String(decoding: try await RawSocket.get(port: server.port, "/deep/\(last)/T/").body, as: UTF8.self)
        for i in [0, ThreadTree.maxDepth, Self.replies - 1] {
            #expect(flat.components(separatedBy: "id=m\(URLs.anchor(DeepThreadMail.chainMid(i)))>").count == 2, "reply \(i)")
        }
        // still serving
        #expect(try await RawSocket.get(port: server.port, "/deep/").status == 200)
        #expect(try await RawSocket.get(port: server.port, "/deep/\(refs)/raw").status == 200)
    }

    /// The longest run of spaces in `bytes`.
    static func longestSpaceRun(_ bytes: [UInt8]) -> Int {
        var longest = 0
        var run = 0
        for b in bytes {
            run = b == UInt8(ascii: " ") ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest
    }
}
