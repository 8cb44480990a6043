import Index
import Mail

/// The compact box on the page of a message that carries kernel crash reports: for each, the
/// kind, where, the top frames and the kernel version, and the other messages reporting the
/// same crash (`N other messages report this crash`) with the patches that answered it.
enum CrashBox {
    /// Other reporting messages linked per crash.
    static let othersShown = 8

    /// Writes the box for `mid` (a page at `/INBOX/MID/`); nothing for other mail.
    static func render(scope: Scope, mid: String, into w: inout HTMLWriter) throws {
        let found = try scope.crashes(mid: mid)
        guard !found.isEmpty else { return }
        w.raw("<div class=crash>")
        for s in found {
            let r = s.report
            w.raw("<p><b>")
            w.text(r.kind)
            w.raw("</b>")
            if let l = r.location {
                w.raw(" at <code>")
                w.text(l)
                w.raw("</code>")
            }
            if let f = r.function {
                w.raw(" in <code>")
                w.text(f)
                w.raw("</code>")
            }
            if let v = r.kernelVersion {
                w.raw(" · kernel ")
                w.text(v)
            }
            if r.quoted { w.raw(" · <span class=muted>quoted</span>") }
            w.raw(" · ")
            w.link("crash.json", "json")
            if !r.frames.isEmpty {
                w.raw("<br><span class=muted>trace:</span> <code>")
                w.text(r.frames.prefix(5).joined(separator: " ← "))
                w.raw("</code>")
            }
            let (total, others) = try scope.crashReports(signature: s.signatureID, limit: othersShown + 1)
            let rest = others.filter { $0.row.mid != mid }
            let count = max(0, total - 1)
            w.raw("<br>")
            if count == 0 {
                w.raw("No other message reports this crash")
            } else {
                w.link(
                    "../?q=" + URLs.uriEscape("crash:" + s.signatureID),
                    count == 1 ? "1 other message reports this crash" : "\(count) other messages report this crash")
                w.raw(":")
                for (i, o) in rest.prefix(othersShown).enumerated() {
                    w.raw(i == 0 ? " " : "; ")
                    w.link("../" + URLs.relativeMid(o.row.mid) + "/", o.row.subject.isEmpty ? "(no subject)" : o.row.subject)
                    w.raw(" <span class=muted>(")
                    w.text(URLs.shortTime(o.row.ts).prefix(10))
                    w.raw(o.report.quoted ? ", quoted)</span>" : ")</span>")
                }
            }
            w.raw(" · ")
            w.link("../_/crashes/#" + s.signatureID, "all crashes")
            w.raw("</p>")
        }
        w.raw("</div>")
    }
}
