import Index
import Mail

/// `/INBOX/MID/series/`: every version of the series `MID` belongs to (cover letter, patch, or
/// a reply in its thread), oldest first: its date, each patch with the trailers collected for it, the patches that
/// never arrived, and the diffstat.
enum SeriesPage {
    static let upfx = "../../"
    /// More patches missing than this (a subject announcing `1/9999`) are counted, not listed.
    static let maxMissingRows = 200

    static func render(scope: Scope, mid: String, host: String?) throws -> Reply {
        guard let s = try scope.series(mid: mid)?.series else {
            guard try scope.has(mid: mid) else { return try NotFound.render(scope: scope, mid: mid, host: host, upfx: upfx) }
            var w = HTMLWriter()
            Layout.start(&w, title: "no patch series", scope: scope, upfx: upfx)
            w.raw("<h1>No patch series</h1><p>")
            w.link(href(mid), "<" + mid + ">")
            w.raw(" is not a cover letter, patch or reply of a series.</p>")
            Layout.end(&w, scope: scope, upfx: upfx)
            return .html(w.bytes, status: .notFound)
        }
        var w = HTMLWriter(capacity: 32768)
        let latest = s.versions[s.versions.count - 1]
        Layout.start(&w, title: latest.title + " - patch series", scope: scope, upfx: upfx)
        w.raw("<h1>")
        w.text(latest.title)
        w.raw("</h1><p class=series>Patch series by ")
        w.text(latest.head.row.fromName.isEmpty ? latest.head.row.fromAddr : latest.head.row.fromName)
        w.raw(" · \(s.versions.count) version\(s.versions.count == 1 ? "" : "s"):")
        for v in s.versions {
            w.raw(" ")
            w.link("#" + anchor(v), v.name)
        }
        if let cid = latest.changeID {
            w.raw(" · change-id: ")
            w.text(cid)
        }
        w.raw("</p>")
        for (i, v) in s.versions.enumerated() {
            version(v, current: i == s.current, into: &w)
            if i > 0 { comparison(v, s.versions[i - 1], into: &w) }
        }
        Layout.end(&w, scope: scope, upfx: upfx)
        return .html(w.bytes)
    }

    /// `v2`, `v3-resend` …: the anchor of a version on the page.
    static func anchor(_ v: SeriesVersion) -> String {
        v.name.lowercased().replacingOccurrences(of: " ", with: "-") + "-" + String(v.head.row.num)
    }

    static func href(_ mid: String) -> String { upfx + URLs.relativeMid(mid) + "/" }

    static func version(_ v: SeriesVersion, current: Bool, into w: inout HTMLWriter) {
        w.raw("<section id=\"")
        w.attr(anchor(v))
        w.raw("\"><h2>")
        w.text(v.tag)
        w.raw(current ? " <span class=muted>(this version)</span>" : "")
        w.raw("</h2><p>")
        w.text(URLs.shortTime(v.head.row.ds) + " UTC")
        w.raw(" · \(v.patches.count) of \(v.total) patch\(v.total == 1 ? "" : "es")")
        if !v.missing.isEmpty {
            w.raw(" · <span class=warn>")
            let shown = v.missing.prefix(20).map { "\($0)/\(v.total)" }.joined(separator: ", ")
            w.text(shown + (v.missing.count > 20 ? " and \(v.missing.count - 20) more" : "") + " never arrived")
            w.raw("</span>")
        }
        let counts = v.trailerCounts
        if !counts.isEmpty {
            w.raw(" · ")
            w.text(counts.map { "\($0.count) \($0.name)" }.joined(separator: ", "))
        }
        w.raw(" · ")
        w.link(href(v.head.row.mid) + "series.mbox", "series.mbox")
        w.raw(" (for git am)</p><table class=ib><tr><th>#</th><th>subject</th><th>trailers</th><th>diffstat</th></tr>")
        if let c = v.cover {
            row(c, total: v.total, note: "for every patch", into: &w)
        } else if let given = v.patches.first?.trailers.filter(\.fromCover), !given.isEmpty {
            // given to the message the patches answer: a cover letter that never arrived, or
            // one whose subject names another version or count
            w.raw(
                "<tr><td>0/\(v.total)</td><td class=warn>no cover letter of this version here; given to the message the patches answer:</td><td>"
            )
            for t in given {
                w.link(href(t.mid), t.trailer.line)
                w.raw("<br>")
            }
            w.raw("<span class=muted>(for every patch)</span></td><td></td></tr>")
        }
        var next = v.patches.makeIterator()
        var pending = next.next()
        for n in 1...max(v.total, v.patches.last?.counter ?? 1, 1) {
            if let p = pending, p.counter == n {
                row(p, total: v.total, note: nil, into: &w)
                pending = next.next()
            } else if v.missing.count <= maxMissingRows {
                w.raw("<tr><td>\(n)/\(v.total)</td><td class=warn>never arrived</td><td></td><td></td></tr>")
            }
        }
        w.raw("</table>")
        let d = v.diffstat
        if !d.files.isEmpty {
            w.raw("<pre>")
            let width = min(60, d.files.map { $0.path.count }.max() ?? 0)
            for f in d.files {
                w.text(" " + f.path.padding(toLength: max(width, f.path.count), withPad: " ", startingAt: 0) + " | ")
                w.raw("<span class=add>+\(f.added)</span> <span class=del>-\(f.removed)</span>\n")
            }
            w.raw(
                " \(d.files.count) file\(d.files.count == 1 ? "" : "s") changed, \(d.added) insertion\(d.added == 1 ? "" : "s")(+), \(d.removed) deletion\(d.removed == 1 ? "" : "s")(-)</pre>"
            )
        }
        w.raw("</section>")
    }

