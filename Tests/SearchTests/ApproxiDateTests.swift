import Foundation
import Index
import Testing

@Suite struct ApproxiDateTests {
    /// What `git rev-parse --since=TEXT` makes of `text` at `now`, in UTC.
    func git(_ text: String, now: Int64) throws -> Int64? {
        let dir = NSTemporaryDirectory() + "tidings-approxidate-\(UUID().uuidString)"
        _ = try SearchFixture.git(["init", "-q", "--bare", dir])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = try SearchFixture.git(
            ["--git-dir=" + dir, "rev-parse", "--since=" + text], environment: ["TZ": "UTC", "GIT_TEST_DATE_NOW": "\(now)"])
        return out.split(separator: "=").last.flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    @Test func matchesGit() throws {
        let forms = [
            "yesterday", "2.days.ago", "2.days", "last.week", "2.weeks.ago", "3.months.ago", "1.year.ago", "last.friday",
            "friday", "2.friday", "sunday", "noon", "midnight", "now", "5pm", "2020-01-01", "2020-01-01 10:30:00", "2020-01-01.10:30",
            "2019/12/31", "12/31/2019", "31.12.2019", "jan.5.2020", "5.jan.2020", "december", "10.hours.ago",
            "30.minutes.ago", "three.days.ago", "last.month", "1.month.ago", "2020.01.02",
        ]
        for now: Int64 in [SearchFixture.now, 1_577_880_000 + 3 * 3600, 1_609_459_199] {
            for f in forms {
                // git answers "now" for what it cannot read; this answers nil (a 400 in a query)
                #expect((ApproxiDate.parse(f, now: now) ?? now) == (try git(f, now: now)), "\(f) at \(now)")
            }
        }
        #expect(ApproxiDate.parse("foo", now: SearchFixture.now) == nil)
        #expect(ApproxiDate.parse("@1234567", now: SearchFixture.now) == 1_234_567)
    }

    @Test func publicInboxRanges() throws {
        let now = SearchFixture.now
        let day: Int64 = 86400
        let jan1 = DateRange.civil(2020, 1, 1, 0, 0, 0)!
        func r(_ p: String, _ v: String) throws -> DateRange {
            guard case .range(let x) = try SearchQuery.parse("\(p):\(v)", now: now).root else { throw CancellationError() }
            return x
        }
        #expect(try r("d", "20200101") == DateRange(column: .date, lower: jan1, upper: jan1 + 2 * day - 1))
        #expect(try r("d", "2020-01-01..2020-01-31") == DateRange(column: .date, lower: jan1, upper: jan1 + 31 * day - 1))
        #expect(try r("d", "2020-01-01..") == DateRange(column: .date, lower: jan1, upper: nil))
        #expect(try r("d", "..20200101") == DateRange(column: .date, lower: nil, upper: jan1 + day - 1))
        #expect(try r("d", "last.week..") == DateRange(column: .date, lower: now - 7 * day, upper: nil))
        #expect(try r("d", "yesterday") == DateRange(column: .date, lower: now - day, upper: now))
        #expect(try r("d", "20200101..yesterday") == DateRange(column: .date, lower: jan1, upper: now - day))
        #expect(try r("dt", "20200101123000") == DateRange(column: .date, lower: jan1 + 45000, upper: jan1 + 45000 + day))
        #expect(try r("dt", "20200101000000..20200102000000") == DateRange(column: .date, lower: jan1, upper: jan1 + day))
        #expect(try r("rt", "1577836800..") == DateRange(column: .received, lower: jan1, upper: nil))
        #expect(try r("rt", "2.days.ago..") == DateRange(column: .received, lower: now - 2 * day, upper: nil))
        #expect(try r("rt", "1577836800") == DateRange(column: .received, lower: jan1, upper: jan1 + day))
    }
}
