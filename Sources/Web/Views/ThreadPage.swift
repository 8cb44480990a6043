import Index
import Store
import Mail
import Support

/// `/INBOX/MID/T/` (flat, by date) and `/INBOX/MID/t/` (nested): the whole thread on one
/// page, loose subject matches included, each message with a mini-skeleton of its
/// neighbours; the thread overview at the bottom. Streamed one message at a time.
enum ThreadPage {
    static func render(scope: Scope, mid: String, nested: Bool) throws -> Reply? {
        // a whole page, once streamed, is kept until the inbox changes (its entries are kept
        // too, for the thread's other pages)
        let key = "tpage|\(nested)|" + mid
        if let hit = scope.cachedValue(key) { return .html(hit) }
        guard let thread = try scope.thread(mid: mid) else { return nil }
        let model = ThreadModel(thread: thread, current: mid)
        let source = Source(scope: scope, model: model, mid: mid, nested: nested)
        var r = Reply(contentType: Reply.htmlType, body: .stream(source))
        r.keepsPlainBody = true
        // not a page with a message git could not give: it shows whole once the object is back
        if let limit = scope.keepLimit {
            r.onComplete = { page in if !source.standsIn { scope.store(key, page) } }
            r.keepLimit = limit
        }
        return r
    }

    /// `From: … @ date UTC (permalink / raw)` and a blank line, at the top of an entry.
    static func byline(_ m: Message, _ d: Doc, mhref: String, into w: inout HTMLWriter) {
        w.raw("From: ")
        w.text(m.from.map(\.displayName).joined(separator: ", "))
        w.raw(" @ " + URLs.shortTime(d.row.ds) + " UTC (<a href=\"")
        w.attr(mhref)
        w.raw("\">permalink</a> / <a href=\"")
        w.attr(mhref + "raw")
        w.raw("\">raw</a>)\n")
    }

    /// `permalink raw reply [flat|nested]` under an entry; `nested` bolds the view shown.
    static func entryLinks(mhref: String, nested: Bool?, into w: inout HTMLWriter) {
        w.raw("<a href=\"")
        w.attr(mhref)
        w.raw("\">permalink</a> <a href=\"")
        w.attr(mhref + "raw")
        w.raw("\">raw</a> <a href=\"")
        w.attr(mhref + "#R")
        w.raw("\">reply</a>\t[<a href=\"")
        w.attr(mhref + "T/#u")
        w.raw(nested == false ? "\"><b>flat</b></a>|<a href=\"" : "\">flat</a>|<a href=\"")
        w.attr(mhref + "t/#u")
        w.raw(nested == true ? "\"><b>nested</b></a>]" : "\">nested</a>]")
    }

    final class Source: ChunkSource, @unchecked Sendable {
        let scope: Scope
        let model: ThreadModel
        let mid: String
        let nested: Bool
        /// Entry indices in page order.
        let order: [Int]
        var step = -1
        var list = NestedList()
        /// Skeleton line (after the date column) per entry, with `#m…` links.
        var hdr: [String] = []
        var ids: [String] = []
        let nr: Int
        let lock = Lock()
        /// Messages read ahead of their entries, by doc key: one round trip to git for the next
        /// several (waiting on git once per message was an eighth of a thread page).
        var readAhead: [Int64: Result<[UInt8], Error>] = [:]
        /// What each of `readAhead` took of the site's read-ahead budget (its recorded size).
        var aheadBytes: [Int64: Int] = [:]
        /// Whether an entry stood in for a message git could not give (as `Reply.standsIn`).
        var standsIn = false
        static let readAheadCount = 32
        /// At most this many bytes of messages are read ahead (by the sizes the index records): a
        /// page held by a client that reads slowly holds them until it is written.
        static let readAheadBytes = 256 << 10

        init(scope: Scope, model: ThreadModel, mid: String, nested: Bool) {
            self.scope = scope
            self.model = model
            self.mid = mid
            self.nested = nested
            nr = model.thread.count
            if nested {
                order = Array(model.entries.indices)
            } else {
                let pos = Dictionary(
                    model.entries.indices.compactMap { i in model.entries[i].doc.map { ($0.key, i) } }, uniquingKeysWith: { a, _ in a })
                order = model.thread.all.compactMap { pos[$0.key] }
            }
            ids = model.entries.map { URLs.anchor($0.node.mid) }
            var prev: [Substring] = []
            for (i, e) in model.entries.enumerated() {
                var w = HTMLWriter(capacity: 256)
                if let d = e.doc {
                    ThreadModel.linePrefix(ds: d.row.ds, level: e.level, into: &w)
                    ThreadSkeleton.line(d, href: "#m" + ids[i], extra: "", prev: &prev, into: &w)
                } else {
                    w.raw("     [not found] " + ThreadModel.prefix(e.level) + "&lt;<a href=#r" + ids[i] + ">")
                    w.text(e.node.mid)
                    w.raw("</a>&gt;\n")
                }
                hdr.append(w.string)
            }
        }

