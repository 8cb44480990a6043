import Foundation

/// git's "approxidate" (date.c `approxidate_str`), which public-inbox runs through
/// `git rev-parse --since=` for `d:`, `dt:` and `rt:`: `yesterday`, `2.days.ago`, `last.week`,
/// `3.months`, `last.friday`, `noon`, `2020-01-31`, `2020-01-31 12:00`, `jan.5.2020` …
/// Times are UTC (git uses the local zone; public-inbox's stored values are UTC).
public enum ApproxiDate {
    /// Unix seconds for `text` relative to `now`, nil when nothing in it is a date (git would
    /// silently answer "now").
    public static func parse(_ text: String, now: Int64) -> Int64? {
        if text.hasPrefix("@"), let n = Int64(text.dropFirst()) { return n }
        var state = State(now: now)
        let s = Array(text.utf8)
        var i = 0
        while i < s.count {
            let c = s[i]
            if isDigit(c) {
                state.pendingNumber()
                i = state.digit(s, i)
                state.touched = true
            } else if isAlpha(c) {
                i = state.alpha(s, i)
            } else {
                i += 1
            }
        }
        state.pendingNumber()
        guard state.touched else { return nil }
        return state.update(0)
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    static func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || isAlpha(c) }

    static let months = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december",
    ]
    static let weekdays = ["sundays", "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays"]
    static let numberNames = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    static let units: [(String, Int64)] = [
        ("seconds", 1), ("minutes", 60), ("hours", 3600), ("days", 86400), ("weeks", 7 * 86400),
    ]

    /// git's match_string: how many leading characters of the word at `s[i...]` match `word`
    /// (case-insensitively), 0 if the word goes on with other letters or digits.
    static func match(_ s: [UInt8], _ i: Int, _ word: String) -> Int {
        let w = Array(word.utf8)
        var n = 0
        while i + n < s.count {
            let c = s[i + n]
            if n < w.count && (c | 0x20) == w[n] { n += 1; continue }
            if !isAlnum(c) { break }
            return 0
        }
        return n
    }

    /// A broken-down UTC time; -1 for year, month or day means "not given yet".
    struct State {
        var tm: tm
        var now: tm
        var number = 0
        var touched = false

        init(now seconds: Int64) {
            var t = time_t(seconds)
            var n = Glibc.tm()
            gmtime_r(&t, &n)
            now = n
            tm = n
            tm.tm_year = -1
            tm.tm_mon = -1
            tm.tm_mday = -1
        }

        /// update_tm: fill what is unset from now, subtract `seconds`, normalise.
        @discardableResult
        mutating func update(_ seconds: Int64) -> Int64 {
            if tm.tm_mday < 0 { tm.tm_mday = now.tm_mday }
            if tm.tm_mon < 0 { tm.tm_mon = now.tm_mon }
            if tm.tm_year < 0 {
                tm.tm_year = now.tm_year
                if tm.tm_mon > now.tm_mon { tm.tm_year -= 1 }
            }
            var t = timegm(&tm) - time_t(seconds)
            gmtime_r(&t, &tm)
            return Int64(t)
        }

        mutating func pendingNumber() {
            let n = number
            guard n != 0 else { return }
            number = 0
            if tm.tm_mday < 0 && n < 32 {
                tm.tm_mday = Int32(n)
            } else if tm.tm_mon < 0 && n < 13 {
                tm.tm_mon = Int32(n - 1)
            } else if tm.tm_year < 0 {
                if n > 1969 && n < 2100 {
                    tm.tm_year = Int32(n - 1900)
                } else if n > 69 && n < 100 {
                    tm.tm_year = Int32(n)
                } else if n < 38 {
                    tm.tm_year = Int32(100 + n)
                }
            }
        }

        /// set_date: validates and stores a year-month-day; false when it is not one.
        mutating func setDate(year: Int, month: Int, day: Int, refuseFuture: Bool) -> Bool {
            guard month > 0 && month < 13 && day > 0 && day < 32 else { return false }
            var r = tm
            r.tm_mon = Int32(month - 1)
            r.tm_mday = Int32(day)
            if year == -1 {
                if !refuseFuture { return false }
                r.tm_year = now.tm_year
            } else if year >= 1970 && year < 2100 {
                r.tm_year = Int32(year - 1900)
            } else if year > 70 && year < 100 {
                r.tm_year = Int32(year)
            } else if year < 38 {
                r.tm_year = Int32(year + 100)
            } else {
                return false
            }
            if refuseFuture {
                var check = r
                if check.tm_hour < 0 { check.tm_hour = 0 }
                var nowCopy = now
                if Int64(timegm(&check)) > Int64(timegm(&nowCopy)) + 10 * 86400 { return false }
            }
            tm.tm_mon = r.tm_mon
            tm.tm_mday = r.tm_mday
            if year != -1 { tm.tm_year = r.tm_year }
            return true
        }

        /// approxidate_digit with match_multi_number: `12:30[:00]`, `2020-01-31`, `1/31/2020`, `31.1.2020`.
        mutating func digit(_ s: [UInt8], _ start: Int) -> Int {
            func readNumber(_ i: Int) -> (Int, Int) {
                var n = 0
                var j = i
                while j < s.count && ApproxiDate.isDigit(s[j]) && j - i < 12 {
                    n = n * 10 + Int(s[j] - 0x30)
                    j += 1
                }
                while j < s.count && ApproxiDate.isDigit(s[j]) { j += 1 }
                return (n, j)
            }
            let (num, end) = readNumber(start)
            if end + 1 < s.count, [UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "-")].contains(s[end]),
                ApproxiDate.isDigit(s[end + 1])
            {
                let sep = s[end]
                let (num2, e0) = readNumber(end + 1)
                var num3 = -1
                var e = e0
                if e + 1 < s.count && s[e] == sep && ApproxiDate.isDigit(s[e + 1]) { (num3, e) = readNumber(e + 1) }
                var matched = false
                if sep == UInt8(ascii: ":") {
                    if num3 < 0 { num3 = 0 }
                    if num < 25 && num2 >= 0 && num2 < 60 && num3 >= 0 && num3 <= 60 {
                        tm.tm_hour = Int32(num)
                        tm.tm_min = Int32(num2)
                        tm.tm_sec = Int32(num3)
                        matched = true
                    }
                } else {
                    if num > 70 {
                        matched = setDate(year: num, month: num2, day: num3, refuseFuture: false)
                        if !matched { matched = setDate(year: num, month: num3, day: num2, refuseFuture: false) }
                    }
                    if !matched && sep != UInt8(ascii: ".") {
                        matched = setDate(year: num3, month: num, day: num2, refuseFuture: true)
                    }
                    if !matched { matched = setDate(year: num3, month: num2, day: num, refuseFuture: true) }
                    if !matched && sep == UInt8(ascii: ".") {
                        matched = setDate(year: num3, month: num, day: num2, refuseFuture: true)
                    }
                }
                if matched { return e }
            }
            if s[start] != UInt8(ascii: "0") || end - start <= 2 { number = num }
            return end
        }

        /// approxidate_alpha: month and weekday names, yesterday/noon/midnight/tea/am/pm/now/never,
        /// number words, `last`, and units (`2.days` subtracts two days; `ago` is ignored).
        mutating func alpha(_ s: [UInt8], _ start: Int) -> Int {
            var end = start + 1
            while end < s.count && ApproxiDate.isAlpha(s[end]) { end += 1 }
            for (i, m) in ApproxiDate.months.enumerated() where ApproxiDate.match(s, start, m) >= 3 {
                tm.tm_mon = Int32(i)
                touched = true
                return end
            }
            for name in ["yesterday", "noon", "midnight", "tea", "pm", "am", "never", "now"]
            where ApproxiDate.match(s, start, name) == name.utf8.count {
                special(name)
                touched = true
                return end
            }
            if number == 0 {
                for i in 1..<11 where ApproxiDate.match(s, start, ApproxiDate.numberNames[i]) == ApproxiDate.numberNames[i].utf8.count {
                    number = i
                    touched = true
                    return end
                }
                if ApproxiDate.match(s, start, "last") == 4 {
                    number = 1
                    touched = true
                }
                return end
            }
            for (unit, seconds) in ApproxiDate.units where ApproxiDate.match(s, start, unit) >= unit.utf8.count - 1 {
                update(seconds * Int64(number))
                number = 0
                touched = true
                return end
            }
            for (i, d) in ApproxiDate.weekdays.enumerated() where ApproxiDate.match(s, start, d) >= 3 {
                var n = number - 1
                number = 0
                var diff = Int(tm.tm_wday) - i
                if diff <= 0 { n += 1 }
                diff += 7 * n
                update(Int64(diff) * 86400)
                touched = true
                return end
            }
            if ApproxiDate.match(s, start, "months") >= 5 {
                update(0)
                // git steps back a year at a time; counted here, so that `999999999999.months`
                // neither spins nor runs tm_year out of range
                var n = Int(tm.tm_mon) - number
                number = 0
                if n < 0 {
                    let years = (11 - n) / 12
                    n += 12 * years
                    tm.tm_year = Int32(clamping: Int(tm.tm_year) - years)
                }
                tm.tm_mon = Int32(n)
                touched = true
                return end
            }
            if ApproxiDate.match(s, start, "years") >= 4 {
                update(0)
                tm.tm_year = Int32(clamping: Int(tm.tm_year) - number)
                number = 0
                touched = true
            }
            return end
        }

        mutating func special(_ name: String) {
            switch name {
            case "yesterday":
                number = 0
                update(86400)
            case "noon", "midnight", "tea":
                let hour: Int32 = name == "noon" ? 12 : name == "tea" ? 17 : 0
                let before: Int32 = name == "noon" ? 12 : name == "tea" ? 17 : 6
                if tm.tm_hour < before { special("yesterday") }
                tm.tm_hour = hour
                tm.tm_min = 0
                tm.tm_sec = 0
            case "pm", "am":
                var hour = Int(tm.tm_hour)
                if number != 0 {
                    hour = number
                    tm.tm_min = 0
                    tm.tm_sec = 0
                }
                number = 0
                tm.tm_hour = Int32(hour % 12 + (name == "pm" ? 12 : 0))
            case "never":
                var t: time_t = 0
                gmtime_r(&t, &tm)
                number = 0
            default:  // now
                number = 0
            }
        }
    }
}
