/// The frame of every HTML page: head (title, Atom link, the stylesheet), the inbox header
/// with its navigation (patch series, crash reports, help, color, mirror, Atom), and the footer pointing at the mirroring instructions.
enum Layout {
    /// The paging line of a list paged by `?t=`: `next (older)` when the page is full
    /// (`oldest` is the time of its last row), `latest` when it is not the first page.
    static func olderNav(_ w: inout HTMLWriter, oldest: Int64?, t: Substring?) {
        if let oldest {
            w.raw("<nav class=nav><pre><a rel=next href=\"?t=" + URLs.compactTime(oldest) + "\">next (older)</a>")
            if t != nil { w.raw(" | <a href=\"./\">latest</a>") }
            w.raw("</pre></nav>")
        } else if t != nil {
            w.raw("<nav class=nav><pre><a href=\"./\">latest</a></pre></nav>")
        }
    }

    /// Starts a page of `scope`. `upfx` leads from the page to the scope root (`../` …);
    /// `titleHref` is where the inbox title links (nil: the scope root); `query` fills the search
    /// box, `hidden` are form fields it keeps (a results page's order and view).
    static func start(
        _ w: inout HTMLWriter, title: String, scope: Scope, upfx: String, titleHref: String? = nil, query: String = "",
        hidden: [(String, String)] = []
    ) {
        w.raw(
            "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width,initial-scale=1\"><title>"
        )
        w.text(title)
        w.raw("</title><link rel=alternate title=\"Atom feed\" href=\"")
        w.attr(upfx + "new.atom")
        w.raw("\" type=\"application/atom+xml\"><style>" + Style.css + "</style></head><body><header class=top><div class=title><a href=\"")
        w.attr(titleHref ?? (upfx.isEmpty ? "./" : upfx))
        w.raw("\">")
        w.text(scope.title)
        w.raw("</a></div><nav><a href=\"")
        w.attr(upfx + "_/series/")
        w.raw("\">series</a> / <a href=\"")
        w.attr(upfx + "_/crashes/")
        w.raw("\">crashes</a> / <a href=\"")
        w.attr(upfx + "_/text/help/")
        w.raw("\">help</a> / <a href=\"")
        w.attr(upfx + "_/text/color/")
        w.raw("\">color</a> / <a id=mirror href=\"")
        w.attr(upfx + "_/text/mirror/")
        w.raw("\">mirror</a> / <a href=\"")
        w.attr(upfx + "new.atom")
        w.raw("\">Atom feed</a></nav><form class=search action=\"")
        w.attr(upfx.isEmpty ? "./" : upfx)
        w.raw("\"><input name=q type=search size=40 value=\"")
        w.attr(query)
        w.raw("\">")
        for (name, value) in hidden {
            w.raw("<input type=hidden name=\"")
            w.attr(name)
            w.raw("\" value=\"")
            w.attr(value)
            w.raw("\">")
        }
        w.raw("<input type=submit value=search></form></header><main>")
    }

    static func end(_ w: inout HTMLWriter, scope: Scope, upfx: String) {
        w.raw("</main><footer><hr><pre>")
        if scope.isAll {
            w.raw("This is an external index of several public inboxes,\nsee <a href=\"")
            w.attr(upfx + "_/text/mirror/")
            w.raw("\">mirroring instructions</a> on how to clone and mirror\nall data and code used by this external index.")
        } else {
            w.raw("This is a public inbox, see <a href=\"")
            w.attr(upfx + "_/text/mirror/")
            w.raw("\">mirroring instructions</a>\nfor how to clone and mirror all data and code used for this inbox")
        }
        w.raw("</pre></footer></body></html>")
    }

    /// A page outside any inbox (the inbox list).
    static func startPlain(_ w: inout HTMLWriter, title: String) {
        w.raw(
            "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width,initial-scale=1\"><title>"
        )
        w.text(title)
        w.raw("</title><style>" + Style.css + "</style></head><body><header class=top><div class=title><a href=\"/\">")
        w.text(title)
        w.raw("</a></div><nav><a href=\"/all/\">all inboxes</a></nav></header><main>")
    }

    static func endPlain(_ w: inout HTMLWriter) { w.raw("</main></body></html>") }
}
