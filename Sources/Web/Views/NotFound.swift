import Hummingbird
import Index
import Mail

/// The page for an unknown Message-ID: partial matches in the archive (prefix, then the id
/// with its last word chopped off) and external archives to try. 300 when there is something
/// to choose from (any match, or an id with `@`), else 404 — never a 500.
enum NotFound {
    static let external: [(String, String)] = [
        ("http://marc.info/?i=", ""), ("http://www.mail-archive.com/search?l=mid&q=", ""), ("nntp://news.gmane.io/", ""),
        ("https://lists.debian.org/msgid-search/", ""), ("http://docs.FreeBSD.org/cgi/mid.cgi?db=mid&id=", ""),
        ("https://www.w3.org/mid/", ""), ("http://www.postgresql.org/message-id/", ""),
        ("https://lists.debconf.org/cgi-lurker/keyword.cgi?doc-url=/lurker&format=en.html&query=id:", ""),
    ]

    static func partialMatches(scope: Scope, mid: String) throws -> [(Scope?, String)] {
        guard mid.utf8.count >= 16 else { return [] }
        var found: [String] = []
        func add(_ prefix: String) throws {
            for ib in scope.inboxes {
                for m in try ib.index.mids(withPrefix: prefix, limit: 100) where !found.contains(m) && found.count < 100 { found.append(m) }
            }
        }
        try add(mid)
        if found.isEmpty {
            // chop the trailing non-word run and word: `foo@example.co` → `foo@example.`
            var chopped = Substring(mid)
            while let l = chopped.last, l.isLetter || l.isNumber || l == "_" { chopped = chopped.dropLast() }
            while let l = chopped.last, !(l.isLetter || l.isNumber || l == "_") { chopped = chopped.dropLast() }
            if chopped.utf8.count >= 8 { try add(String(chopped)) }
        }
        return found.map { (nil, $0) }
    }

    static func render(scope: Scope, mid: String, host: String?, upfx: String) throws -> Reply {
        let matches = try partialMatches(scope: scope, mid: mid)
        var w = HTMLWriter()
        Layout.start(&w, title: "<" + mid + "> not found", scope: scope, upfx: upfx)
        w.raw("<h1>Message-ID not found</h1><pre>Message-ID &lt;")
        w.text(mid)
        w.raw("&gt;\nnot found\n")
        if !matches.isEmpty {
            w.raw("\n\(matches.count) partial match\(matches.count == 1 ? "" : "es") found:\n\n")
            for (_, m) in matches {
                let href = upfx + URLs.relativeMid(m) + "/"
                w.link(href, m)
                w.raw("\n")
            }
        }
        if mid.contains("@") {
            w.raw("\nPerhaps try an external site:\n\n")
            let q = URLs.percentEscape(mid, keep: "-._~!$&'()*+,;=:@")
            for (u, _) in external {
                w.link(u + q, u + q, attrs: "rel=nofollow")
                w.raw("\n")
            }
        }
        w.raw("</pre>")
        Layout.end(&w, scope: scope, upfx: upfx)
        let status: HTTPResponse.Status = (!matches.isEmpty || mid.contains("@")) ? .multipleChoices : .notFound
        return .html(w.bytes, status: status)
    }
}
