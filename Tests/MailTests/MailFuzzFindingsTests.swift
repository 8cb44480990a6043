import Foundation
import Mail
import TestSupport
import Testing

/// Inputs scripts/fuzz.sh found bugs with (Tests/Fixtures/fuzz, minimised), run through the
/// code that failed on them.
@Suite struct MailFuzzFindingsTests {
    /// A junk first line (no colon) in the header block: the snippet reader took the
    /// Content-Type after it, GMime did not, so search snippets and the page showed different
    /// text (found by `fuzz.sh message` from a corpus message whose `Return-Path:` line was
    /// mangled). Such mail is now left to GMime: both give the page's text.
    @Test func junkHeaderLineBodyTextAgrees() {
        let raw = Fixtures.fuzz("message-junk-header-line.eml")
        let page = Message.parse(raw).bodyText
        #expect(Message.bodyText(of: raw) == page)
        #expect(page == "\u{FF}")  // GMime reads the byte as Latin-1 under an unknown label
        // without the junk line both readers see the same header, and agree as before
        let clean = Array(raw.drop(while: { $0 != 0x0A }).dropFirst())
        #expect(Message.bodyText(of: clean) == Message.parse(clean).bodyText)
    }
}

extension MailFuzzFindingsTests {
    /// A `From ` line dated in the year 199999999999970 (`fuzz.sh mbox`, from a fixture mbox):
    /// the calendar arithmetic overflowed and trapped, stopping `tidings import` of the whole
    /// mailbox. A date no calendar has is no date: the message is read, without one.
    @Test func fromLineYearBeyondAnyCalendarIsNoDate() throws {
        let path = Fixtures.root + "/fuzz/mbox-from-line-year-overflow.mbox"
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        var entries: [MboxEntry] = []
        try MboxReader(fd: fd, format: .mboxrd).forEach { entries.append($0) }
        #expect(
            entries.map { String(decoding: $0.bytes, as: UTF8.self) } == [
                "Subject: one\n\nfirst\n", "Subject: two\n\nsecond\n", "Subject: three\n\nthird\n",
            ])
        #expect(
            entries.map(\.receivedAt) == [nil, nil, UTCCalendar.seconds(year: 2020, month: 3, day: 21, hour: 10, minute: 14, second: 7)])
    }

    /// `?t=00101001000000` (year 10) written back as `101001000000` was another time: the
    /// compact form keeps four digits of year.
    @Test func compactDatesKeepFourYearDigits() {
        for (year, text) in [(10, "00101001000000"), (999, "09991001000000"), (2020, "20201001000000")] {
            let d = MailDate(seconds: UTCCalendar.seconds(year: year, month: 10, day: 1, hour: 0, minute: 0, second: 0))
            #expect(d.compact == text)
        }
    }
}
