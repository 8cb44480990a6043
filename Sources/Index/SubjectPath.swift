import Mail

/// public-inbox's subject normalisation, which groups a thread's "loose" matches (same subject,
/// no References link) under one subject id.
public enum SubjectPath {
    /// Trims, collapses whitespace, drops trailing dots and one leading `re: `.
    public static func normalized(_ subject: String) -> String {
        var s = HeaderText.collapseWhitespace(subject)
        while s.hasSuffix(".") { s.removeLast() }
        if s.count >= 4, s.prefix(3).lowercased() == "re:" {
            let rest = s.dropFirst(3)
            if let f = rest.first, f == " " { s = String(rest.drop(while: { $0 == " " })) }
        }
        return s
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
