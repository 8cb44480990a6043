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
}
