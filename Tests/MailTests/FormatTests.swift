import Foundation
import Mail
import Support
import TestSupport
import Testing

/// mbox variants, mboxrd output, digests, Message-ID escaping.
@Suite struct FormatTests {
    func split(_ data: [UInt8], _ format: MboxFormat) throws -> [MboxEntry] {
        let path = NSTemporaryDirectory() + "mbox-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: path, contents: Data(data))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var out: [MboxEntry] = []
        try MboxReader(fd: fd, format: format).forEach { out.append($0) }
        return out
    }

    @Test func mboxrdRoundTripsRealMessagesByteForByte() throws {
        let files = Fixtures.corpusFiles.prefix(20)
        var tricky = Array(
            "From: a@example.org\nSubject: quoting\nMessage-ID: <q@example.org>\n\nFrom the start\n>From once\n>>From twice\n".utf8)
        tricky += Array("text\n".utf8)
        let originals = files.map(Fixtures.corpus) + [tricky]
        let mbox = originals.flatMap(MboxrdWriter.entry)
        let back = try split(mbox, .mboxrd)
        #expect(back.count == originals.count)
        for (a, b) in zip(originals, back) { #expect(a == b.bytes) }
    }

    /// `raw` of a large message streams through the encoder piece by piece: every piece size
    /// gives the entry the whole message gives, for every fixture.
    @Test func mboxrdEntriesAreTheSameInPieces() throws {
        let crafted = Array(
            "From someone Mon Jan  1 00:00:00 2001\r\nSubject: x\r\nStatus: RO\r\n continued\r\nLines: 3\r\n\r\nFrom body\r\n>From q\r\nlast"
                .utf8)
        var dropped = MboxrdWriter.Encoder(dropping: ["status", "lines"], skipsFromLine: true)
        let expected = MboxrdWriter.separator + Array("Subject: x\n\n>From body\n>>From q\nlast\n\n".utf8)
        #expect(dropped.encode(crafted[...]) + dropped.finish() == expected)
        let all = Fixtures.corpusFiles.map(Fixtures.corpus) + Fixtures.syntheticFiles.map(Fixtures.synthetic) + [crafted, []]
        #expect(all.count > 80)
        for (n, raw) in all.enumerated() {
            for (dropping, skips) in [(Set<String>(), false), (["status", "lines", "content-length"], true)] {
                var whole = MboxrdWriter.Encoder(dropping: dropping, skipsFromLine: skips)
                let expected = whole.encode(raw[...]) + whole.finish()
                for size in [1, 2, 7, 64, 4096] {
                    var e = MboxrdWriter.Encoder(dropping: dropping, skipsFromLine: skips)
                    var out: [UInt8] = []
                    var i = 0
                    while i < raw.count {
                        out += e.encode(raw[i..<min(raw.count, i + size)])
                        i += size
                    }
                    out += e.finish()
                    #expect(out == expected, "message \(n), pieces of \(size)")
                }
            }
        }
    }

    @Test func mboxoAndMboxcl2() throws {
        let m1 = Array("From: a@example.org\nSubject: one\n\n>From here\nbody\n".utf8)
        let m2 = Array("From: b@example.org\nSubject: two\n\nFrom inside a cl2 body\n".utf8)
        let sep1 = Array("From a@example.org Mon Jan  6 10:00:00 2020\n".utf8)
        let mboxo =
            sep1 + m1 + [0x0A]
            + Array("From b@example.org Tue Jan  7 11:00:00 2020\n".utf8) + Array("From: b@example.org\nSubject: two\n\nbody two\n".utf8)
        let o = try split(mboxo, .mboxo)
        #expect(o.count == 2)
        #expect(String(decoding: o[0].bytes, as: UTF8.self).contains("\nFrom here\n"))
        #expect(o[0].receivedAt == 1_578_304_800)
        #expect(o[1].offset == sep1.count + m1.count + 1)
        let body2 = "From inside a cl2 body\n"
        let cl2Msg = Array("From: b@example.org\nSubject: two\nContent-Length: \(body2.utf8.count)\n\n\(body2)".utf8)
        let cl2 = Array("From x Mon Jan  6 10:00:00 2020\n".utf8) + cl2Msg + [0x0A] + Array("From y Mon Jan  6 10:00:00 2020\n".utf8) + m2
        let c = try split(cl2, .mboxcl2)
        #expect(c.count == 2)
        #expect(c[0].bytes == cl2Msg)
        _ = m2
    }

    @Test func headersCanKeepOnlySomeFields() {
        let block = ArraySlice(
            Array("From: a\nCONTENT-TYPE: text/plain;\n charset=x\nX-Junk: y\n\tmore\nContent-Disposition: inline\n".utf8))
        let some = Headers.parse(block, only: ["content-type", "content-disposition"])
        #expect(some.fields.map(\.name) == ["CONTENT-TYPE", "Content-Disposition"])
        #expect(some.first("Content-Type") == "text/plain; charset=x")
        #expect(Headers.parse(block).fields.count == 4)
    }

    @Test func gitBlobIDsMatchGit() throws {
        let bytes = Fixtures.corpus("028-patch-single.eml")
        let expected = try Command.run(["git", "hash-object", Fixtures.corpusPath("028-patch-single.eml")]).text.trimmingASCIIWhitespace()
        #expect(Digest.gitBlobID(bytes) == expected)
        #expect(Digest.sha1Hex(Array("abc".utf8)) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        var h = SHA256()
        h.update("abc")
        #expect(Digest.hex(h.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var long = SHA256()
        long.update([UInt8](repeating: 0x61, count: 1_000_000))
        #expect(Digest.hex(long.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func messageIDsInURLs() {
        #expect(MessageID.urlEscape("20200319091407.1481-1-joro@8bytes.org") == "20200319091407.1481-1-joro@8bytes.org")
        #expect(MessageID.urlEscape("a/b c%d#e?f<g>\"") == "a%2Fb%20c%25d%23e%3Ff%3Cg%3E%22")
        #expect(MessageID.urlEscape("ü@x") == "%C3%BC@x")
        #expect(MessageID.urlUnescape("joro%408bytes.org") == "joro@8bytes.org")
        #expect(MessageID.urlUnescape(MessageID.urlEscape("a/b c%d#e?f<g>\"'ü")) == "a/b c%d#e?f<g>\"'ü")
        #expect(MessageID.urlUnescape("bad%zz%4") == "bad%zz%4")
    }

    @Test func storingStripsWhatPublicInboxStrips() throws {
        let raw = Array(
            "From: a@example.org\nStatus: RO\nX-Status: A\nSubject: s\nLines: 2\nContent-Length: 10\n\tcontinued\nMessage-ID: <s@x>\n\nbody\n"
                .utf8)
        let m = Message.parse(raw)
        let stripped = try #require(m.removingHeaders(droppedOnImport))
        #expect(String(decoding: stripped, as: UTF8.self) == "From: a@example.org\nSubject: s\nMessage-ID: <s@x>\n\nbody\n")
        // public-inbox 1.9's V2Writable also drops the MDA's delivery headers (lore's older epochs kept them)
        let real = try #require(Message.parse(Fixtures.corpus("028-patch-single.eml")).removingHeaders(droppedOnImport))
        let headers = Message.parse(real).headers
        #expect(headers.all("Delivered-To").isEmpty && headers.all("X-Original-To").isEmpty)
        #expect(headers.fields.count == Message.parse(Fixtures.corpus("028-patch-single.eml")).headers.fields.count - 4)
        #expect(Message.parse(Fixtures.synthetic("no-message-id.eml")).removingHeaders(droppedOnImport) == nil)
    }

    @Test func appendedMessageIDGoesLastInTheHeader() {
        let m = Message.parse(Array("From: a@example.org\nMessage-ID: <x@y>\n\nbody\n".utf8))
        let out = Message.parse(m.appendingMessageID("new@z"))
        #expect(out.messageIDs == ["x@y", "new@z"])
        #expect(String(decoding: out.raw, as: UTF8.self) == "From: a@example.org\nMessage-ID: <x@y>\nMessage-ID: <new@z>\n\nbody\n")
    }
}
