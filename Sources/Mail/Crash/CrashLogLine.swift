import Foundation

/// One line of a body as a kernel log line: quote marks, the printk timestamp (`[  12.345678]`),
/// the caller id (`[ T123]`, `[  C1]`), a log level (`<4>`) and a syslog prefix (`Mar  1
/// 12:00:00 host kernel: `) taken off.
struct CrashLogLine {
    /// How deeply quoted (`> > ` is 2).
    var depth: Int
    var timestamped: Bool
    /// Leading blanks left after the prefixes (frames are indented).
    var indent: Int
    /// The text without prefixes and leading blanks (trailing blanks dropped too).
    var text: Substring

    init(_ raw: Substring) {
        var s = raw
        var depth = 0
        // quote marks: `>`, `> >`, `>>`, with blanks before and between
        while true {
            let mark = s.drop(while: { $0 == " " || $0 == "\t" })
            guard mark.utf8.first == UInt8(ascii: ">") else { break }
            depth += 1
            s = mark.dropFirst()
            if s.utf8.first == UInt8(ascii: " ") { s = s.dropFirst() }
        }
        self.depth = depth
        s = CrashLogLine.dropSyslog(s)
        var stamped = false
        var t = s.drop(while: { $0 == " " || $0 == "\t" })
        if t.hasPrefix("<"), let gt = t.firstIndex(of: ">"), t.distance(from: t.startIndex, to: gt) <= 2,
            t[t.index(after: t.startIndex)..<gt].allSatisfy(\.isASCIIDigit)
        {
            t = t[t.index(after: gt)...]
            s = t
        }
        if let rest = CrashLogLine.dropTimestamp(t) {
            stamped = true
            s = rest
            if let caller = CrashLogLine.dropCaller(s) { s = caller }
            // a space after the stamp belongs to it; more is the line's own indentation
            if s.utf8.first == UInt8(ascii: " ") { s = s.dropFirst() }
        }
        timestamped = stamped
        let body = s.drop(while: { $0 == " " || $0 == "\t" })
        indent = s.distance(from: s.startIndex, to: body.startIndex)
        var end = body.endIndex
        while end > body.startIndex, body[body.index(before: end)] == " " || body[body.index(before: end)] == "\t" {
            end = body.index(before: end)
        }
        text = body[..<end]
    }

    /// `[ 1234.567890]`, `[    0.000000]` (digits, a dot, digits, blanks before).
    static func dropTimestamp(_ s: Substring) -> Substring? {
        guard s.utf8.first == UInt8(ascii: "["), let close = s.firstIndex(of: "]") else { return nil }
        let inner = s[s.index(after: s.startIndex)..<close].drop(while: { $0 == " " })
        guard let dot = inner.firstIndex(of: "."), !inner[..<dot].isEmpty, inner[..<dot].allSatisfy(\.isASCIIDigit),
            !inner[inner.index(after: dot)...].isEmpty, inner[inner.index(after: dot)...].allSatisfy(\.isASCIIDigit)
        else { return nil }
        return s[s.index(after: close)...]
    }

    /// `[ T123]` or `[  C1]` right after the timestamp (CONFIG_PRINTK_CALLER).
    static func dropCaller(_ s: Substring) -> Substring? {
        let t = s.drop(while: { $0 == " " })
        guard t.utf8.first == UInt8(ascii: "["), let close = t.firstIndex(of: "]") else { return nil }
        let inner = t[t.index(after: t.startIndex)..<close].drop(while: { $0 == " " })
        guard let f = inner.first, f == "T" || f == "C", inner.count > 1, inner.dropFirst().allSatisfy(\.isASCIIDigit) else {
            return nil
        }
        return t[t.index(after: close)...]
    }

    /// `Mon DD HH:MM:SS host kernel: ` and a bare `kernel:` before the text.
    static func dropSyslog(_ s: Substring) -> Substring {
        guard let r = s.range(of: "kernel:"), s.distance(from: s.startIndex, to: r.lowerBound) <= 48 else { return s }
        let before = s[..<r.lowerBound]
        if before.allSatisfy({ $0 == " " || $0 == "\t" }) || (before.contains(":") && before.first?.isLetter == true) {
            return s[r.upperBound...]
        }
        return s
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
