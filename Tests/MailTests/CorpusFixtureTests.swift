@testable import Mail
import TestSupport
import Testing

/// Every committed real message parses to what the manifest (computed independently with
/// Python's email library) says.
@Suite struct CorpusFixtureTests {
    @Test func manifestCoversTheFixtures() {
        #expect(Fixtures.manifest.count == Fixtures.corpusFiles.count)
        #expect(Fixtures.manifest.count >= 50)
    }

    @Test(arguments: Fixtures.manifest.map(\.file))
    func parsesLikeTheManifest(file: String) throws {
        let entry = try #require(Fixtures.manifest.first { $0.file == file })
        let m = Message.parse(Fixtures.corpus(file))
        #expect(m.primaryID == entry.messageID)
        #expect(m.subject == entry.subject)
        #expect(m.from.first?.email.lowercased() == entry.fromAddress.lowercased())
        if !entry.inReplyTo.isEmpty {
            #expect(m.parentID == entry.inReplyTo || m.references.contains(entry.inReplyTo))
        }
        #expect(m.problems.isEmpty)
        #expect(!m.parts.isEmpty)
        #expect(!m.bodyText.isEmpty)
        #expect(m.date != nil)
    }

    /// The fast path reads the same parts and text as GMime, on every real (and every synthetic,
    /// hostile) message: every field of every leaf it reads.
    @Test(arguments: Fixtures.corpusFiles.map(Fixtures.corpusPath) + Fixtures.syntheticFiles.map(Fixtures.syntheticPath))
    func fastPathMatchesTheParser(path: String) {
        let raw = Fixtures.bytes(path)
        let (headerEnd, bodyStart) = headerBoundary(raw)
        let gmime = MIMETree.parse(raw, limits: .default, quick: false)
        if headerEnd <= ParseLimits.default.maxHeaderBytes {
            #expect(Message.bodyText(of: raw) == Message.bodyText(parts: gmime.parts, body: raw[bodyStart...]))
        }
        #expect(Message.bodyText(of: raw) == Message.parse(raw).bodyText)
        if let quick = QuickBody.parts(raw) {
            #expect(quick == gmime.parts)
            #expect(gmime.problems.isEmpty)
        }
    }

    @Test func quickBodyTakesOnlySimpleShapes() {
        func q(_ s: String) -> String? { QuickBody.text(Array(s.utf8)) }
        #expect(q("Subject: x\n\nhello\n") == "hello\n")
        let qp = "Content-Type: text/plain; charset=\"ISO-8859-1\"\nContent-Transfer-Encoding: quoted-printable\n\ncaf=E9 =\nau lait\n"
        #expect(q(qp) == "café au lait\n")
        #expect(q("Content-Type: TEXT/PLAIN\nContent-Transfer-Encoding: base64\n\naGVs\nbG8=\n") == "hello")
        let mixed =
            "Content-Type: multipart/mixed; boundary=\"b\"\n\npre\n--b\nContent-Type: text/plain\n\none\n--b\n"
            + "Content-Type: text/plain; charset=\"us-ascii\"\nContent-Disposition: inline\n\ntwo\n--b--\nepilogue\n"
        #expect(q(mixed) == "one\ntwo")
        // left to GMime: attachments, other types, broken encodings, RFC 2231, unclosed multiparts
        #expect(q(mixed.replacingOccurrences(of: "Disposition: inline", with: "Disposition: attachment")) == nil)
        #expect(q(mixed.replacingOccurrences(of: "--b--", with: "")) == nil)
        #expect(q("Content-Type: text/html\n\n<p>x</p>\n") == nil)
        #expect(q("Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVs!bG8=\n") == nil)
        #expect(q("Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\na=ZZb\n") == nil)
        #expect(q("Content-Type: text/plain; charset*=utf-8''x\n\nx\n") == nil)
        #expect(q("Content-Type: text/plain\nContent-Type: text/html\n\nx\n") == nil)
        // most real messages take the quick path
        let quick = Fixtures.corpusFiles.filter { QuickBody.text(Fixtures.stored($0)) != nil }
        #expect(quick.count * 2 > Fixtures.corpusFiles.count)
        // a charset label with a comment or spaces is GMime's to read
        #expect(q("Content-Type: text/plain; charset=us-ascii (plain)\n\nx\n") == nil)
    }

