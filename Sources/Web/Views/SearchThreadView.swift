import Index
import Mail

/// `?q=…&x=t`: a page of hits threaded among themselves (public-inbox's `mset_thread`): an
/// overview whose links jump to the messages on the page, then every hit in full, nested by
/// reply depth. Messages that are not hits appear only as the ghosts they leave.
enum SearchThreadView {
    /// Returns whether a message git could not give stood in (the page is then not to be kept).
    @discardableResult
    static func render(scope: Scope, docs: [Doc], upfx: String, into w: inout HTMLWriter) throws -> Bool {
        var byKey: [Int64: Doc] = [:]
        var rows: [OverviewRow] = []
        for d in docs {
            var r = d.row
            r.num = d.key
            rows.append(r)
            byKey[d.key] = d
        }
        let entries = ThreadTree.build(rows).flatMap { $0.flattened() }.compactMap { e -> (level: Int, doc: Doc)? in
            guard let r = e.node.row, let d = byKey[r.num] else { return nil }
            return (e.depth, d)
        }
        // the overview: date, indent, subject (when it changes), author
        w.raw("<pre>-- links below jump to the message on this page --\n")
        var prev: [Substring] = []
        var lastLevel = 0
        for e in entries {
            // without the hits between them, depths may jump: indent one step at a time
            let level = min(e.level, lastLevel + 1)
            lastLevel = level
            ThreadModel.linePrefix(ds: e.doc.row.ds, level: level, into: &w)
            let id = anchor(e.doc)
            ThreadSkeleton.line(e.doc, href: "#m" + id, extra: " id=r" + id, prev: &prev, into: &w)
        }
        w.raw("</pre>")
        // the messages, nested
        var list = NestedList()
        lastLevel = 0
        var standsIn = false
        for e in entries {
            let level = min(e.level, lastLevel + 1)
            lastLevel = level
            list.enter(level, into: &w)
            if try !message(scope: scope, e.doc, upfx: upfx, into: &w) { standsIn = true }
        }
        list.close(into: &w)
        return standsIn
    }

    /// The anchor of a hit: unique per stored copy (the same Message-ID may be two hits).
    static func anchor(_ d: Doc) -> String { URLs.anchor(d.mid) + (d.key == d.row.num ? "" : "-\(d.key)") }

    /// Returns false when git could not give the message and a stand-in took its place.
    static func message(scope: Scope, _ d: Doc, upfx: String, into w: inout HTMLWriter) throws -> Bool {
        let id = anchor(d)
        let mhref = upfx + URLs.relativeMid(d.mid) + "/"
        w.raw("<article class=msg><pre><a href=#r" + id + " id=m" + id + ">*</a> <b>")
        w.text(d.row.subject.isEmpty ? "(no subject)" : d.row.subject)
        w.raw("</b>\n")
        var whole = true
        w.append(
            bytes: try scope.cached("sx|\(d.inboxIndex)|\(d.row.blob)|\(upfx)|" + d.mid) {
                () throws -> (bytes: [UInt8], keep: Bool) in
                let (m, unavailable) = PageBounds.messageOrPlaceholder(d)
                whole = unavailable == nil
                var w = HTMLWriter(capacity: 8192)
                ThreadPage.byline(m, d, mhref: mhref, into: &w)
                w.raw("\n")
                let body = MessageBody(attachmentPrefix: mhref, midPrefix: upfx, known: try scope.known(MessageBody.candidates(m)))
                PageBounds.body(m, unavailable: unavailable, body, into: &w)
                PageBounds.note(d, rawHref: mhref + "raw", into: &w)
                w.raw("\n")
                ThreadPage.entryLinks(mhref: mhref, nested: nil, into: &w)
                w.raw("</pre></article>")
                return (w.bytes, whole)
            })
        return whole
    }
}
