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

    /// The mbox reader keeps at most the limit of a message, whether its lines are short or one
    /// line never ends, counts the rest, and reads the messages after it whole.
    @Test func mboxReaderKeepsAtMostTheLimitOfAMessage() throws {
        let before = Array("From: a <a@example.org>\nSubject: before\n\nbefore\n".utf8)
        let after = Array("From: c <c@example.org>\nSubject: after\n\nafter\n".utf8)
        var huge = Array("From: b <b@example.org>\nSubject: huge\n\n".utf8)
        huge += Array(String(repeating: String(repeating: "y", count: 99) + "\n", count: 1000).utf8)
        huge += [UInt8](repeating: 0x7A, count: 100_000) + [0x0A]
        let separator = Array("From x@example.org Mon Jan  1 00:00:00 2024\n".utf8)
        let mbox: [UInt8] = [before, huge, after].flatMap { separator + $0 + [0x0A] }
        let path = NSTemporaryDirectory() + "tidings-mbox-" + UUID().uuidString
        FileManager.default.createFile(atPath: path, contents: Data(mbox))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for bufferSize in [4096, 1 << 20] {
            let fd = open(path, O_RDONLY)
            defer { close(fd) }
            var entries: [MboxEntry] = []
            try MboxReader(fd: fd, format: .mboxrd, bufferSize: bufferSize, maxMessageBytes: 10_000).forEach { entries.append($0) }
            #expect(entries.map(\.bytes) == [before, Array(huge.prefix(10_000)), after])
            #expect(entries.map(\.size) == [before.count, huge.count, after.count])
            #expect(entries.map(\.isTruncated) == [false, true, false])
        }
        // a Content-Length of 10^18 costs what the input holds
        let cl = separator + Array("From: d <d@example.org>\nContent-Length: 1000000000000000000\n\nshort body\n".utf8)
        FileManager.default.createFile(atPath: path, contents: Data(cl))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var entries: [MboxEntry] = []
        try MboxReader(fd: fd, format: .mboxcl2, bufferSize: 4096, maxMessageBytes: 10_000).forEach { entries.append($0) }
        #expect(entries.map(\.bytes) == [Array(cl.dropFirst(separator.count))])
    }

    /// A gzipped mbox (~1 MB) whose middle message inflates to 1 GiB, half of it in 1,000-byte
    /// lines and half one line without an end: before, `tidings import` peaked at 3.18 GB and
    /// copied 1.1 GB into rejected/. Now the message is cut at the limit (32 MiB by default),
    /// its first 32 MiB kept aside with the reason, and the messages around it imported.
    @Test func aGzipBombMessageIsCutAtTheLimit() throws {
        let t = try TemporaryInbox()
        let mbox = t.root + "/bomb.mbox.gz"
        let script = """
            L=$(printf 'y%.0s' $(seq 1 999))
            {
              printf 'From a@example.org Mon Jan  1 00:00:00 2024\\nFrom: a <a@example.org>\\nSubject: before\\n'
              printf 'Message-ID: <before@example.org>\\n\\nbefore\\n\\n'
              printf 'From b@example.org Mon Jan  1 00:00:01 2024\\nFrom: b <b@example.org>\\nSubject: bomb\\n'
              printf 'Message-ID: <bomb@example.org>\\n\\n'
              yes "$L" | head -c 536870912
              head -c 536870912 /dev/zero | tr '\\0' z
              printf '\\n\\nFrom c@example.org Mon Jan  1 00:00:02 2024\\nFrom: c <c@example.org>\\nSubject: after\\n'
              printf 'Message-ID: <after@example.org>\\n\\nafter\\n'
            } | gzip -9 > "$0"
            """
        let made = try Command.run(["sh", "-c", script, mbox], timeout: 600)
        #expect(made.status == 0, "\(made.stderr)")
        let r = try PeakRSS.run([Command.tidings, "import", "test", mbox, "--config", t.config.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.peakMiB < 400, "peak RSS \(r.peakMiB) MiB")
        for mid in ["before@example.org", "after@example.org"] { #expect(try t.inbox.index.has(mid: mid), "\(mid)") }
        #expect(try !t.inbox.index.has(mid: "bomb@example.org"))
        let kept = try Importer.rejectedMaildir(t.inbox.config).messagePaths()
        #expect(kept.count == 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: try #require(kept.first))
        #expect((attributes[.size] as? Int) == Importer.defaultMaxMessageSize)
        let why = try #require(try t.inbox.index.rejected(limit: 10).first).reason
        #expect(why.contains("too large: 10737"), "\(why)")
        #expect(why.contains("its first \(Importer.defaultMaxMessageSize) bytes kept in \(kept[0])"), "\(why)")
        #expect(r.stderr.contains("too large"))
    }

    /// `deliver` reads no more of stdin than the limit and a byte: a 1 GiB message is refused
    /// with EX_DATAERR, its first 32 MiB kept aside and recorded, in bounded memory.
    @Test func deliverReadsNoMoreThanTheLimit() throws {
        let t = try TemporaryInbox()
        let script = """
            L=$(printf 'y%.0s' $(seq 1 999))
            { printf 'From: b <b@example.org>\\nSubject: bomb\\nMessage-ID: <bomb@example.org>\\n\\n'; yes "$L" | head -c 1073741824; } |
              "$0" deliver test --config "$1"
            """
        let r = try PeakRSS.run(["/bin/sh", "-c", script, Command.tidings, t.config.path])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.peakMiB < 250, "peak RSS \(r.peakMiB) MiB")
        #expect(r.stderr.contains("too large: more than \(Importer.defaultMaxMessageSize) bytes"), "\(r.stderr)")
        let kept = try Importer.rejectedMaildir(t.inbox.config).messagePaths()
        #expect(kept.count == 1)
        let keptPath = try #require(kept.first)
        let bytes = try #require(FileManager.default.contents(atPath: keptPath))
        #expect(bytes.count == Importer.defaultMaxMessageSize)
        #expect(bytes.starts(with: Data("From: b <b@example.org>\nSubject: bomb\n".utf8)))
        #expect(try Delivery.emergencyMaildir(t.inbox.config).messagePaths().isEmpty)
        #expect(try t.inbox.index.stats().rejected == 1)
        #expect(try !t.inbox.index.has(mid: "bomb@example.org"))
    }

    /// `/bin/ls` and random binaries are refused as not mail (kept aside, recorded; EX_DATAERR
    /// from deliver), while real mail of odd shapes still is mail: an mbox `From ` line before
    /// the headers, a blank before a colon, CRLF line ends, an mbox that starts with a blank line.
    @Test func inputThatIsNotMailIsRefusedAndKeptAside() throws {
        let t = try TemporaryInbox()
        var rng = SplitMix(state: 18)
        let randoms = [7, 512, 4096, 65536, 300_000].map { n in (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        let ls = [UInt8](try #require(FileManager.default.contents(atPath: "/bin/ls")))
        let odd: [[UInt8]] = [
            Array("From s@example.org Mon Jan  1 00:00:00 2024\nFrom: s <s@example.org>\nMessage-ID: <env@example.org>\n\nb\n".utf8),
            Array("Subject : obsolete syntax\nFrom: o <o@example.org>\nMessage-ID: <obs@example.org>\n\nb\n".utf8),
            Array("From: r <r@example.org>\r\nMessage-ID: <crlf@example.org>\r\n\r\nb\r\n".utf8),
        ]
        let leadingBlank = t.root + "/leading-blank.mbox"
        let mbox = "\nFrom l@example.org Mon Jan  1 00:00:00 2024\nFrom: l <l@example.org>\nMessage-ID: <lead@example.org>\n\nb\n"
        FileManager.default.createFile(atPath: leadingBlank, contents: Data(mbox.utf8))
        let sources: [MessageSource] =
            [.file(path: "/bin/ls")] + randoms.enumerated().map { .bytes($0.element, origin: "random#\($0.offset)") }
            + odd.enumerated().map { .bytes($0.element, origin: "odd#\($0.offset)") } + (try MessageSource.detect(leadingBlank))
        let s = try Importer(inbox: t.inbox).importSources(sources)
        #expect(s.imported == odd.count + 1, "\(s.rejected)")
        for mid in ["env", "obs", "crlf", "lead"] { #expect(try t.inbox.index.has(mid: mid + "@example.org"), "\(mid)") }
        let notMail = s.rejected.filter { $0.reason.hasPrefix("not mail: no header block") }
        #expect(notMail.count == 1 + randoms.count, "\(s.rejected)")
        #expect(notMail.first?.reason.contains("it begins \"\\x7fELF") == true, "\(notMail.first?.reason ?? "")")
        let kept = try Importer.rejectedMaildir(t.inbox.config).messagePaths()
        #expect(Set(kept.compactMap { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } }) == Set([ls] + randoms))
        // deliver: refused, kept aside and recorded too
        let d = try Command.run([Command.tidings, "deliver", "test", "--config", t.config.path], input: ls)
        #expect(d.status == 65, "\(d.stderr)")
        #expect(d.stderr.contains("not mail"), "\(d.stderr)")
        #expect(try Importer.rejectedMaildir(t.inbox.config).messagePaths().count == kept.count + 1)
        #expect(try Delivery.emergencyMaildir(t.inbox.config).messagePaths().isEmpty)
        #expect(try t.inbox.index.stats().rejected >= kept.count + 1)
        #expect(try t.inbox.index.stats().messages == odd.count + 1)
    }
}

/// A seeded generator, so the random binaries are the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
