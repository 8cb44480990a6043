import Index

/// The short series line on the page of a message of a series thread (a cover letter, a patch,
/// or a reply, which belongs to the series it answers): which version and which patch it is,
/// the trailers the version collected, the other versions.
enum SeriesLine {
    /// Writes the line for `mid` (a page at `/INBOX/MID/`); nothing for mail outside series threads.
    static func render(scope: Scope, mid: String, into w: inout HTMLWriter) throws {
        guard let s = try scope.seriesOutline(mid: mid) else { return }
        let v = s.version
        w.raw("<p class=series>")
        w.link("series/", "series")
        w.raw(" <b>")
        w.text(v.tag)
        w.raw("</b>")
        if let member = ([v.cover].compactMap { $0 } + v.patches).first(where: { $0.row.mid == mid }) {
            w.raw(member.counter == 0 ? ", cover letter" : ", patch \(member.counter)/\(v.total)")
        } else {
            w.raw(", a reply in its thread")
        }
        w.raw(" · \(v.patches.count) of \(v.total) patches")
        if !v.missing.isEmpty { w.raw(" <span class=warn>(\(v.missing.count) missing)</span>") }
        let counts = v.trailerCounts
        if !counts.isEmpty {
            w.raw(" · ")
            w.text(counts.map { "\($0.count) \($0.name)" }.joined(separator: ", "))
        }
        if s.versions.count > 1 {
            w.raw(" · versions:")
            for (i, o) in s.versions.enumerated() {
                w.raw(" ")
                if i == s.current {
                    w.raw("<b>")
                    w.text(o.name)
                    w.raw("</b>")
                } else {
                    w.link("../" + URLs.relativeMid(o.head.row.mid) + "/", o.name)
                }
            }
        }
        w.raw(" · ")
        w.link("series.mbox", "series.mbox")
        w.raw("</p>")
    }
}