        deinit { scope.readingAhead.give(aheadBytes.values.reduce(0, +)) }

        func next() throws -> [UInt8]? {
            try lock.withLock { try produce() }
        }

        private func produce() throws -> [UInt8]? {
            defer { step += 1 }
            if step == -1 {
                var w = HTMLWriter()
                let title = model.thread.seed.row.subject
                Layout.start(
                    &w, title: title.isEmpty ? "(no subject)" : title, scope: scope, upfx: "../../",
                    titleHref: "../../?t=" + URLs.compactTime(model.thread.maxTs))
                return w.bytes
            }
            if step < order.count {
                let i = order[step]
                var w = HTMLWriter(capacity: 16384)
                if nested { list.enter(model.entries[i].level, into: &w) }
                try entry(i, into: &w)
                return w.bytes
            }
            if step == order.count {
                var w = HTMLWriter(capacity: 8192)
                list.close(into: &w)
                footer(into: &w)
                return w.bytes
            }
            return nil
        }

        /// The cache key of an entry's rendering.
        func entryKey(_ d: Doc) -> String { "e|\(nested)|\(d.inboxIndex)|\(d.row.blob)|\(nr)|" + d.mid }

        /// The message of entry `order[step]`'s doc `d`: read ahead, or read now with the messages
        /// of the next entries (of the same inbox, not rendered in the cache already).
        func raw(_ d: Doc) throws -> [UInt8] {
            if let r = readAhead.removeValue(forKey: d.key) {
                scope.readingAhead.give(aheadBytes.removeValue(forKey: d.key) ?? 0)
                return try r.get()
            }
            var docs = [d]
            var bytes = d.row.bytes
            var s = step + 1
            while s < order.count && docs.count < Self.readAheadCount {
                if let e = model.entries[order[s]].doc, e.inboxIndex == d.inboxIndex, readAhead[e.key] == nil,
                    !docs.contains(where: { $0.key == e.key }), scope.cachedValue(entryKey(e)) == nil
                {
                    bytes += e.row.bytes
                    // within this page's share and what all pages may hold at once
                    if bytes > Self.readAheadBytes || !scope.readingAhead.take(e.row.bytes) { break }
                    aheadBytes[e.key] = e.row.bytes
                    docs.append(e)
                }
                s += 1
            }
            let read = d.inbox.raws(docs.map(\.row))
            for (e, r) in zip(docs.dropFirst(), read.dropFirst()) { readAhead[e.key] = r }
            return try read[0].get()
        }

        func entry(_ i: Int, into w: inout HTMLWriter) throws {
            let e = model.entries[i]
            let id = ids[i]
            guard let d = e.doc else {
                if nested {
                    w.raw("<pre>[parent not found: &lt;")
                    w.link("../../" + URLs.mid(e.node.mid) + "/", e.node.mid)
                    w.raw("&gt;]</pre>")
                }
                return
            }
            let mhref = "../../" + URLs.mid(d.mid) + "/"
            w.raw("<article class=msg><pre><a href=#e" + id + " id=m" + id + ">*</a> ")
            let subj = d.row.subject.isEmpty ? "(no subject)" : d.row.subject
            if d.mid == mid && d.key == model.thread.seed.key {
                w.raw("<u id=u><b>")
                w.text(subj)
                w.raw("</b></u>\n")
            } else {
                w.raw("<b>")
                w.text(subj)
                w.raw("</b>\n")
            }
            indexLite(i, into: &w)
            let body: [UInt8]
            do {
                body = try scope.cached(entryKey(d)) {
                    let m = PageBounds.message(try raw(d))
                    let known = try scope.known(MessageBody.candidates(m))
                    var w = HTMLWriter(capacity: 8192)
                    ThreadPage.byline(m, d, mhref: mhref, into: &w)
                    let to = m.to.map(shortName).joined(separator: ", ")
                    let cc = m.cc.map(shortName).joined(separator: ", ")
                    if to.count + cc.count > 72 {
                        if !to.isEmpty {
                            w.raw("  To: ")
                            w.text(to)
                            w.raw("\n")
                        }
                        if !cc.isEmpty {
                            w.raw("  Cc: ")
                            w.text(cc)
                            w.raw("\n")
                        }
                    } else if !to.isEmpty || !cc.isEmpty {
                        w.raw("  To: ")
                        w.text(to)
                        if !cc.isEmpty {
                            w.raw("; <b>+Cc:</b> ")
                            w.text(cc)
                        }
                        w.raw("\n")
                    }
                    w.raw("\n")
                    MessageBody(attachmentPrefix: mhref, midPrefix: "../../", known: known).render(m, into: &w)
                    PageBounds.note(d, rawHref: mhref + "raw", into: &w)
                    w.raw("\n<a href=#m" + id + " id=e" + id + ">^</a> ")
                    ThreadPage.entryLinks(mhref: mhref, nested: nested, into: &w)
                    w.raw(" ")
                    w.raw(
                        "<a href=#r" + id + ">" + (nr == 1 ? "only message in thread" : "\(nr)+ messages in thread")
                            + "</a></pre></article>")
                    return w.bytes
                }
            } catch {
                // git cannot give this message (a partial mirror, a damaged pack): its entry says
                // so and the page goes on (nothing is cached: it shows once the object is back)
                standsIn = true
                var u = HTMLWriter(capacity: 512)
                PageBounds.unavailable(error, into: &u)
                u.raw("\n<a href=#m" + id + " id=e" + id + ">^</a> ")
                ThreadPage.entryLinks(mhref: mhref, nested: nested, into: &u)
                u.raw("</pre></article>")
                body = u.bytes
            }
            w.append(bytes: body)
        }

