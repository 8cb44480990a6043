import Mail
import Support

/// How Tidings writes Message-IDs, file names, anchors and times into URLs and pages, the way
/// public-inbox does so that links stay interchangeable.
public enum URLs {
    /// A Message-ID as a URL path segment (public-inbox's `mid_escape`; `@`, `+` … kept).
    public static func mid(_ mid: String) -> String { MessageID.urlEscape(mid) }

    /// A Message-ID as the first segment of a relative link (`MID/`, `MID/T/#u`, `PREFIX` + `MID/`):
    /// `mid`, with `./` in front when the segment holds a `:`, so that no link to a message can be
    /// read as a scheme (`<javascript:alert(1)//@x>` → `./javascript:alert(1)%2F%2F@x/`). Every
    /// link whose prefix may be empty is built with it.
    public static func relativeMid(_ mid: String) -> String {
        let esc = MessageID.urlEscape(mid)
        return esc.utf8.contains(UInt8(ascii: ":")) ? "./" + esc : esc
    }

    /// A Message-ID from a URL path segment (raw, still %-escaped): `%XX` decoded, `+` kept.
    public static func unescapeMid(_ segment: Substring) -> String { MessageID.urlUnescape(String(segment)) }

    /// The anchor id suffix public-inbox uses for a message on thread pages (`m…`, `e…`, `r…`).
    public static func anchor(_ mid: String) -> String { Digest.sha1Hex(Array(mid.utf8)) }

    /// `urn:uuid:` from the SHA-1 of `s` (public-inbox's Atom ids).
    public static func uuid(_ s: String) -> String {
        let h = Array(Digest.sha1Hex(Array(s.utf8)).utf8)
        func part(_ a: Int, _ b: Int) -> String { String(decoding: h[a..<b], as: UTF8.self) }
        return "urn:uuid:\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }

    /// Longest file name made from a subject (git format-patch cuts at 64; a 1 MB Subject
    /// must not become a 1 MB `Content-Disposition` header).
    public static let maxFilenameBytes = 100

    /// git's `%f`-like file name from a subject (public-inbox's `to_filename`), nil when empty;
    /// at most `maxFilenameBytes`.
    public static func filename(fromSubject subject: String) -> String? {
        let line = subject.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        var out: [UInt8] = []
        var inRun = false
        for b in line.utf8 {
            if out.count >= maxFilenameBytes + 2 { break }  // + room for leading '-' or '.' trimmed below
            let ok = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2E
            if ok {
                if b == 0x2E, out.last == 0x2E { continue }  // squeeze ".."
                out.append(b)
                inRun = false
            } else if !inRun {
                out.append(UInt8(ascii: "-"))
                inRun = true
            }
        }
        while let f = out.first, f == 0x2E || f == 0x2D { out.removeFirst() }
        if out.count > maxFilenameBytes { out.removeLast(out.count - maxFilenameBytes) }
        while let l = out.last, l == 0x2E || l == 0x2D { out.removeLast() }
        return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
    }

    /// A subject with one leading `Re: ` removed (raw's file name).
    public static func strippingOneRe(_ s: String) -> String {
        let t = s.trimmingASCIIWhitespace()
        guard t.count >= 3, t.prefix(3).lowercased() == "re:" else { return t }
        let rest = t.dropFirst(3)
        guard let f = rest.first, f == " " || f == "\t" else { return t }
        return String(rest.drop(while: { $0 == " " || $0 == "\t" }))
    }

    /// An attachment's name as it may appear in a URL (public-inbox's `$FN` rule), else
    /// `a.txt` / `a.bin`.
    public static func attachmentName(_ filename: String?, contentType: String) -> String {
        if let fn = filename, fn.utf8.count >= 3 {
            let b = Array(fn.utf8)
            func alnum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
            if alnum(b[0]), alnum(b[b.count - 1]), b.allSatisfy({ alnum($0) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E }) { return fn }
        }
        return contentType == "text/plain" ? "a.txt" : "a.bin"
    }

    /// public-inbox's `fmt_ts`: `2024-01-01  9:00` (UTC, hour space-padded).
    public static func shortTime(_ seconds: Int64) -> String {
        var out: [UInt8] = []
        shortTime(seconds, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `shortTime` appended to page bytes (skeletons write one per message).
    public static func shortTime(_ seconds: Int64, into out: inout [UInt8]) {
        let c = UTCCalendar.components(seconds)
        let zero = UInt8(ascii: "0")
        func two(_ n: Int, pad: UInt8) {
            out.append(n < 10 ? pad : zero + UInt8(n / 10 % 10))
            out.append(zero + UInt8(n % 10))
        }
        if c.year >= 1000 && c.year <= 9999 {
            two(c.year / 100, pad: zero)
            two(c.year % 100, pad: zero)
        } else {
            out.append(contentsOf: String(c.year).utf8)
        }
        out.append(UInt8(ascii: "-"))
        two(c.month, pad: zero)
        out.append(UInt8(ascii: "-"))
        two(c.day, pad: zero)
        out.append(UInt8(ascii: " "))
        two(c.hour, pad: UInt8(ascii: " "))
        out.append(UInt8(ascii: ":"))
        two(c.minute, pad: zero)
    }

    /// `YYYYMMDDhhmmss` (public-inbox's `ts2str`, the `?t=` form).
    public static func compactTime(_ seconds: Int64) -> String { MailDate(seconds: seconds).compact }

    /// Parses `?t=`: `YYYYMMDD[hhmmss]` (older than) or with a trailing `-` (newer than).
    public static func parsePageTime(_ t: Substring) -> (seconds: Int64, newer: Bool)? {
        var s = t
        var newer = false
        if s.hasSuffix("-") {
            newer = true
            s = s.dropLast()
        }
        guard s.count >= 8, s.count <= 14, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let d = Array(s.utf8).map { Int($0) - 48 }
        func num(_ a: Int, _ n: Int) -> Int {
            var v = 0
            for i in a..<min(a + n, d.count) { v = v * 10 + d[i] }
            return v
        }
        let year = num(0, 4), month = num(4, 2), day = num(6, 2)
        let hour = d.count >= 10 ? num(8, 2) : 0
        let minute = d.count >= 12 ? num(10, 2) : 0
        let second = d.count >= 14 ? num(12, 2) : 0
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        return (UTCCalendar.seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second), newer)
    }

    /// HTTP date (`Last-Modified`).
    public static func httpDate(_ seconds: Int64) -> String {
        let s = MailDate(seconds: seconds).rfc5322UTC  // "Thu, 19 Mar 2020 09:14:07 +0000"
        return String(s.dropLast(5)) + "GMT"
    }

    /// %-escapes everything outside `keep` (UTF-8 bytes; `A-Za-z0-9` always kept).
    static func percentEscape(_ s: String, keep: String) -> String {
        let keepSet = Set(keep.utf8)
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in s.utf8 {
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || keepSet.contains(b) {
                out.append(b)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// URI::Escape's default `uri_escape_utf8` (unreserved `-_.!~*'()` kept).
    static func uriEscape(_ s: String) -> String { percentEscape(s, keep: "-_.!~*'()") }
}

@inline(__always) func p2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
