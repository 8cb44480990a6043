import Index
import Mail

/// `/INBOX/`: the newest 200 messages grouped into topics (threads), latest activity first,
/// with message counts and paging by `?t=` (public-inbox's `index_topics`).
enum TopicsPage {
    static let pageSize = 200

    struct Topic {
        var latestTs: Int64
        var count: Int
        var subject: String
        var mid: String
        /// Further distinct subjects in the topic: (level, subject, mid).
        var extra: [(Int, String, String)]
    }

    static func render(scope: Scope, t: Substring?, etag: String) throws -> Reply {
        var before: Int64?
        var after: Int64?
        if let t, let p = URLs.parsePageTime(t) { if p.newer { after = p.seconds } else { before = p.seconds } }
        var docs = try scope.recent(before: before, after: after, limit: pageSize)
        if after != nil && docs.count < pageSize { docs = try scope.recent(before: nil, after: nil, limit: pageSize) }
        let topics = group(docs)
        var w = HTMLWriter(capacity: 65536)
        Layout.start(&w, title: scope.title, scope: scope, upfx: "", titleHref: t == nil ? "./" : "./")
        w.raw("<h1>")
        w.text(scope.title)
        w.raw("</h1>")
        if topics.isEmpty {
            w.raw("<pre>[No topics in range]</pre>")
        } else {
            w.raw("<pre class=topics>")
            for (i, tp) in topics.enumerated() {
                if i > 0 { w.raw("\n") }
                w.raw("<a class=s href=\"")
                w.attr(URLs.relativeMid(tp.mid) + "/T/" + (tp.count == 1 ? "#u" : "#t"))
                w.raw("\">")
                w.text(tp.subject)
                w.raw("</a>\n " + URLs.shortTime(tp.latestTs) + " UTC " + (tp.count > 1 ? " (\(tp.count)+ messages)" : "") + "\n")
                for (level, s, mid) in tp.extra {
                    w.raw(String(repeating: "  ", count: level) + "` <a href=\"")
                    w.attr(URLs.relativeMid(mid) + "/T/#u")
                    w.raw("\">")
                    w.text(s)
                    w.raw("</a>\n")
                }
            }
            w.raw("</pre>")
        }
        // paging
        var next = ""
        if docs.count >= pageSize, let oldest = docs.map(\.row.ts).min() {
            next = "<a href=\"?t=" + URLs.compactTime(oldest) + "\" rel=next>next (older)</a>"
        }
        var prev = ""
        if t != nil, let newest = docs.map(\.row.ts).max() {
            prev = "<a href=\"?t=" + URLs.compactTime(newest) + "-\" rel=prev>prev (newer)</a> | <a href=\".\">latest</a>"
            next = next.isEmpty ? String(repeating: " ", count: 13) + "| " : next + " | "
        }
        if !next.isEmpty || !prev.isEmpty { w.raw("<hr><pre class=nav>page: " + next + prev + "</pre>") }
        Layout.end(&w, scope: scope, upfx: "")
        return .html(w.bytes, status: topics.isEmpty ? .notFound : .ok, etag: etag)
    }

    static func group(_ docs: [Doc]) -> [Topic] {
        var rows: [OverviewRow] = []
        var byKey: [Int64: Doc] = [:]
        for d in docs {
            var r = d.row
            r.num = d.key
            rows.append(r)
            byKey[d.key] = d
        }
        var topics: [Topic] = []
        for root in ThreadTree.build(rows) {
            // (level, subject, latest mid, its ts) per distinct subject; [0] is the topic's
            var subjects: [(Int, String, String, Int64)] = []
            var index: [String: Int] = [:]
            var latest: Int64 = 0
            var count = 0
            for (level, n) in root.flattened() {
                guard let r = n.row else { continue }
                count += 1
                latest = max(latest, r.ts)
                let subj = ThreadModel.normalizedSubject(r.subject)
                if let i = index[subj] {
                    if r.ts >= subjects[i].3 {
                        subjects[i].2 = r.mid
                        subjects[i].3 = r.ts
                    }
                } else {
                    index[subj] = subjects.count
                    subjects.append((subjects.isEmpty ? 0 : max(level, 1), subj, r.mid, r.ts))
                }
            }
            guard let top = subjects.first else { continue }
            topics.append(
                Topic(latestTs: latest, count: count, subject: top.1, mid: top.2, extra: subjects.dropFirst().map { ($0.0, $0.1, $0.2) }))
        }
        return topics.sorted { $0.latestTs > $1.latestTs }
    }
}

/// `/INBOX/new.html`: the newest messages, flat, newest first.
enum NewPage {
    static func render(scope: Scope, t: Substring?) throws -> Reply {
        var before: Int64?
        if let t, let p = URLs.parsePageTime(t), !p.newer { before = p.seconds }
        let docs = try scope.recent(before: before, after: nil, limit: 25)
        var w = HTMLWriter(capacity: 65536)
        Layout.start(&w, title: scope.title, scope: scope, upfx: "")
        w.raw("<h1>Newest messages</h1>")
        for d in docs {
            let (m, unavailable) = PageBounds.messageOrPlaceholder(d)
            let known = try scope.known(MessageBody.candidates(m))
            let href = URLs.relativeMid(d.mid) + "/"
            w.raw("<article class=msg><pre><b>")
            w.link(href, m.subject.isEmpty ? "(no subject)" : m.subject)
            w.raw("</b>\nFrom: ")
            w.text(m.from.map(\.displayName).joined(separator: ", "))
            w.raw(" @ " + URLs.shortTime(d.row.ds) + " UTC (<a href=\"")
            w.attr(href + "raw")
            w.raw("\">raw</a> / <a href=\"")
            w.attr(href + "T/#u")
            w.raw("\">thread</a>)\n\n")
            PageBounds.body(m, unavailable: unavailable, MessageBody(attachmentPrefix: href, midPrefix: "", known: known), into: &w)
            PageBounds.note(d, rawHref: href + "raw", into: &w)
            w.raw("</pre></article>")
        }
        if docs.count == 25, let oldest = docs.last {
            w.raw("<pre class=nav><a href=\"?t=" + URLs.compactTime(oldest.row.ts - 1) + "\" rel=next>next (older)</a></pre>")
        }
        Layout.end(&w, scope: scope, upfx: "")
        return .html(w.bytes)
    }
}

/// `/`: every inbox with its description, address and last update, and `/all/`.
enum InboxList {
    static func render(site: Site) throws -> [UInt8] {
        var w = HTMLWriter()
        Layout.startPlain(&w, title: "public inboxes")
        w.raw("<h1>Public inboxes</h1><table class=ib><thead><tr><th>inbox</th><th>address</th><th>last update</th></tr></thead><tbody>")
        for ib in site.inboxes {
            guard let sc = site.scope(named: Substring(ib.name)) else { continue }
            let g = try ib.index.generation()
            w.raw("<tr><td><a href=\"")
            w.attr(URLs.percentEscape(ib.name, keep: "-._~") + "/")
            w.raw("\"><b>")
            w.text(ib.name)
            w.raw("</b></a><br>")
            w.text(sc.title)
            w.raw("</td><td><code>")
            w.text(ib.config.addresses.joined(separator: ", "))
            w.raw("</code></td><td>")
            w.text(g.newest.map { URLs.shortTime($0) + " UTC" } ?? "never")
            w.raw(" <span class=muted>(\(g.messages) messages)</span></td></tr>")
        }
        w.raw("</tbody></table><p><a href=\"all/\">all inboxes together</a> (one view over every inbox, duplicates merged)</p>")
        Layout.endPlain(&w)
        return w.bytes
    }
}
