// approxidate (git's date.c, for `d:`, `dt:`, `rt:` ranges) and the date ranges built on it:
// no input may trap, a range is built or refused with a ParseError, and a time approxidate
// gives back is read again, written as `YYYY-MM-DD hh:mm:ss`, as the same time.
import FuzzSupport
@testable import Index
import Mail

let now: Int64 = 1_600_000_000

runFuzzer { raw in
    let text = String(decoding: raw, as: UTF8.self)
    // (git's approxidate reads years 1970-2099)
    if let t = ApproxiDate.parse(text, now: now), t >= 0, t < 4_102_444_800 {
        let c = UTCCalendar.components(t)
        do {
            func p2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            let iso = "\(c.year)-\(p2(c.month))-\(p2(c.day)) \(p2(c.hour)):\(p2(c.minute)):\(p2(c.second))"
            let back = ApproxiDate.parse(iso, now: now)
            check(back == t, "\(show(text)) is \(t) = \(iso), read back as \(String(describing: back))")
        }
    }
    for prefix in ["d", "dt", "rt"] {
        do {
            let r = try DateRange.parse(prefix: prefix, text, now: now)
            check(r.lower != nil || r.upper != nil, "\(prefix):\(show(text)): a range without bounds")
        } catch is SearchQuery.ParseError {
        } catch {
            check(false, "\(prefix):\(show(text)) threw \(error)")
        }
    }
}
