import Mail
import TestSupport
import Testing

/// RFC corners from hand-made messages (Tests/Fixtures/synthetic/README.md says what each holds).
@Suite struct SyntheticTests {
    func parse(_ name: String) -> Message { Message.parse(Fixtures.synthetic(name)) }

    @Test func everySyntheticMessageParsesWithoutLosingBytes() {
        for f in Fixtures.syntheticFiles {
            let raw = Fixtures.synthetic(f)
            let m = Message.parse(raw)
            #expect(m.raw == raw, "\(f)")
            #expect(!m.bodyText.isEmpty || m.parts.isEmpty, "\(f)")
        }
    }

    @Test func rfc2231ContinuationsAndCharsets() {
        let names = parse("rfc2231-filename-continuations.eml").parts.compactMap(\.filename)
        #expect(names.contains("日本語-über-config.txt"))
        #expect(names.contains("very-long-plain-file-name-split-over-two-lines.bin"))
        #expect(names.contains("résumé.txt"))
    }

    @Test func groupsAreFlattenedToTheirMembers() {
        let m = parse("group-addresses.eml")
        #expect(m.to.isEmpty)
        #expect(m.cc.map(\.email) == ["bob@example.org", "carol@example.org", "dave@example.org"])
        #expect(m.cc[1].name == "Carol C. Example")
    }

    @Test(arguments: [
        ("date-two-digit-year.eml", "1997-11-21T09:55:06Z"),
        ("date-two-digit-year-2000s.eml", "2020-02-03T15:22:05Z"),
        ("date-named-zone-est.eml", "2020-02-03T15:22:05Z"),
        ("date-named-zone-pdt-and-ut.eml", "2020-07-15T17:06:00Z"),
        ("date-missing-seconds.eml", "2020-02-04T09:22:00Z"),
        ("date-no-dayname.eml", "2020-02-05T18:22:05Z"),
        ("date-military-zone.eml", "2020-02-07T08:00:00Z"),
        ("date-far-future.eml", "2101-01-01T00:00:00Z"),
    ])
    func obsoleteDateForms(file: String, expected: String) {
        #expect(parse(file).date?.iso8601 == expected)
    }

    @Test func unreadableOrMissingDatesFallBackToTheReceivedTime() {
        let fallback = MailDate(seconds: 1_600_000_000)
        for f in ["date-missing.eml", "date-obsolete-mixed.eml"] {
            let m = parse(f)
            let d = m.datestamp(fallback: fallback)
            #expect(d == fallback || (m.usableDate != nil && d.seconds > 0), "\(f)")
        }
        #expect(parse("date-missing.eml").datestamp(fallback: fallback) == fallback)
    }

    @Test func foldedHeadersAreUnfolded() {
        let m = parse("header-folded-many-lines.eml")
        #expect(
            m.subject
                == "[PATCH v9 00/42] virtio: add support for a very long subject that was folded across many lines by a broken mailer")
        #expect(m.primaryID == "folded-many-lines-1@example.org")
        #expect(m.references == (1...5).map { "a\($0)@example.org" })
    }

    @Test func firstSubjectWinsAndDuplicatesAreKept() {
        let m = parse("duplicate-subject-headers.eml")
        #expect(m.subject == "first subject header")
        #expect(m.headers.all("Subject").count == 3)
    }

    @Test func eightBitHeaders() {
        let utf8 = parse("raw-utf8-headers.eml")
        #expect(utf8.from.first?.name == "Jürgen Groß")
        #expect(utf8.subject == "Re: 答复: [PATCH] virtio: raw UTF-8 in headers — naïve café")
        let latin1 = parse("raw-latin1-headers.eml")
        #expect(latin1.subject == "Re: [PATCH] drm: raw latin-1 in header: résumé, Größe")
    }

    @Test func brokenMultipartsStillGiveTheirParts() {
        let m = parse("multipart-missing-closing-boundary.eml")
        #expect(m.parts.contains { $0.text?.contains("First part.") == true })
        #expect(m.parts.contains { $0.filename == "fix.patch" })
        let b64 = parse("damaged-base64.eml")
        #expect(b64.bodyText.hasPrefix("Hello, this text is base64 encoded.\nThis line has invalid chars"))
    }

    @Test func nestedMessagesAreWalkedButNotTakenForTheOuterOne() {
        let m = parse("nested-multipart-rfc822.eml")
        #expect(m.parts.count == 5)
        #expect(m.primaryID == "nested-rfc822-outer@example.org")
        #expect(m.parts.contains { $0.filename == "dmesg.txt" })
        #expect(Set(m.parts.map(\.index)).count == 5)
        #expect(m.parts.map(\.index).contains("2.1.1"))
    }

    @Test func noMessageIDHasNoIDs() {
        #expect(parse("no-message-id.eml").messageIDs.isEmpty)
    }

    @Test func aLyingCharsetLabelIsRecoveredAndMarked() {
        let m = parse("charset-lies-utf8-label-latin1-bytes.eml")
        #expect(m.bodyText.contains("Café crème brûlée, Größe, naïve."))
        #expect(m.mayBeMangled)
    }

    @Test func referencesRulesOfPublicInbox() {
        let m = parse("references-junk-selfref-300-byte-message-id.eml")
        #expect(m.primaryID?.utf8.count == MessageID.maxLength)
        #expect(m.references == ["root-of-junk@example.org", "AQHWo8lIfZnFKGe8nkGmhTCXwq5R3w==", "parent-of-junk@example.org"])
        #expect(m.parentID == "parent-of-junk@example.org")
    }

    @Test func gb2312AndBig5() {
        let m = parse("gb2312-encoded-words-and-body.eml")
        #expect(m.subject == "答复: 测试 [PATCH] virtio: gb2312")
        #expect(m.from.first?.name == "张伟")
        #expect(m.to.contains { $0.name == "陳大文" })
        #expect(m.bodyText == "你好，这是一封用 GB2312 编码的邮件。\n补丁已经测试过了。\n")
    }

    @Test func htmlOnlyMailHasATextRenditionWithoutMarkup() {
        let m = parse("html-only.eml")
        #expect(!m.bodyText.isEmpty)
        #expect(!m.bodyText.contains("<script"))
        #expect(!m.bodyText.contains("onerror"))
    }

    @Test func crlfMessages() {
        let m = parse("crlf-line-endings.eml")
        #expect(m.subject == "CRLF line endings ✓")
        #expect(m.bodyText.contains("Every line of this message ends with CRLF."))
    }

    @Test func hostileHeadersParseWithoutSurprises() {
        let m = parse("hostile-message-id-html-subject.eml")
        #expect(m.subject.contains("<script>"))  // kept as text; escaping is the web's job
        #expect(m.primaryID != nil)
    }

    @Test func limitsDegradeToRawInsteadOfFailing() {
        var limits = ParseLimits()
        limits.maxParts = 2
        let m = Message.parse(Fixtures.synthetic("nested-multipart-rfc822.eml"), limits: limits)
        #expect(m.parts.count == 2)
        #expect(m.problems.contains { $0.contains("MIME parts") })
        limits = ParseLimits()
        limits.maxBytes = 100
        let big = Message.parse(Fixtures.corpus("028-patch-single.eml"), limits: limits)
        #expect(big.parts.isEmpty)
        #expect(!big.problems.isEmpty)
        #expect(big.primaryID != nil)
        #expect(!big.bodyText.isEmpty)
    }
}
