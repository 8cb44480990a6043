import Index
import Mail

/// `/INBOX/MID/series/compare/`: the version of the series that `MID` belongs to against the
/// version before it, patch by patch as `SeriesComparison` pairs them: for a patch whose diff
/// changed, the diff of its two diffs (`Interdiff`, as `git range-diff` shows it); else
/// "unchanged" or "new"; then the patches dropped. Only the changed patches of these two
/// versions are read from git, so the page costs two message reads per changed patch.
enum SeriesComparePage {
    static let upfx = "../../../"

    static func href(_ mid: String) -> String { upfx + URLs.relativeMid(mid) + "/" }

    static func render(scope: Scope, mid: String, host: String?) throws -> Reply {
        guard let found = try scope.series(mid: mid) else {
            guard try scope.has(mid: mid) else { return try NotFound.render(scope: scope, mid: mid, host: host, upfx: upfx) }
            return .notFoundPlain("<\(mid)> is not a cover letter, patch or reply of a series\n")
        }
        let (inbox, s) = (found.inbox, found.series)
        let v = s.version
        var w = HTMLWriter(capacity: 32768)
        Layout.start(&w, title: v.tag + " " + v.title + " - compared", scope: scope, upfx: upfx)
        w.raw("<h1>")
        w.text(v.tag + " " + v.title)
        w.raw("</h1>")
        guard s.current > 0 else {
            w.raw("<p>This is the first version of the series: there is nothing before it to compare with. ")
            w.link("../", "All versions")
            w.raw("</p>")
            Layout.end(&w, scope: scope, upfx: upfx)
            return .html(w.bytes)
        }
        let older = s.versions[s.current - 1]
        let c = v.compared(since: older)
        w.raw("<p class=series>Compared with ")
        w.link(href(older.head.row.mid) + "series/#" + SeriesPage.anchor(older), older.tag)
        w.raw(", patch by patch: each patch's diff against the diff of the patch it continues. ")
        w.link("../", "All versions")
        if s.current > 1 {
            w.raw(" · ")
            w.link(href(older.head.row.mid) + "series/compare/", "\(older.name) against \(s.versions[s.current - 2].name)")
        }
        w.raw("</p>")
        for change in c.patches {
            guard let p = v.patches.first(where: { $0.counter == change.counter }) else { continue }
            w.raw("<h3>\(p.counter)/\(v.total) ")
            w.link(href(p.row.mid), p.title)
            w.raw("</h3><p class=muted>")
            guard let prev = change.previous, let o = older.patches.first(where: { $0.counter == prev }) else {
                w.raw("new in this version</p>")
                continue
            }
            w.raw(prev == p.counter ? "" : "was \(prev)/\(older.total) · ")
            if change.kind == .unchanged {
                w.raw("diff unchanged</p>")
                continue
            }
            w.raw("diff changed since ")
            w.link(href(o.row.mid), "\(older.name) \(prev)/\(older.total)")
            w.raw(" (<span class=add>+\(o.diffstat.added)</span>/<span class=del>-\(o.diffstat.removed)</span> → ")
            w.raw("<span class=add>+\(p.diffstat.added)</span>/<span class=del>-\(p.diffstat.removed)</span>)</p>")
            let d = Interdiff(old: Message.parse(try inbox.raw(o.row)).bodyText, new: Message.parse(try inbox.raw(p.row)).bodyText)
            interdiff(d, into: &w)
        }
        if !c.dropped.isEmpty {
            w.raw("<h3>Dropped</h3><ul>")
            for n in c.dropped {
                guard let o = older.patches.first(where: { $0.counter == n }) else { continue }
                w.raw("<li>\(n)/\(older.total) ")
                w.link(href(o.row.mid), o.title)
                w.raw("</li>")
            }
            w.raw("</ul>")
        }
        Layout.end(&w, scope: scope, upfx: upfx)
        return .html(w.bytes)
    }

    static func interdiff(_ d: Interdiff, into w: inout HTMLWriter) {
        if d.tooLarge {
            w.raw("<p class=muted>The diffs are too long to compare here.</p>")
            return
        }
        if d.unchanged {
            w.raw("<p class=muted>The diffs differ only in what is not compared here (line numbers, index lines, white space).</p>")
            return
        }
        w.raw("<pre>")
        for l in d.lines {
            switch l.mark {
            case "+": w.raw("<span class=add>")
            case "-": w.raw("<span class=del>")
            case "…":
                w.raw("<span class=muted>…</span>\n")
                continue
            default: break
            }
            w.text(String(l.mark) + l.text)
            w.raw(l.mark == " " ? "\n" : "</span>\n")
        }
        if d.omitted > 0 { w.raw("<span class=muted>… \(d.omitted) more changed lines</span>\n") }
        w.raw("</pre>")
    }
}