    /// What changed in each patch since the version before (matched as `SeriesComparison`
    /// pairs them): the same diff (same patch-id) or not, with the diffstat of both; new and
    /// dropped patches; and a link to the page comparing each changed diff.
    static func comparison(_ v: SeriesVersion, _ older: SeriesVersion, into w: inout HTMLWriter) {
        let c = v.compared(since: older)
        w.raw("<p class=muted>Compared with ")
        w.text(older.tag)
        w.raw(":</p><pre>")
        for change in c.patches {
            w.raw(" \(change.counter)/\(v.total): ")
            guard let prev = change.previous, let o = older.patches.first(where: { $0.counter == prev }),
                let now = v.patches.first(where: { $0.counter == change.counter })
            else {
                w.raw("new in this version\n")
                continue
            }
            let was = prev == change.counter ? "" : "was \(prev)/\(older.total), "
            if change.kind == .unchanged {
                w.raw(was + "diff unchanged\n")
            } else {
                w.raw(was + "diff changed (<span class=add>+\(o.diffstat.added)</span>/<span class=del>-\(o.diffstat.removed)</span> → ")
                w.raw("<span class=add>+\(now.diffstat.added)</span>/<span class=del>-\(now.diffstat.removed)</span>)\n")
            }
        }
        if !c.dropped.isEmpty { w.raw(" not in this version: " + c.dropped.map { "\($0)/\(older.total)" }.joined(separator: ", ") + "\n") }
        w.raw("</pre>")
        if c.patches.contains(where: { $0.kind == .changed }) {
            w.raw("<p>")
            w.link(href(v.head.row.mid) + "series/compare/", "What changed in each diff since " + older.name)
            w.raw("</p>")
        }
    }

    static func row(_ m: SeriesMember, total: Int, note: String?, into w: inout HTMLWriter) {
        w.raw("<tr><td>\(m.counter)/\(total)</td><td>")
        w.link(href(m.row.mid), m.row.subject.isEmpty ? m.title : m.row.subject)
        w.raw("<br><span class=muted>")
        w.text(URLs.shortTime(m.row.ds) + " UTC")
        w.raw("</span></td><td>")
        for t in m.trailers where !t.fromCover {
            w.link(href(t.mid), t.trailer.line)
            w.raw("<br>")
        }
        if let note, !m.trailers.isEmpty { w.raw("<span class=muted>(\(note))</span>") }
        w.raw("</td><td>")
        if !m.diffstat.files.isEmpty {
            w.raw("<span class=add>+\(m.diffstat.added)</span> <span class=del>-\(m.diffstat.removed)</span>")
        }
        w.raw("</td></tr>")
    }
}
