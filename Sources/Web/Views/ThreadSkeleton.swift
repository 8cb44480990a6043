import Index
import Mail

/// The thread overview under a message (public-inbox's `thread_skel`): one line per message
/// with date, indentation, subject (when it changes) and author; ghosts as `[not found]`.
enum ThreadSkeleton {
    static let expand =
        "expand[<a href=\"T/#u\">flat</a>|<a href=\"t/#u\">nested</a>]  <a href=\"t.mbox.gz\">mbox.gz</a>  <a href=\"t.atom\">Atom feed</a>"

    /// Writes the skeleton for the message `current` (a Doc key) on its message page.
    static func render(_ model: ThreadModel, current: Doc, parentMid: String?, into w: inout HTMLWriter) {
        w.raw("\n<b>Thread overview: </b>")
        let nr = model.thread.count
        if nr <= 1 {
            if let parentMid {
                w.raw(expand + "\n [parent not found: &lt;")
                w.link("../" + URLs.mid(parentMid) + "/", parentMid)
                w.raw("&gt;]\n")
            } else {
                w.raw("<a id=r>[no followups]</a> " + expand + "\n")
            }
            return
        }
        w.raw("\(nr)+ messages / " + expand + "  <a href=\"#b\">top</a>\n")
        var prev = ThreadModel.words(ThreadModel.normalizedSubject(current.row.subject))
        for (i, e) in model.entries.enumerated() {
            if i == model.looseNoteAt { w.raw("  -- strict thread matches above, loose matches on Subject: below --\n") }
            guard let d = e.doc else {
                w.raw("     [not found] " + ThreadModel.prefix(e.level) + "&lt;")
                w.link("../" + URLs.mid(e.node.mid) + "/", e.node.mid)
                w.raw("&gt;\n")
                continue
            }
            if d.key == current.key {
                w.raw("<b>")
                ThreadModel.linePrefix(ds: d.row.ds, level: e.level, into: &w)
                w.raw("<a id=r href=\"#t\">")
                w.text(d.row.fromDisplay)
                w.raw(" [this message]</a></b>\n")
                continue
            }
            ThreadModel.linePrefix(ds: d.row.ds, level: e.level, into: &w)
            line(d, href: "../" + URLs.mid(d.mid) + "/", extra: "", prev: &prev, into: &w)
        }
    }

    /// `<a href>subject</a> " author` or `<a href>author</a>` after subject dedupe.
    static func line(_ d: Doc, href: String, extra: String, prev: inout [Substring], into w: inout HTMLWriter) {
        let subj = ThreadModel.normalizedSubject(d.row.subject)
        let (words, omitted) = ThreadModel.dedupe(prev: &prev, subject: ThreadModel.words(subj))
        w.raw("<a href=\"")
        w.attr(href)
        w.raw("\"" + extra + ">")
        if words.isEmpty {
            w.text(d.row.fromDisplay)
            w.raw("</a>\n")
        } else {
            w.text(words.joined(separator: " "))
            w.raw("</a> " + (omitted ? "&#34; " : ""))
            w.text(d.row.fromDisplay)
            w.raw("\n")
        }
    }
}
