import Index
import Mail

/// Atom feeds (RFC 4287, RFC 4685 `thr:in-reply-to`): `new.atom` (newest messages) and
/// `MID/t.atom` (a thread), laid out as public-inbox's WwwAtomStream.
enum Atom {
    static func newFeed(scope: Scope, host: String?, t: Substring?) throws -> Reply {
        var before: Int64?
        var after: Int64?
        if let t, let p = URLs.parsePageTime(t) { if p.newer { after = p.seconds } else { before = p.seconds } }
        let docs = try scope.recent(before: before, after: after, limit: 25)
        let base = scope.baseURL(host: host)
        let id = scope.isAll ? URLs.uuid(base + "new.atom") : "mailto:" + scope.primaryAddress
        return try feed(scope: scope, docs: docs, title: scope.title, selfHref: base + "new.atom", id: id, base: base)
    }

    static func threadFeed(scope: Scope, mid: String, host: String?) throws -> Reply {
        guard let thread = try scope.thread(mid: mid) else { return .notFoundPlain("No feed found for thread\n") }
        let docs = thread.all.sorted { ($0.row.ds, $0.key) < ($1.row.ds, $1.key) }
        let base = scope.baseURL(host: host)
        let title = docs.first?.row.subject ?? ""
        return try feed(
            scope: scope, docs: docs, title: title, selfHref: base + URLs.mid(mid) + "/t.atom", id: URLs.uuid("t\n" + mid), base: base)
    }

    static let contentType = "application/atom+xml"

    /// Starts the Atom twin of the list page at `page` (an absolute URL ending in `/`, its feed
    /// at `page` + `new.atom`): the feed's title, links, id and update time.
    static func listFeedStart(_ w: inout HTMLWriter, title: String, page: String, updated: Int64) {
        w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">")
        titleTag(title, into: &w)
        w.raw("<link rel=\"alternate\" type=\"text/html\" href=\"")
        w.attr(page)
        w.raw("\"/><link rel=\"self\" href=\"")
        w.attr(page + "new.atom")
        w.raw("\"/><id>")
        w.text(URLs.uuid(page + "new.atom"))
        w.raw("</id><updated>" + MailDate(seconds: updated).iso8601 + "</updated>")
    }

    static func feed(scope: Scope, docs: [Doc], title: String, selfHref: String, id: String, base: String) throws -> Reply {
        guard !docs.isEmpty else { return .notFoundPlain("No feed found for thread\n") }
        var w = HTMLWriter(capacity: 65536)
        w.raw(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:thr=\"http://purl.org/syndication/thread/1.0\">"
        )
        titleTag(title, into: &w)
        w.raw("<link rel=\"alternate\" type=\"text/html\" href=\"")
        w.attr(base)
        w.raw("\"/><link rel=\"self\" href=\"")
        w.attr(selfHref)
        w.raw("\"/><id>")
        w.text(id)
        w.raw("</id><updated>" + MailDate(seconds: scope.newest() ?? 0).iso8601 + "</updated>")
        var standsIn = false
        for d in docs {
            let (m, unavailable) = PageBounds.messageOrPlaceholder(d)
            if unavailable != nil { standsIn = true }
            let known = try scope.known(MessageBody.candidates(m))
            let href = base + URLs.mid(d.mid) + "/"
            w.raw("<entry><author><name>")
            let names = m.from.map(\.displayName).joined(separator: ", ")
            w.text(names.isEmpty ? scope.primaryAddress : names)
            w.raw("</name><email>")
            w.text(m.from.first?.email ?? scope.primaryAddress)
            w.raw("</email></author>")
            titleTag(m.subject.isEmpty ? "(no subject)" : m.subject, into: &w)
            w.raw("<updated>" + MailDate(seconds: d.row.ts).iso8601 + "</updated><link href=\"")
            w.attr(href)
            w.raw("\"/><id>" + URLs.uuid(d.mid) + "</id>")
            if let parent = d.row.lastRef {
                w.raw("<thr:in-reply-to ref=\"" + URLs.uuid(parent) + "\" href=\"")
                w.attr(base + URLs.mid(parent) + "/")
                w.raw("\"/>")
            }
            w.raw("<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><pre style=\"white-space:pre-wrap\">")
            PageBounds.body(m, unavailable: unavailable, MessageBody(attachmentPrefix: href, midPrefix: base, known: known), into: &w)
            PageBounds.note(d, rawHref: href + "raw", into: &w)
            w.raw("</pre></div></content></entry>")
        }
        w.raw("</feed>")
        var r = Reply(contentType: contentType, body: .bytes(w.bytes))
        r.standsIn = standsIn
        return r
    }

    static func titleTag(_ s: String, into w: inout HTMLWriter) {
        let t = HeaderText.collapseWhitespace(s)
        w.raw("<title>")
        w.text(t)
        w.raw("</title>")
    }
}
