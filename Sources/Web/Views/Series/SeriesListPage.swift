import Index
import Mail

/// `/INBOX/_/series/`: recent patch series (each version a row), newest first by arrival,
/// with version, size, completeness and review counts; paged by `?t=`; and its Atom twin
/// `_/series/new.atom`.
enum SeriesListPage {
    static let pageSize = 50
    static let upfx = "../../"

    static func versions(scope: Scope, t: Substring?) throws -> [SeriesVersion] {
        let before = t.flatMap { URLs.parsePageTime($0) }.flatMap { $0.newer ? nil : $0.seconds }
        return try scope.recentSeries(before: before, limit: pageSize)
    }

    static func render(scope: Scope, t: Substring?) throws -> Reply {
        let list = try versions(scope: scope, t: t)
        var w = HTMLWriter(capacity: 32768)
        Layout.start(&w, title: "patch series - " + scope.title, scope: scope, upfx: upfx)
        w.raw("<h1>Patch series</h1><p class=muted>Newest first · <a href=\"new.atom\">Atom feed</a></p>")
        if list.isEmpty {
            w.raw("<pre>[No series in range]</pre>")
        } else {
            w.raw("<table class=ib><tr><th>arrived</th><th>series</th><th>patches</th><th>trailers</th></tr>")
            for v in list {
                w.raw("<tr><td>")
                w.text(URLs.shortTime(v.head.row.ts))
                w.raw("</td><td>")
                w.link(
                    SeriesPage.href(v.head.row.mid) + "series/",
                    v.tag + " " + v.title)
                w.raw("<br><span class=muted>")
                w.text(v.head.row.fromName.isEmpty ? v.head.row.fromAddr : v.head.row.fromName)
                w.raw("</span></td><td>")
                w.raw("\(v.patches.count)/\(v.total)" + (v.cover != nil ? " + cover" : ""))
                if !v.missing.isEmpty { w.raw("<br><span class=warn>\(v.missing.count) missing</span>") }
                w.raw("</td><td>")
                w.text(v.trailerCounts.map { "\($0.count) \($0.name)" }.joined(separator: ", "))
                w.raw("</td></tr>")
            }
            w.raw("</table>")
        }
        Layout.olderNav(&w, oldest: list.count >= pageSize ? list.last?.head.row.ts : nil, t: t)
        Layout.end(&w, scope: scope, upfx: upfx)
        return .html(w.bytes)
    }

    /// The same list as an Atom feed: one entry per version, linking its series page.
    static func atom(scope: Scope, host: String?, t: Substring?) throws -> Reply {
        let list = try versions(scope: scope, t: t)
        let base = scope.baseURL(host: host)
        var w = HTMLWriter(capacity: 16384)
        Atom.listFeedStart(
            &w, title: "patch series - " + scope.title, page: base + "_/series/", updated: list.first?.head.row.ts ?? scope.newest() ?? 0)
        for v in list {
            let href = base + URLs.mid(v.head.row.mid) + "/series/"
            w.raw("<entry><author><name>")
            w.text(v.head.row.fromName.isEmpty ? v.head.row.fromAddr : v.head.row.fromName)
            w.raw("</name><email>")
            w.text(v.head.row.fromAddr)
            w.raw("</email></author>")
            Atom.titleTag(v.tag + " " + v.title, into: &w)
            w.raw("<updated>" + MailDate(seconds: v.head.row.ts).iso8601 + "</updated><link href=\"")
            w.attr(href)
            w.raw("\"/><id>" + URLs.uuid("series\n" + v.head.row.mid) + "</id><content type=\"text\">")
            var summary = "\(v.patches.count) of \(v.total) patches"
            if !v.missing.isEmpty { summary += ", missing " + v.missing.map { "\($0)/\(v.total)" }.joined(separator: " ") }
            let counts = v.trailerCounts
            if !counts.isEmpty { summary += "; " + counts.map { "\($0.count) \($0.name)" }.joined(separator: ", ") }
            for p in v.patches { summary += "\n\(p.counter)/\(v.total) " + p.title }
            w.text(summary)
            w.raw("</content></entry>")
        }
        w.raw("</feed>")
        return Reply(contentType: Atom.contentType, body: .bytes(w.bytes))
    }
}
