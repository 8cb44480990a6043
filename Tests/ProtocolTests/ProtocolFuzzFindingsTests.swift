import Foundation
import TestSupport
import Testing

@testable import Protocols

/// What fuzzing the IMAP and NNTP command parsers found (Tests/Fixtures/fuzz, FUZZING.md): each
/// trapped, taking `tidings serve` down with every client of every protocol.
@Suite struct ProtocolFuzzFindingsTests {
    /// `a {-2}` (no login needed) read past the line; a literal of 2^63-1 bytes overflowed.
    @Test func negativeAndHugeLiteralsAreSyntaxErrors() throws {
        for name in ["imap-negative-literal.txt", "imap-literal-overflow.txt"] {
            #expect(throws: IMAPToken.ParseError.self, "\(name)") { try IMAPToken.parse(Fixtures.fuzz(name)) }
        }
        #expect(IMAPSession.literalAnnounced(Fixtures.fuzz("imap-negative-literal.txt")) == nil)
        #expect(IMAPSession.literalAnnounced(Array("a LOGIN {2+}".utf8))?.count == 2)
        #expect(try IMAPToken.parse(Array("a {2}\r\nxy".utf8)) == [.atom("a"), .string("xy")])
    }

    /// IMAP SEARCH after any LOGIN: `LARGER 9223372036854775807` trapped on `n + 1`, a SENTON
    /// year of 17 digits overflowed the seconds (found by `scripts/fuzz.sh imap`, 2026-12-08).
    @Test func searchSizesAndDatesAtTheirLimits() throws {
        let larger = try SearchCriteria.parse(IMAPToken.parse(Fixtures.fuzz("imap-search-larger-largest.txt")))
        #expect("\(larger)".contains("none"))
        #expect(throws: SearchCriteria.Failure.self) {
            try SearchCriteria.parse(IMAPToken.parse(Fixtures.fuzz("imap-search-date-huge-year.txt")))
        }
        #expect(SearchCriteria.parseDate("1-Jan-2020") == 1_577_836_800)
        #expect(SearchCriteria.parseDate("1-Jan-10000") == nil)
    }

    /// NEWGROUPS with digits of other scripts (`½`, `٣`) passed `isNumber`, then `Int(…)!` trapped.
    @Test func newgroupsTimesAreASCIIDigits() {
        let words = String(decoding: Fixtures.fuzz("nntp-newgroups-unicode-digits.txt"), as: UTF8.self).split(separator: " ")
        #expect(NNTPSession.parseTime(String(words[0]), String(words[1]), nil) == nil)
        #expect(NNTPSession.parseTime("20200101", "000000", "GMT") == 1_577_836_800)
    }
}
