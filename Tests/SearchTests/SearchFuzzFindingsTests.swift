import Foundation
import Index
import Mail
import TestSupport
import Testing

/// Inputs scripts/fuzz.sh found bugs with (Tests/Fixtures/fuzz, minimised), run through the
/// query parser and the index as a search request runs them.
@Suite struct SearchFuzzFindingsTests {
    /// `rt:9223372036854775807` (`fuzz.sh date`): the end of the one-day range overflowed and
    /// trapped, taking the whole server down with one search. It is a valid range that
    /// matches nothing.
    @Test func largestTimeIsARangeNotACrash() throws {
        let t = String(decoding: Fixtures.fuzz("date-rt-largest-time.txt"), as: UTF8.self)
        for prefix in ["rt", "d", "dt"] {
            let q = prefix == "rt" ? "rt:\(t)" : "\(prefix):@\(t)"
            let query = try SearchQuery.parse(q, now: SearchFixture.now)
            let column: DateRange.Column = prefix == "rt" ? .received : .date
            #expect(query.root == .range(DateRange(column: column, lower: Int64.max, upper: Int64.max)), "\(q)")
            #expect(try SearchFixture.index.search(query).total == 0, "\(q)")
        }
        // and from the other end: everything up to the largest time is everything
        let all = try SearchFixture.index.search(SearchQuery.parse("rt:..\(t)", now: SearchFixture.now)).total
        #expect(all == (try SearchFixture.index.stats().messages))
    }
}

extension SearchFuzzFindingsTests {
    /// A hunk header with a negative line count (found while writing `fuzz.sh body`, which
    /// then crashed on it): the count was run down past Int.min and trapped, in the page's
    /// body classification, in indexing and in the patch id. A count has digits only, as in
    /// git: it is no hunk header, the lines after it are prose, and the patch still has an id.
    @Test func negativeHunkCountIsNoHunk() throws {
        let raw = Fixtures.fuzz("body-negative-hunk-count.patch")
        let text = String(decoding: raw, as: UTF8.self)
        #expect(BodyLines.hunkCounts("@@ -1,-9223372036854775808 +1 @@") == nil)
        #expect(BodyLines.hunkCounts("@@ -1,+5 +1 @@") == nil)
        #expect(BodyLines.hunkCounts("@@ -1,5 +1,6 @@ f()")! == (5, 6))
        let kinds = BodyLines(text).lines.map(\.kind)
        #expect(kinds == [.diffHeader, .diffHeader, .diffHeader, .text, .text])
        let id = try #require(PatchID.stable(text))
        #expect(id == (try SearchFixture.git(["patch-id", "--stable"], input: raw)).split(separator: " ").first.map(String.init))
        // the message with it in its body indexes and is found
        let inbox = try TemporaryInbox()
        let message = craftedMessage(["Subject: [PATCH] x", "Message-ID: <negative-hunk@fuzz>"], body: text)
        #expect(try inbox.importBytes([message]).imported == 1)
        #expect(try inbox.inbox.index.search(SearchQuery.parse("dfn:x", now: SearchFixture.now)).total == 1)
    }
}

extension SearchFuzzFindingsTests {
    /// `9999999920year` and `99999999926month` (`fuzz.sh date`): the year went past Int32 and
    /// trapped (months after ~2 s of stepping back one year at a time), one search taking the
    /// server down. Now read at once, and as git reads them where git's answer is defined: a
    /// year before 1900 is git's "no year given", i.e. this year.
    @Test func hugeCountsOfYearsAndMonthsDoNotTrap() throws {
        let now = SearchFixture.now
        for name in ["date-years-beyond-int32.txt", "date-months-beyond-int32.txt"] {
            let text = String(decoding: Fixtures.fuzz(name), as: UTF8.self)
            let started = ContinuousClock.now
            #expect(ApproxiDate.parse(text, now: now) != nil, "\(text)")
            #expect(ContinuousClock.now - started < .milliseconds(100), "\(text)")
            for q in ["d:\(text)..", "rt:..\(text)", "dt:\(text)"] {
                _ = try SearchFixture.index.search(SearchQuery.parse(q, now: now))
            }
        }
        let years = String(decoding: Fixtures.fuzz("date-years-beyond-int32.txt"), as: UTF8.self)
        #expect(ApproxiDate.parse(years, now: now) == (try ApproxiDateTests().git(years, now: now)))
        #expect(ApproxiDate.parse("14.months.ago", now: now) == DateRange.civil(2019, 4, 15, 12, 0, 0))
    }
}

extension SearchFuzzFindingsTests {
    /// A NUL in a phrase (`fuzz.sh query`): FTS5 took it for the end of the string and SQLite
    /// refused the query ("unterminated string"), a server error for `?q=%22a%00b%22`. It
    /// separates words now, as the tokenizer reads it in mail.
    @Test func nulInAPhraseSeparatesWords() throws {
        let q = String(decoding: Fixtures.fuzz("query-nul-in-phrase.txt"), as: UTF8.self)
        let withNUL = try SearchFixture.index.search(SearchQuery.parse(q, now: SearchFixture.now))
        let withSpace = try SearchFixture.index.search(
            SearchQuery.parse(q.replacingOccurrences(of: "\0", with: " "), now: SearchFixture.now))
        #expect(withNUL == withSpace)
        for text in ["a\0b", "\"virtio\0balloon\"", "s:\"x\0\" OR b:y\0*"] {
            _ = try SearchFixture.index.search(SearchQuery.parse(text, now: SearchFixture.now))
        }
    }
}
