import Index
import Mail

/// `/INBOX/_/crashes/`: kernel crashes reported on the list, one row per signature, the most
/// recently reported first, with how often and when they were reported and the threads where
/// a patch answered them; paged by `?t=`; its Atom twin `_/crashes/new.atom`.
enum CrashListPage {
    static let pageSize = 50
    static let upfx = "../../"

    static func summaries(scope: Scope, t: Substring?) throws -> [CrashSummary] {
        let before = t.flatMap { URLs.parsePageTime($0) }.flatMap { $0.newer ? nil : $0.seconds }
        return try scope.crashSignatures(before: before, limit: pageSize)
    }

    /// `KIND at LOCATION in FUNCTION`.
    static func headline(_ r: CrashReport) -> String {
        var s = r.kind
        if let l = r.location { s += " at " + l }
        if let f = r.function { s += " in " + f }
        return s
    }

    static func render(scope: Scope, t: Substring?) throws -> Reply {
        let list = try summaries(scope: scope, t: t)
        var w = HTMLWriter(capacity: 32768)
        Layout.start(&w, title: "crash reports - " + scope.title, scope: scope, upfx: upfx)
        w.raw("<h1>Crash reports</h1><p class=muted>Kernel crashes reported here, one row per signature, most recently reported first · ")
        w.raw("<a href=\"new.atom\">Atom feed</a> · <a href=\"../crashes.json\">JSON</a></p>")
        if list.isEmpty {
            w.raw("<pre>[No crash reports in range]</pre>")
        } else {
            w.raw("<table class=ib><tr><th>crash</th><th>messages</th><th>first seen</th><th>last seen</th><th>answered by</th></tr>")
            for s in list {
                let r = s.sample.report
                w.raw("<tr id=\"" + s.signatureID + "\"><td>")
                w.link(upfx + scope.name + "/" + URLs.relativeMid(s.sample.row.mid) + "/", headline(r))
                if !r.frames.isEmpty {
                    w.raw("<br><code class=muted>")
                    w.text(r.frames.prefix(CrashReport.signatureFrames).joined(separator: " ← "))
                    w.raw("</code>")
                }
                w.raw("<br><span class=muted>")
                w.link("../../?q=" + URLs.uriEscape("crash:" + s.signatureID), "crash:" + s.signatureID)
                if let v = r.kernelVersion {
                    w.raw(" · ")
                    w.text(v)
                }
                if let z = r.syzbotID {
                    w.raw(" · syzbot ")
                    w.text(z)
                }
                w.raw("</span></td><td>")
                w.raw("\(s.messages)" + (s.threads > 1 ? " in \(s.threads) threads" : ""))
                w.raw("</td><td>")
                w.text(URLs.shortTime(s.firstSeen))
                w.raw("</td><td>")
                w.text(URLs.shortTime(s.lastSeen))
                w.raw("</td><td>")
                if s.answers.isEmpty { w.raw("<span class=muted>no patch yet</span>") }
                for (i, a) in s.answers.prefix(5).enumerated() {
                    if i > 0 { w.raw("<br>") }
                    w.link("../../" + URLs.relativeMid(a.mid) + "/", a.subject.isEmpty ? "(no subject)" : a.subject)
                }
                if s.answers.count > 5 { w.raw("<br><span class=muted>and \(s.answers.count - 5) more</span>") }
                w.raw("</td></tr>")
            }
            w.raw("</table>")
        }
        Layout.olderNav(&w, oldest: list.count >= pageSize ? list.last?.lastSeen : nil, t: t)
        Layout.end(&w, scope: scope, upfx: upfx)
        return .html(w.bytes)
    }

    /// The same list as an Atom feed: one entry per signature, updated when last reported,
    /// linking the message that stands for it.
    static func atom(scope: Scope, host: String?, t: Substring?) throws -> Reply {
        let list = try summaries(scope: scope, t: t)
        let base = scope.baseURL(host: host)
        var w = HTMLWriter(capacity: 16384)
        Atom.listFeedStart(
            &w, title: "crash reports - " + scope.title, page: base + "_/crashes/", updated: list.first?.lastSeen ?? scope.newest() ?? 0)
        for s in list {
            let r = s.sample.report
            w.raw("<entry><author><name>")
            w.text(s.sample.row.fromDisplay)
            w.raw("</name><email>")
            w.text(s.sample.row.fromAddr)
            w.raw("</email></author>")
            Atom.titleTag(headline(r), into: &w)
            w.raw("<updated>" + MailDate(seconds: s.lastSeen).iso8601 + "</updated><link href=\"")
            w.attr(base + URLs.mid(s.sample.row.mid) + "/")
            w.raw("\"/><id>" + URLs.uuid("crash\n" + s.signatureID) + "</id><content type=\"text\">")
            var summary =
                "\(s.messages) messages in \(s.threads) threads, first \(URLs.shortTime(s.firstSeen)), last \(URLs.shortTime(s.lastSeen))"
            if !r.frames.isEmpty { summary += "\ntrace: " + r.frames.joined(separator: " <- ") }
            if let v = r.kernelVersion { summary += "\nkernel: " + v }
            for a in s.answers { summary += "\nanswered by: " + a.subject }
            w.text(summary)
            w.raw("</content></entry>")
        }
        w.raw("</feed>")
        return Reply(contentType: Atom.contentType, body: .bytes(w.bytes))
    }
}
