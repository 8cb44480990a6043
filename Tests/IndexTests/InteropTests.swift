import Foundation
import Index
import Mail
import Store
import Support
import TestSupport
import Testing

/// Against the real public-inbox (Debian package `public-inbox`, installed by .ci/run):
/// it indexes and serves what Tidings wrote, and Tidings indexes what it wrote.
@Suite(.serialized) struct InteropTests {
    static let scripts: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("scripts/interop").path
    }()

    func env(_ t: TemporaryInbox) -> [String: String] {
        ["PI_CONFIG": t.config.path, "HOME": t.root, "PI_DIR": t.root + "/.pi"]
    }

    @Test func publicInboxIndexesAndServesATidingsInbox() throws {
        let t = try TemporaryInbox()
        let s = try t.importFiles(Fixtures.corpusFiles.map(Fixtures.corpusPath) + Fixtures.syntheticFiles.map(Fixtures.syntheticPath))
        try Subprocess.run(["public-inbox-index", t.inbox.config.dir], environment: env(t))
        let count = try Subprocess.text(
            ["sqlite3", t.inbox.config.dir + "/msgmap.sqlite3", "SELECT count(*) FROM msgmap"], environment: env(t))
        #expect(Int(count) == s.imported)
        let over = try Subprocess.text(
            ["sqlite3", t.inbox.config.dir + "/xap15/over.sqlite3", "SELECT count(*) FROM over WHERE num > 0"], environment: env(t))
        #expect(Int(over) == s.imported)
        // and serves a message byte for byte (raw is mboxrd: compare the body of the entry)
        let entry = try #require(Fixtures.manifest.first { $0.file.hasPrefix("028") })
        let out = try Subprocess.run(
            ["perl", InteropTests.scripts + "/pi-get.pl", "/test/\(MessageID.urlEscape(entry.messageID))/raw"], environment: env(t))
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.hasPrefix("200\n"))
        let original = String(decoding: Fixtures.corpus(entry.file), as: UTF8.self)
        #expect(text.contains(original.split(separator: "\n", omittingEmptySubsequences: false).suffix(20).joined(separator: "\n")))
    }

    @Test func tidingsIndexesAPublicInboxInbox() throws {
        let t = try TemporaryInbox()
        let files = Fixtures.corpusFiles.map(Fixtures.corpusPath)
        let written = try Subprocess.text(["perl", InteropTests.scripts + "/pi-write.pl", "test"] + files, environment: env(t))
        let s = try Importer(inbox: t.inbox).catchUp()
        #expect(s.imported == Int(written))
        // public-inbox stored 037-039 (reused Message-ID) too; both tools agree on what is there
        let piCount = try Subprocess.text(
            ["sqlite3", t.inbox.config.dir + "/msgmap.sqlite3", "SELECT count(*) FROM msgmap"], environment: env(t))
        #expect(Int(piCount) == s.imported)
        for e in Fixtures.manifest where !e.features.contains("dup-message-id") {
            let rows = try t.inbox.index.messages(mid: e.messageID)
            #expect(rows.count == 1, "\(e.file)")
            if let r = rows.first { #expect(try t.inbox.raw(r) == Fixtures.stored(e.file), "\(e.file)") }
        }
        // a second index run has nothing to do
        #expect(try Importer(inbox: t.inbox).catchUp().imported == 0)
    }
}
