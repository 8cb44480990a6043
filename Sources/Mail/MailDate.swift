import CGMime

/// A point in time as a message states it: Unix seconds and the sender's UTC offset.
public struct MailDate: Sendable, Equatable, Hashable, Comparable {
    public var seconds: Int64
    /// Offset from UTC in minutes (+0100 → 60).
    public var offsetMinutes: Int

    public init(seconds: Int64, offsetMinutes: Int = 0) {
        self.seconds = seconds
        self.offsetMinutes = offsetMinutes
    }

    public static func < (a: MailDate, b: MailDate) -> Bool { a.seconds < b.seconds }

    /// Parses an RFC 5322 date, tolerating the obsolete forms (two-digit years, zone names,
    /// missing seconds or day name). Nil when nothing sensible can be read.
    public static func parse(_ raw: String) -> MailDate? {
        _ = GMimeRuntime.ready
        let trimmed = raw.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty, let dt = trimmed.withCString({ g_mime_utils_header_decode_date($0) }) else {
            return nil
        }
        defer { g_date_time_unref(dt) }
        let secs = Int64(g_date_time_to_unix(dt))
        let offset = Int(g_date_time_get_utc_offset(dt) / 60_000_000)
        // GMime answers the epoch for some strings it could not read
        if secs == 0 && !trimmed.contains("1970") { return nil }
        return MailDate(seconds: secs, offsetMinutes: offset)
    }

    /// `git`'s raw date form: `SECONDS +HHMM`.
    public var gitRaw: String { "\(seconds) \(zoneString)" }

    /// `+HHMM` / `-HHMM`.
    public var zoneString: String {
        let sign = offsetMinutes < 0 ? "-" : "+"
        let m = abs(offsetMinutes)
        return sign + pad2(m / 60) + pad2(m % 60)
    }

    /// `YYYY-MM-DD hh:mm:ss` in UTC.
    public var utcString: String {
        let c = UTCCalendar.components(seconds)
        return "\(c.year)-\(pad2(c.month))-\(pad2(c.day)) \(pad2(c.hour)):\(pad2(c.minute)):\(pad2(c.second))"
    }

    /// RFC 3339 / Atom form, UTC (`2020-03-19T09:14:07Z`).
    public var iso8601: String {
        let c = UTCCalendar.components(seconds)
        return "\(c.year)-\(pad2(c.month))-\(pad2(c.day))T\(pad2(c.hour)):\(pad2(c.minute)):\(pad2(c.second))Z"
    }

    /// `YYYYMMDDhhmmss` in UTC (public-inbox's paging and search form).
    public var compact: String {
        let c = UTCCalendar.components(seconds)
        // four digits for the year, as the form is read back (`?t=00101001000000`: found by fuzz.sh route)
        let year = (0..<1000).contains(c.year) ? String(String(c.year + 10000).dropFirst()) : String(c.year)
        return "\(year)\(pad2(c.month))\(pad2(c.day))\(pad2(c.hour))\(pad2(c.minute))\(pad2(c.second))"
    }

    /// RFC 5322 form in UTC (`Thu, 19 Mar 2020 09:14:07 +0000`).
    public var rfc5322UTC: String {
        let c = UTCCalendar.components(seconds)
        let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let dow = days[Int(((seconds / 86400) % 7 + 7) % 7)]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(dow), \(pad2(c.day)) \(months[c.month - 1]) \(c.year) \(pad2(c.hour)):\(pad2(c.minute)):\(pad2(c.second)) +0000"
    }
}

func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

/// Civil-date arithmetic in UTC (no Foundation calendar on the hot path).
public enum UTCCalendar {
    public struct Components: Sendable, Equatable {
        public var year, month, day, hour, minute, second: Int
    }

    public static func components(_ seconds: Int64) -> Components {
        let days = Int(floorDiv(seconds, 86400))
        let rem = Int(seconds - Int64(days) * 86400)
        // Howard Hinnant's civil_from_days
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return Components(year: m <= 2 ? y + 1 : y, month: m, day: d, hour: rem / 3600, minute: rem % 3600 / 60, second: rem % 60)
    }

    /// Unix seconds of a UTC civil time.
    public static func seconds(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
}