    @Test func encodedWordsAcrossCharsets() {
        let iso2022 = Message.parse(Fixtures.corpus("002-subj-iso2022jp-b-folded.eml"))
        #expect(iso2022.subject.hasPrefix("RE: [PATCH RFC] virtio_balloon"))
        let latin2 = Message.parse(Fixtures.corpus("003-from-iso8859-2-b.eml"))
        #expect(latin2.from.first?.name.unicodeScalars.contains { $0.value > 127 } == true)
        let cjk = Message.parse(Fixtures.corpus("006-from-utf8-b-cjk.eml"))
        #expect(cjk.from.first?.name.unicodeScalars.contains { $0.value > 0x3000 } == true)
    }

    @Test func bodyCharsetsDecodeWithoutReplacementCharacters() {
        for file in ["008-body-iso2022jp.eml", "009-body-windows1252-qp.eml", "010-body-iso8859-2-qp.eml", "011-body-iso8859-15-qp.eml"] {
            let m = Message.parse(Fixtures.corpus(file))
            #expect(!m.bodyText.contains("\u{FFFD}"), "\(file)")
            #expect(!m.mayBeMangled, "\(file)")
            #expect(m.bodyText.unicodeScalars.contains { $0.value > 127 }, "\(file) has non-ASCII text")
        }
        let jp = Message.parse(Fixtures.corpus("008-body-iso2022jp.eml"))
        #expect(jp.bodyText.unicodeScalars.contains { (0x3040...0x30FF).contains($0.value) || (0x4E00...0x9FFF).contains($0.value) })
    }

    @Test func lyingOrUnknownCharsetsAreMarkedNotLost() {
        let unknown = Message.parse(Fixtures.corpus("025-broken-charset-a.eml"))
        #expect(!unknown.bodyText.isEmpty)
        let invalid = Message.parse(Fixtures.corpus("026-broken-utf8-invalid-byte.eml"))
        #expect(invalid.mayBeMangled)
        #expect(!invalid.bodyText.isEmpty)
        let noCharset = Message.parse(Fixtures.corpus("027-broken-8bit-no-charset.eml"))
        #expect(!noCharset.bodyText.isEmpty)
    }

    @Test func attachmentsAreListedWithNamesAndDecodedBytes() throws {
        let m = Message.parse(Fixtures.corpus("021-attached-x-patch.eml"))
        let patch = try #require(m.parts.first { $0.filename != nil })
        #expect(patch.index != "1")
        #expect(patch.bytes.count > 100)
        let gz = Message.parse(Fixtures.corpus("024-kbuild-config-gz-attachment.eml"))
        let config = try #require(gz.parts.first { $0.filename?.hasSuffix(".gz") == true })
        #expect(config.bytes.starts(with: [0x1f, 0x8b]))
    }

    @Test func htmlAlternativePrefersThePlainPart() {
        let m = Message.parse(Fixtures.corpus("014-html-alternative-utf8.eml"))
        #expect(m.parts.contains { $0.contentType == "text/html" })
        #expect(!m.bodyText.contains("<html"))
        #expect(!m.bodyText.contains("<div"))
    }

    @Test func signedMessagesShowTheSignedText() {
        let m = Message.parse(Fixtures.corpus("017-pgp-signed.eml"))
        #expect(m.parts.contains { $0.contentType == "application/pgp-signature" })
        #expect(!m.bodyText.isEmpty)
    }

    @Test func patchesAreRecognised() throws {
        let m = Message.parse(Fixtures.corpus("028-patch-single.eml"))
        let lines = BodyLines(m.bodyText)
        let terms = lines.terms
        #expect(!terms.fileNames.isEmpty)
        #expect(!terms.added.isEmpty || !terms.removed.isEmpty)
        #expect(lines.lines.contains { $0.kind == .hunkHeader })
        // a review quoting a diff: the diff is quoted text, not a diff of this message
        let review = BodyLines(Message.parse(Fixtures.corpus("031-reviewed-by-quoting-diff.eml")).bodyText)
        #expect(review.lines.contains { $0.kind == .quote })
        #expect(review.lines.contains { $0.text.hasPrefix("Reviewed-by:") && $0.kind == .text })
    }

    @Test func referencesWithJunkKeepOnlyIDs() {
        let m = Message.parse(Fixtures.corpus("045-references-junk-id.eml"))
        for r in m.references { #expect(!r.contains(" ")) }
        let gnus = Message.parse(Fixtures.corpus("046-irt-gnus-comment.eml"))
        #expect(gnus.parentID != nil)
        #expect(gnus.parentID?.contains("(") == false)
    }
}
