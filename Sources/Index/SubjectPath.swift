import Mail

/// public-inbox's subject normalisation, which groups a thread's "loose" matches (same subject,
/// no References link) under one subject id.
public enum SubjectPath {
    /// Trims, collapses whitespace, drops trailing dots and one leading `re: `.
    public static func normalized(_ subject: String) -> String {
        let s = HeaderText.collapseWhitespace(subject)
        let u = s.utf8
        var end = u.endIndex
        while end > u.startIndex, u[u.index(before: end)] == UInt8(ascii: ".") { end = u.index(before: end) }
        var start = u.startIndex
        // one leading "re: " (any case), when something follows it
        var it = u.makeIterator()
        if let r = it.next(), let e = it.next(), let c = it.next(), let sp = it.next(), r | 0x20 == UInt8(ascii: "r"),
            e | 0x20 == UInt8(ascii: "e"), c == UInt8(ascii: ":"), sp == UInt8(ascii: " "), u.distance(from: u.startIndex, to: end) >= 4
        {
            start = u.index(u.startIndex, offsetBy: 3)
            while start < end, u[start] == UInt8(ascii: " ") { start = u.index(after: start) }
        }
        if start == u.startIndex && end == u.endIndex { return s }
        return String(Substring(s.utf8[start..<max(start, end)]))
    }

    /// The key stored for a subject: normalised, runs of non-word characters as `_`, lower-cased.
    public static func path(_ subject: String) -> String? {
        let n = normalized(subject)
        if n.isEmpty { return nil }
        var out = ""
        var inRun = false
        for ch in n {
            if ch.isLetter || ch.isNumber || ch == "_" || ch == "." || ch == "~" || ch == "/" || ch == "-" {
                out.append(ch)
                inRun = false
            } else if !inRun {
                out.append("_")
                inRun = true
            }
        }
        return out.lowercased()
    }
}
