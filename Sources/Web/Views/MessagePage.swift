import Index
import Mail

/// The message page `/INBOX/MID/`: every copy stored under the Message-ID (a warning and a
/// diff link between differing copies), the `next prev parent reply` line, the thread
/// skeleton and the reply instructions.
enum MessagePage {
    /// The page, nil when no message has the Message-ID.
    static func render(site: Site, scope: Scope, mid: String, etag: String) throws -> Reply? {
        let (docs, thread) = try scope.copiesAndThread(mid: mid)
        guard let first = docs.first, let thread else { return nil }
        // a copy git cannot give is shown by its overview row, with why in place of its body
        let read = docs.map(PageBounds.messageOrPlaceholder)
        let messages = read.map(\.message)
        let model = ThreadModel(thread: thread, current: mid)
        // only bodies link to what is stored (a header's ids are linked whether stored or not):
        // asking for References too made 100,000 index lookups per view of such a message
        var cands: [String] = []
        for m in messages { cands += MessageBody.candidates(m) }
        let known = try scope.known(cands)

        let m0 = messages[0]
        var w = HTMLWriter(capacity: 32768 + first.row.bytes * 2)
        let subject = m0.subject.isEmpty ? "(no subject)" : m0.subject
        let names = m0.from.map(\.displayName).joined(separator: ", ")
        Layout.start(&w, title: subject + " - " + names, scope: scope, upfx: "../", titleHref: "../?t=" + URLs.compactTime(first.row.ts))
        w.raw("<h1>")
        w.text(subject)
        w.raw("</h1>")
        try SeriesLine.render(scope: scope, mid: first.mid, into: &w)
        try CrashBox.render(scope: scope, mid: first.mid, into: &w)
        for (i, (d, m)) in zip(docs, messages).enumerated() {
            if i > 0 {
                w.raw("<p class=warn>WARNING: multiple messages have this Message-ID (<a href=\"d/\">diff</a>)</p>")
            }
            w.raw(i == 0 ? "<article class=msg><pre id=b>" : "<article class=msg><pre>")
            headerBlock(m, doc: d, scope: scope, first: i == 0, copies: docs.count, known: known, into: &w)
            w.raw("\n")
            let prefix = i == 0 ? "" : "../" + URLs.mid(d.mid) + "/"
            PageBounds.body(
                m, unavailable: read[i].unavailable, MessageBody(attachmentPrefix: prefix, midPrefix: "../", known: known), into: &w)
            PageBounds.note(d, rawHref: "raw", into: &w)
            w.raw("</pre></article>")
        }
        // next / prev / parent
        let order = model.messages
        let pos = order.firstIndex { model.entries[$0].doc?.key == first.key }
        func mhref(_ e: Int) -> String { "../" + URLs.mid(model.entries[e].doc!.mid) + "/" }
        w.raw("<nav class=nav><pre>")
        if let p = pos, p + 1 < order.count {
            w.raw("<a href=\"")
            w.attr(mhref(order[p + 1]))
            w.raw("\" rel=next>next</a> ")
        } else {
            w.raw("     ")
        }
        let parent = first.row.lastRef
        if let p = pos, p > 0 {
            let prevDoc = model.entries[order[p - 1]].doc!
            w.raw("<a href=\"")
            w.attr(mhref(order[p - 1]))
            if prevDoc.mid == parent {
                w.raw("\" rel=prev>prev parent</a>")
            } else {
                w.raw("\" rel=prev>prev</a>")
                if let parent {
                    w.raw(" <a href=\"")
                    w.attr("../" + URLs.mid(parent) + "/")
                    w.raw("\">parent</a>")
                }
            }
        } else if let parent {
            w.raw("     <a href=\"")
            w.attr("../" + URLs.mid(parent) + "/")
            w.raw("\" rel=prev>parent</a>")
        } else {
            w.raw("           ")
        }
        w.raw(" <a href=\"#R\">reply</a>\tother threads:[<a href=\"../?t=" + URLs.compactTime(first.row.ts) + "\">~")
        w.raw(URLs.shortTime(first.row.ts) + " UTC</a>|<a href=\"../\">newest</a>]</pre></nav><pre class=skel>")
        ThreadSkeleton.render(model, current: first, parentMid: parent, into: &w)
        w.raw("</pre>")
        ReplyInstructions(message: m0, listAddress: first.inbox.config.primaryAddress).render(into: &w)
        Layout.end(&w, scope: scope, upfx: "../")
        // a stand-in has no ETag: once git has the message again, a client must not keep it by a 304
        let standsIn = read.contains { $0.unavailable != nil }
        var r = Reply.html(w.bytes, etag: standsIn ? nil : etag)
        r.standsIn = standsIn
        return r
    }