        /// Names as public-inbox's thread pages show them: the name, else the address's local part.
        func shortName(_ a: Address) -> String {
            if !a.name.isEmpty { return a.name }
            return String(a.email.split(separator: "@").first ?? "")
        }

        /// public-inbox's `_th_index_lite`: parent, nearby siblings, self, children.
        func indexLite(_ i: Int, into w: inout HTMLWriter) {
            let e = model.entries[i]
            let pad = "  "
            var siblings: [Int] = []
            if let p = e.parent {
                siblings = model.entries[p].children
                w.raw(pad + hdr[p])
                let idx = e.siblingIndex
                if idx > 0 {
                    let prev = siblings[idx - 1]
                    if idx > 2 {
                        padLink(prev, level: e.level, "\(idx - 1) preceding siblings ...", into: &w)
                    } else if idx == 2 {
                        w.raw(pad + hdr[siblings[0]])
                    }
                    w.raw(pad + hdr[prev])
                }
            }
            // self: date, indent, author, bold, no link
            if let d = e.doc {
                w.raw("<b>@ ")
                ThreadModel.linePrefix(ds: d.row.ds, level: e.level, into: &w)
                w.text(d.row.fromDisplay)
                w.raw("</b>\n")
            }
            let nc = e.children.count
            if nc > 0 {
                w.raw(pad + hdr[e.children[0]])
                if nc > 2 {
                    padLink(e.children[0], level: e.level + 1, "\(nc - 1) more replies", into: &w)
                } else if nc == 2 {
                    w.raw(pad + hdr[e.children[1]])
                }
            }
            let ns = max(siblings.count - 1, 0)
            if e.parent != nil, e.siblingIndex + 1 < siblings.count {
                let nxt = siblings[e.siblingIndex + 1]
                w.raw(pad + hdr[nxt])
                let rest = ns - e.siblingIndex
                if rest > 2 {
                    padLink(nxt, level: e.level, "\(rest - 1) subsequent siblings", into: &w)
                } else if e.siblingIndex + 2 < siblings.count {
                    w.raw(pad + hdr[siblings[e.siblingIndex + 2]])
                }
            }
            let s = ns == 1 ? "1 sibling" : "\(ns) siblings"
            let c = nc == 1 ? "1 reply" : "\(nc) replies"
            w.raw(pad + "<a href=#r" + ids[i] + ">\(s), \(c); \(nr)+ messages in thread</a>\n")
        }

        func padLink(_ target: Int, level: Int, _ s: String, into w: inout HTMLWriter) {
            w.raw(String(repeating: " ", count: 19) + ThreadModel.prefix(level) + "<a href=#r" + ids[target] + ">(" + s + ")</a>\n")
        }

        func footer(into w: inout HTMLWriter) {
            let t = model.thread.maxTs
            w.raw("<hr><pre>" + (nr == 1 ? "only message in thread" : "end of thread") + ", other threads:[<a href=\"../../?t=")
            w.raw(URLs.compactTime(t) + "\">~" + URLs.shortTime(t) + " UTC</a> | <a href=\"../../\">newest</a>]\n\n")
            w.raw("<b id=t>Thread overview:</b> " + (nr == 1 ? "(only message)" : "\(nr)+ messages"))
            w.raw(" (download: <a href=\"../t.mbox.gz\">mbox.gz</a> / follow: <a href=\"../t.atom\">Atom feed</a>)\n")
            w.raw("-- links below jump to the message on this page --\n")
            var prev: [Substring] = []
            for (i, e) in model.entries.enumerated() {
                if i == model.looseNoteAt { w.raw("  -- strict thread matches above, loose matches on Subject: below --\n") }
                guard let d = e.doc else {
                    w.raw("     [not found] " + ThreadModel.prefix(e.level) + "&lt;<a href=\"")
                    w.attr("../../" + URLs.mid(e.node.mid) + "/")
                    w.raw("\" id=r" + ids[i] + ">")
                    w.text(e.node.mid)
                    w.raw("</a>&gt;\n")
                    continue
                }
                ThreadModel.linePrefix(ds: d.row.ds, level: e.level, into: &w)
                ThreadSkeleton.line(d, href: "#m" + ids[i], extra: " id=r" + ids[i], prev: &prev, into: &w)
            }
            w.raw("</pre>")
            Layout.end(&w, scope: scope, upfx: "../../")
        }
    }
}
