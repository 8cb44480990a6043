import Foundation
import Index
import Mail
import Store
import Support
import TestSupport
import Testing

/// Input shaped to break ingest (issue 18): control characters meant for commit metadata, a
/// gzip bomb, abandoned temporary packs, input that is not mail.
@Suite struct HostileIngestTests {
    /// A Subject with NUL, CR, tab, ESC and other C0 characters, a From name with C0 and DEL:
    /// the commits stay clean for `transfer.fsckObjects` (before: "nulInCommit", the clone
    /// failed), the blob is the input byte for byte.
    @Test func controlCharactersNeverReachCommits() throws {
        let t = try TemporaryInbox()
        var raw = Array("From: \"Na\u{1}me\u{1B}\u{7F}\" <name@example.org>\nSubject: one".utf8)
        raw += [0] + Array("two\r three\u{1}four\u{1B}[31m\tfive\n".utf8)
        raw += Array("Message-ID: <nul@example.org>\nDate: Mon, 29 Apr 2019 00:00:00 +0000\n\nBody.\n".utf8)
        let s = try t.importBytes([raw])
        #expect(s.imported == 1, "\(s.rejected)")
        let epoch = t.inbox.repository.epochPath(0)
        let commit = try Command.run(["git", "--git-dir=\(epoch)", "cat-file", "commit", "refs/heads/master"]).stdout
        let headAndMessage = commit.split(separator: 0x0A, omittingEmptySubsequences: false)
        for line in headAndMessage {
            #expect(!line.contains { $0 < 0x20 || $0 == 0x7F }, "control character in \(String(decoding: line, as: UTF8.self))")
        }
        let text = String(decoding: commit, as: UTF8.self)
        #expect(text.contains("\nauthor Na me <name@example.org> 1556496000 +0000\n"), "\(text)")
        #expect(text.contains("\none two three four [31m five\n"), "\(text)")
        let fsck = try Command.run(["git", "--git-dir=\(epoch)", "fsck", "--strict"])
        #expect(fsck.status == 0 && fsck.stderr.isEmpty, "\(fsck.stderr)")
        // over a transport (file://), as a mirror with transfer.fsckObjects clones it
        let mirror = t.root + "/mirror.git"
        let clone = try Command.run(["git", "-c", "transfer.fsckObjects=true", "clone", "-q", "--mirror", "file://" + epoch, mirror])
        #expect(clone.status == 0, "\(clone.stderr)")
        let row = try #require(try t.inbox.index.messages(mid: "nul@example.org").first)
        #expect(try t.inbox.raw(row) == raw)
    }

    /// Temporary packs left by a killed or disk-full run are removed by the next write run; one
    /// written a minute ago (a fetch outside the lock may own it) is left alone.
    @Test func abandonedTemporaryPacksAreRemoved() throws {
        let t = try TemporaryInbox()
        let pack = t.inbox.repository.epochPath(0) + "/objects/pack/"
        try FileManager.default.createDirectory(atPath: pack, withIntermediateDirectories: true)
        let stale = ["tmp_pack_Ab12Cd", "tmp_idx_Ab12Cd", "tmp_rev_Ef34Gh"].map { pack + $0 }
        let fresh = pack + "tmp_pack_Zz99Yy"
        for p in stale + [fresh] {
            #expect(FileManager.default.createFile(atPath: p, contents: Data(repeating: 0x50, count: 4096)))
        }
        for p in stale {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: p)
        }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: fresh)
        let s = try t.importBytes([craftedMessage(["From: a <a@example.org>", "Subject: s", "Message-ID: <p@example.org>"])])
        #expect(s.imported == 1)
        for p in stale { #expect(!FileManager.default.fileExists(atPath: p), "\(p)") }
        #expect(FileManager.default.fileExists(atPath: fresh))
        // a delivery (another write run) removes it once it is old too
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: fresh)
        let d = Delivery.deliver(
            craftedMessage(["From: b <b@example.org>", "Subject: t", "Message-ID: <q@example.org>"]), to: "test", config: t.config)
        #expect(d.status == .ok, "\(d.messages)")
        #expect(!FileManager.default.fileExists(atPath: fresh))
    }
}