    /// From, To, Cc, Subject, Date, Message-ID, In-Reply-To as on public-inbox.
    static func headerBlock(_ m: Message, doc: Doc, scope: Scope, first: Bool, copies: Int, known: Set<String>, into w: inout HTMLWriter) {
        w.raw("<span class=hdrs>")
        for v in m.headers.values("From") {
            w.raw("<b>From:</b> ")
            w.text(HeaderText.decode(v))
            w.raw("\n")
        }
        for (h, parsed) in [("To", m.to), ("Cc", m.cc)] {
            let values = m.headers.values(h)
            for v in values {
                w.raw("<b>\(h):</b> ")
                // one header: its addresses as the message parsed them
                w.text(values.count == 1 && !parsed.isEmpty ? foldAddresses(parsed) : foldAddresses(v))
                w.raw("\n")
            }
        }
        let subjects = m.headers.values("Subject")
        if subjects.isEmpty {
            w.raw("<b>Subject:</b> <a href=\"#r\"\(first ? " id=t" : "")>(no subject)</a>\n")
        }
        for (i, v) in subjects.enumerated() {
            w.raw("<b>Subject:</b> ")
            if i == 0 {
                w.raw("<a href=\"#r\"\(first ? " id=t" : "")>")
                w.text(HeaderText.decode(v))
                w.raw("</a>\n")
            } else {
                w.text(HeaderText.decode(v))
                w.raw("\n")
            }
        }
        let dates = m.headers.values("Date")
        for v in dates {
            w.raw("<b>Date:</b> ")
            w.text(v)
            if let d = MailDate.parse(v) { w.raw(" <span class=muted>(" + d.utcString + " UTC)</span>") }
            w.raw("\t<a href=\"#r\">[thread overview]</a>\n")
        }
        if dates.isEmpty {
            w.raw("<b>Date:</b> <span class=muted>" + doc.row.date.utcString + " UTC</span>\t<a href=\"#r\">[thread overview]</a>\n")
        }
        let ids = m.messageIDs
        if ids.count <= 1 && copies <= 1 {
            w.raw("<b>Message-ID:</b> &lt;")
            w.text(ids.first ?? doc.mid)
            w.raw("&gt; (<a href=\"raw\">raw</a>)\n")
        } else {
            for id in ids.isEmpty ? [doc.mid] : ids {
                let h = "../" + URLs.mid(id) + "/"
                w.raw("<b>Message-ID:</b> &lt;")
                w.link(h, id)
                w.raw("&gt; (")
                w.link(h + "raw", "raw")
                w.raw(")\n")
            }
        }
        let irt = m.headers.values("In-Reply-To")
        if !irt.isEmpty {
            for v in irt {
                w.raw("<b>In-Reply-To:</b> ")
                var rest = Substring(v)
                while let lt = rest.firstIndex(of: "<"), let gt = rest[lt...].firstIndex(of: ">") {
                    w.text(rest[..<lt])
                    let id = rest[rest.index(after: lt)..<gt]
                    w.raw("&lt;")
                    w.link("../" + URLs.mid(String(id)) + "/", id)
                    w.raw("&gt;")
                    rest = rest[rest.index(after: gt)...]
                }
                w.text(rest)
                w.raw("\n")
            }
        } else if let p = m.references.last {  // (read only here, when In-Reply-To is missing)
            w.raw("<b>In-Reply-To:</b> &lt;")
            w.link("../" + URLs.mid(p) + "/", p)
            w.raw("&gt;\n")
        }
        if scope.isAll {
            w.raw("<b>List:</b> ")
            w.link("../../" + doc.inbox.name + "/" + URLs.mid(doc.mid) + "/", doc.inbox.name)
            w.raw("\n")
        }
        w.raw("</span>")
    }

    /// An address header decoded and folded at 72 columns (`\n\t` continuation).
    static func foldAddresses(_ raw: String) -> String {
        let addrs = Address.parseList(raw)
        if addrs.isEmpty { return HeaderText.decode(raw) }
        return foldAddresses(addrs)
    }

    static func foldAddresses(_ addrs: [Address]) -> String {
        var out = ""
        var col = 4
        for (i, a) in addrs.enumerated() {
            let s = a.formatted + (i < addrs.count - 1 ? "," : "")
            if i > 0 {
                if col + 1 + s.count > 72 {
                    out += "\n\t"
                    col = 8
                } else {
                    out += " "
                    col += 1
                }
            }
            out += s
            col += s.count
        }
        return out
    }
}
