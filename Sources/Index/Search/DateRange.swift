import Foundation

/// A time range of `d:`, `dt:` or `rt:`, with public-inbox's meanings (Search.pm
/// `date_parse_prepare`), as inclusive bounds in Unix seconds on `over.ds` (Date:) or
/// `over.ts` (received).
///
/// - `d:YYYYMMDD`, `d:YYYY-MM-DD`: public-inbox rewrites a single day D to the range D..D+1
///   over the day values, inclusive, so it matches two days: kept as is, for the same hits.
/// - `d:A..B`, `d:A..`, `d:..B` with days: from the start of A to the end of B.
/// - `d:` with any approxidate (`d:last.week..`, `d:yesterday`): to the second, like `dt:`;
///   day endpoints then mean midnight. A single time T means T..T+1 day.
/// - `dt:YYYYMMDDhhmmss` (or approxidate), single or ranges, to the second.
/// - `rt:` Unix seconds (5+ digits) or approxidate, on the received time; single T: T..T+1 day.
public struct DateRange: Sendable, Equatable {
    public enum Column: String, Sendable { case date = "ds", received = "ts" }
    public var column: Column
    public var lower: Int64?
    public var upper: Int64?

    public init(column: Column, lower: Int64?, upper: Int64?) {
        self.column = column
        self.lower = lower
        self.upper = upper
    }

    static let day: Int64 = 86400

    /// Parses the value of prefix `d`, `dt` or `rt`.
    static func parse(prefix: String, _ value: String, now: Int64) throws -> DateRange {
        let bad = { (why: String) in SearchQuery.ParseError("\(prefix):\(value): \(why)") }
        guard !value.isEmpty else { throw bad("a date or range is needed, e.g. \(prefix):2020-01-01..2020-02-01") }
        let parts: [String]
        if let r = value.range(of: "..") {
            parts = [String(value[..<r.lowerBound]), String(value[r.upperBound...])]
            guard !(parts[0].isEmpty && parts[1].isEmpty) else { throw bad("an empty range") }
        } else {
            parts = [value]
        }
        func approx(_ s: String) throws -> Int64 {
            guard let t = ApproxiDate.parse(s, now: now) else { throw bad("'\(s)' is not a date") }
            return t
        }
        switch prefix {
        case "d":
            // every endpoint is a day (YYYYMMDD or YYYY-MM-DD) unless one is an approxidate
            let days = parts.map { p -> Int64?? in
                if p.isEmpty { return .some(nil) }
                if let d = dayStart(p) { return .some(d) }
                return .none
            }
            if let error = parts.first(where: { !$0.isEmpty && isDayLike($0) && dayStart($0) == nil }) {
                throw bad("'\(error)' is not a valid day")
            }
            if days.allSatisfy({ $0 != nil }) {
                let lo = days[0]!
                if parts.count == 1 { return DateRange(column: .date, lower: lo, upper: plus(lo!, 2 * day - 1)) }
                let hi = days[1]!
                return DateRange(column: .date, lower: lo, upper: hi.map { plus($0, day - 1) })
            }
            var bounds: [Int64?] = []
            for p in parts {
                if p.isEmpty {
                    bounds.append(nil)
                } else if p.utf8.count == 8, let d = dayStart(p) {
                    bounds.append(d)
                } else {
                    bounds.append(try approx(p))
                }
            }
            if parts.count == 1 { return DateRange(column: .date, lower: bounds[0], upper: plus(bounds[0]!, day)) }
            return DateRange(column: .date, lower: bounds[0], upper: bounds[1])
        case "dt":
            let bounds = try parts.map { p -> Int64? in
                if p.isEmpty { return nil }
                if let t = fourteenDigits(p) { return t }
                if p.utf8.count == 14 && p.allSatisfy(\.isASCIIDigitChar) { throw bad("'\(p)' is not a valid time") }
                return try approx(p)
            }
            if parts.count == 1 { return DateRange(column: .date, lower: bounds[0], upper: plus(bounds[0]!, day)) }
            return DateRange(column: .date, lower: bounds[0], upper: bounds[1])
        default:  // rt
            let bounds = try parts.map { p -> Int64? in
                if p.isEmpty { return nil }
                if p.utf8.count >= 5 && p.allSatisfy(\.isASCIIDigitChar) {
                    guard let n = Int64(p) else { throw bad("'\(p)' is too large") }
                    return n
                }
                return try approx(p)
            }
            if parts.count == 1 { return DateRange(column: .received, lower: bounds[0], upper: plus(bounds[0]!, day)) }
            return DateRange(column: .received, lower: bounds[0], upper: bounds[1])
        }
    }

    /// `t + seconds`, held at the largest time instead of overflowing (`rt:9223372036854775807`
    /// and `d:@9223372036854775807` are valid ranges that match nothing, not a crash).
    static func plus(_ t: Int64, _ seconds: Int64) -> Int64 {
        let (sum, overflow) = t.addingReportingOverflow(seconds)
        return overflow ? Int64.max : sum
    }

    /// `YYYYMMDD` or `YYYY-MM-DD` shaped (valid or not).
    static func isDayLike(_ s: String) -> Bool {
        let u = Array(s.utf8)
        if u.count == 8 { return u.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        if u.count == 10 && u[4] == UInt8(ascii: "-") && u[7] == UInt8(ascii: "-") {
            return u.enumerated().allSatisfy { $0.offset == 4 || $0.offset == 7 || ($0.element >= 0x30 && $0.element <= 0x39) }
        }
        return false
    }

    /// Midnight UTC of a valid `YYYYMMDD` or `YYYY-MM-DD` day.
    static func dayStart(_ s: String) -> Int64? {
        guard isDayLike(s) else { return nil }
        let digits = s.filter(\.isASCIIDigitChar)
        let y = Int(digits.prefix(4))!
        let m = Int(digits.dropFirst(4).prefix(2))!
        let d = Int(digits.suffix(2))!
        return civil(y, m, d, 0, 0, 0)
    }

    static func fourteenDigits(_ s: String) -> Int64? {
        guard s.utf8.count == 14, s.allSatisfy(\.isASCIIDigitChar) else { return nil }
        let n = s.map { Int($0.asciiValue! - 0x30) }
        func v(_ a: Int, _ len: Int) -> Int { n[a..<(a + len)].reduce(0) { $0 * 10 + $1 } }
        return civil(v(0, 4), v(4, 2), v(6, 2), v(8, 2), v(10, 2), v(12, 2))
    }

    /// Unix seconds of a valid UTC date and time, nil when a field is out of range.
    public static func civil(_ y: Int, _ m: Int, _ d: Int, _ hh: Int, _ mm: Int, _ ss: Int) -> Int64? {
        // years beyond a billion would overflow the seconds (an IMAP SEARCH date of 12 digits did)
        guard y >= 1, y <= 1_000_000_000, m >= 1, m <= 12, d >= 1, hh < 24, mm < 60, ss <= 60 else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d <= lengths[m - 1] else { return nil }
        // days from civil (Howard Hinnant)
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = Int64(era * 146097 + doe - 719468)
        return days * day + Int64(hh * 3600 + mm * 60 + ss)
    }
}

extension Character {
    var isASCIIDigitChar: Bool { isASCII && isNumber }
}
