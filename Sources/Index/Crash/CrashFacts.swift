import Foundation
import Mail

/// What one message says about kernel crashes, read when it is indexed (on the parsing
/// thread): the reports it carries, and, when it has a diff, what a fix points at
/// (`Reported-by: syzbot+ID@…`, `Link:`/`Closes:` to a report's Message-ID).
struct CrashFacts: Sendable {
    var reports: [CrashReport]
    /// `syzbot:ID` and `mid:MID` references of a message with a diff.
    var fixRefs: [String] = []

    init(lines: [BodyLines.Line]) {
        reports = CrashScanner.reports(in: lines)
        guard lines.contains(where: { $0.kind == .diffHeader }) else { return }
        for l in lines where l.kind == .text {
            // Reported-by, Link, Closes, BugLink: most lines are refused on their first byte
            guard let first = l.text.utf8.first, "RrLlCcBb".utf8.contains(first) else { continue }
            let t = l.text
            guard let colon = t.firstIndex(of: ":"), t.distance(from: t.startIndex, to: colon) <= 12 else { continue }
            let name = t[..<colon].lowercased()
            let value = t[t.index(after: colon)...].drop(while: { $0 == " " || $0 == "\t" })
            if name == "reported-by", let r = value.range(of: "syzbot+"), let at = value[r.upperBound...].firstIndex(of: "@") {
                fixRefs.append("syzbot:" + value[r.upperBound..<at])
            } else if name == "link" || name == "closes" || name == "buglink" {
                if let mid = CrashFacts.midInLink(value) { fixRefs.append("mid:" + mid) }
            }
        }
    }

    /// The Message-ID a link names (`https://lore.kernel.org/r/MID`, `…/list/MID/`), nil for
    /// other links.
    static func midInLink(_ url: Substring) -> String? {
        var rest = url.prefix(while: { $0 != " " && $0 != "\t" && $0 != ">" })
        if let r = rest.range(of: "://") { rest = rest[r.upperBound...] }
        if let q = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<q] }
        for seg in rest.split(separator: "/").dropFirst() {
            let m = MessageID.urlUnescape(String(seg))
            if m.contains("@"), m.utf8.count <= MessageID.maxLength { return m }
        }
        return nil
    }
}
