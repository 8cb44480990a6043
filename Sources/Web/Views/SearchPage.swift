import Foundation
import HTTPTypes
import Index
import Mail
import Store
import Support

extension Scope {
    /// Hits over every inbox of the scope, merged newest first (with `relevance`, best rank first).
    struct SearchHits {
        var total: Int
        var docs: [Doc]
    }

    func search(_ query: SearchQuery, offset: Int, limit: Int, relevance: Bool, threads: Bool) throws -> SearchHits {
        let order: SearchOrder = relevance ? .relevance : .date
        if inboxes.count == 1 {
            let r = try inboxes[0].index.search(query, offset: offset, limit: limit, order: order, collapseThreads: threads)
            return SearchHits(total: r.total, docs: r.rows.map { doc($0, 0) })
        }
        var total = 0
        var all: [(doc: Doc, rank: Double)] = []
        for (i, ib) in inboxes.enumerated() {
            let r = try ib.index.search(query, offset: 0, limit: offset + limit, order: order, collapseThreads: threads)
            total += r.total
            all += r.rows.enumerated().map { (doc($0.element, i), $0.offset < r.ranks.count ? r.ranks[$0.offset] : 0) }
        }
        // newest first; by relevance, the best bm25 rank of any inbox first (bm25 scores of
        // separate FTS5 tables are comparable enough: same tokenizer, similar statistics)
        all.sort {
            if relevance && $0.rank != $1.rank { return $0.rank < $1.rank }
            return ($0.doc.row.ts, $0.doc.key) > ($1.doc.row.ts, $1.doc.key)
        }
        return SearchHits(total: total, docs: all.dropFirst(offset).prefix(limit).map(\.doc))
    }

    /// (inbox index, article number) of every hit, for mbox downloads; `mid` limits the search
    /// to that message's thread.
    func searchArticles(_ query: SearchQuery, expand: Bool, mid: String?) throws -> [(Int, Int64)] {
        var out: [(Int, Int64)] = []
        for (i, ib) in inboxes.enumerated() {
            var tid: Int64?
            if let mid {
                guard let t = try ib.index.thread(of: mid, limit: 1) else { continue }
                tid = t.seed.tid
            }
            out += try ib.index.searchArticles(query, expandThreads: expand, thread: tid).map { (i, $0) }
        }
        return out
    }
}

/// `/INBOX/?q=`: search results as HTML (`x=A`: Atom), and `POST …?x=m`: as gzipped mboxrd.
enum SearchPage {
    static func parse(_ q: String) -> Result<SearchQuery, SearchQuery.ParseError> {
        do {
            return .success(try SearchQuery.parse(q, now: Int64(Date().timeIntervalSince1970)))
        } catch let e as SearchQuery.ParseError {
            return .failure(e)
        } catch {
            return .failure(SearchQuery.ParseError("\(error)"))
        }
    }

    /// The query text with its date ranges as resolved now (`d:last.week..` moves with the clock);
    /// for a query without dates, the text alone.
    static func cacheKey(_ query: SearchQuery, _ q: String) -> String {
        query.dateRanges.map { "\($0.column.rawValue):\($0.lower ?? -1)..\($0.upper ?? -1)|" }.joined() + q
    }

    static func render(scope: Scope, params p: SearchParams, host: String?, upfx: String = "") throws -> Reply {
        // a page is cached until an inbox of the scope changes; the key holds the resolved date
        // ranges, so `d:last.week..` is never served from an older day. A query without dates
        // is looked up before it is parsed (b4's 75-term ORs took longer to parse than to serve)
        let prefix =
            "search|\(p.x)|\(p.offset)|\(p.limit)|\(p.relevance)|\(p.threads)|\(upfx)|\(p.x == "A" ? host ?? "" : "")|"
        let type = p.x == "A" ? Atom.contentType : Reply.htmlType
        let query: SearchQuery
        let key: String
        switch lookup(scope: scope, prefix: prefix, q: p.q) {
        case .hit(let bytes): return Reply(contentType: type, body: .bytes(bytes))
        case .miss(let q, let k): (query, key) = (q, k)
        case .bad(let e):
            if p.x == "A" { return .text("Bad query: " + e.message + "\n", status: .badRequest) }
            return page(scope: scope, params: p, upfx: upfx, status: .badRequest) { w in
                w.raw("<pre>Bad query: ")
                w.text(e.message)
                w.raw("</pre>")
            }
        }
        let reply = try results(scope: scope, query: query, params: p, host: host, upfx: upfx)
        if reply.status == .ok, !reply.standsIn, reply.contentType == type, case .bytes(let b) = reply.body { scope.store(key, b) }
        return reply
    }

    /// What the cache holds for a request: its answer, or the parsed query with the key to keep
    /// the answer under, or why the query is bad.
    enum Lookup {
        case hit([UInt8])
        case miss(SearchQuery, key: String)
        case bad(SearchQuery.ParseError)
    }

    /// Looks `q` up under `prefix` (the request's other parameters): a query without dates
    /// before it is parsed, any other once its dates are resolved.
    static func lookup(scope: Scope, prefix: String, q: String) -> Lookup {
        if isTimeless(q), let hit = scope.cachedValue(prefix + q) { return .hit(hit) }
        switch parse(q) {
        case .failure(let e): return .bad(e)
        case .success(let query):
            let key = prefix + cacheKey(query, q)
            if let hit = scope.cachedValue(key) { return .hit(hit) }
            return .miss(query, key: key)
        }
    }

    /// Whether `q` has no date prefix (`d:`, `dt:`, `rt:`), so that its results depend on its
    /// text alone and `cacheKey` is the text itself.
    static func isTimeless(_ q: String) -> Bool {
        let b = Array(q.utf8)
        for i in b.indices {
            // a prefix starts a term: at the start, or after a blank, `(`, `+`, `-` or a quote
            if i > 0 && ![0x20, 0x09, 0x0A, 0x0D, 0x28, 0x2B, 0x2D, 0x22].contains(b[i - 1]) && b[i - 1] < 0x80 { continue }
            for p in ["d:", "dt:", "rt:"] where b[i...].starts(with: p.utf8) { return false }
        }
        return true
    }

    static func results(scope: Scope, query: SearchQuery, params p: SearchParams, host: String?, upfx: String) throws -> Reply {
        let hits = try scope.search(query, offset: p.offset, limit: p.limit, relevance: p.relevance, threads: p.threads)
        if hits.docs.isEmpty {
            if p.x == "A" { return .notFoundPlain("No results found\n") }
            return page(scope: scope, params: p, upfx: upfx, status: .notFound) { w in
                w.raw("<pre>[No results found]")
                if p.offset > 0 { w.raw(" <a href=\"" + HTML.attribute(p.href { $0.offset = 0 }) + "\">first page</a>") }
                w.raw("</pre>")
            }
        }
        if p.x == "A" {
            let base = scope.baseURL(host: host)
            return try Atom.feed(
                scope: scope, docs: hits.docs, title: "search results for " + p.q, selfHref: base + p.href { $0.x = "A" },
                id: URLs.uuid("q\n" + p.q), base: base)
        }
        var standsIn = false
        var reply = try page(scope: scope, params: p, upfx: upfx, status: .ok) { w in
            w.raw("<pre>Search results ordered by [")
            if p.relevance {
                w.raw("<a href=\"" + HTML.attribute(p.href { $0.relevance = false }) + "\">date</a>|<b>relevance</b>]")
            } else {
                w.raw("<b>date</b>|<a href=\"" + HTML.attribute(p.href { $0.relevance = true }) + "\">relevance</a>]")
            }
            // view: summary (x=) | nested (x=t) | Atom; hits: every one | one per thread (t=1)
            let views = [("", "summary"), ("t", "nested")]
            w.raw("  view[")
            for (x, label) in views {
                w.raw(p.x == x ? "<b>" + label + "</b>|" : "<a href=\"" + HTML.attribute(p.href { $0.x = x }) + "\">" + label + "</a>|")
            }
            w.raw("<a href=\"" + HTML.attribute(p.href { $0.x = "A" }) + "\">Atom feed</a>]  hits[")
            w.raw(
                p.threads
                    ? "<a href=\"" + HTML.attribute(p.href { $0.threads = false }) + "\">all</a>|<b>one per thread</b>]\n"
                    : "<b>all</b>|<a href=\"" + HTML.attribute(p.href { $0.threads = true }) + "\">one per thread</a>]\n")
            let last = p.offset + hits.docs.count
            w.raw("Results \(p.offset + 1)-\(last) of \(hits.total == last && p.offset == 0 ? "" : "~")\(hits.total)")
            w.raw("</pre><form method=post action=\"" + HTML.attribute(p.href { $0.x = "m" }) + "\">")
            w.raw(
                "<pre><input type=submit value=\"download mbox.gz: \"><label><input type=radio name=x value=0 checked>results only</label>")
            w.raw(" <label><input type=radio name=x value=1>full threads</label></pre></form><hr>")
            if p.x == "t" {
                standsIn = try SearchThreadView.render(scope: scope, docs: hits.docs, upfx: upfx, into: &w)
            } else {
                summary(scope: scope, hits: hits.docs, params: p, terms: query.highlightTerms, upfx: upfx, into: &w)
            }
            w.raw("<hr><pre>")
            var nav: [String] = []
            if last < hits.total {
                nav.append("<a href=\"" + HTML.attribute(p.href { $0.offset = last }) + "\" rel=next>next</a>")
            }
            if p.offset > 0 {
                nav.append("<a href=\"" + HTML.attribute(p.href { $0.offset = max(0, p.offset - p.limit) }) + "\" rel=prev>prev</a>")
            }
            w.raw(nav.joined(separator: " | "))
            w.raw("</pre>")
        }
        reply.standsIn = standsIn
        return reply
    }

    /// One entry per hit: subject, author, date, and for the first hits a snippet.
    static func summary(scope: Scope, hits: [Doc], params p: SearchParams, terms: [String], upfx: String, into w: inout HTMLWriter) {
        let texts = snippetTexts(scope: scope, hits: hits.prefix(snippetHits))
        let needles = Self.needles(terms)
        w.raw("<pre class=results>")
        for (i, d) in hits.enumerated() {
            w.raw("\(p.offset + i + 1). <b><a href=\"")
            w.attr(upfx + URLs.relativeMid(d.mid) + "/")
            w.raw("\">")
            w.text(d.row.subject.isEmpty ? "(no subject)" : d.row.subject)
            w.raw("</a></b>\n    - by ")
            w.text(d.row.fromName.isEmpty ? d.row.fromAddr : d.row.fromName)
            w.raw(" @ " + URLs.shortTime(d.row.ds) + " UTC")
            if scope.isAll {
                w.raw(" [")
                w.text(d.inbox.name)
                w.raw("]")
            }
            w.raw("\n")
            if i < texts.count, let text = texts[i] {
                for line in snippet(text, needles: needles) {
                    w.raw("      ")
                    highlight(line, needles: needles, into: &w)
                    w.raw("\n")
                }
            }
            w.raw("\n")
        }
        w.raw("</pre>")
    }

    static func page(
        scope: Scope, params p: SearchParams, upfx: String, status: HTTPResponse.Status, _ body: (inout HTMLWriter) throws -> Void
    ) rethrows -> Reply {
        var w = HTMLWriter(capacity: 65536)
        var hidden: [(String, String)] = []
        if p.relevance { hidden.append(("r", "1")) }
        if p.threads { hidden.append(("t", "1")) }
        if p.x == "t" { hidden.append(("x", "t")) }
        Layout.start(&w, title: p.q + " - search results", scope: scope, upfx: upfx, query: p.q, hidden: hidden)
        try body(&w)
        Layout.end(&w, scope: scope, upfx: upfx)
        var r = Reply.html(w.bytes)
        r.status = status
        return r
    }

    /// `POST …?q=&x=m`: the hits (with `t=1`, their whole threads) as gzipped mboxrd, streamed.
    static func mbox(scope: Scope, params p: SearchParams, mid: String?) throws -> Reply {
        let fn = URLs.filename(fromSubject: (p.threads ? "results-thread-" : "results-") + p.q) ?? "results"
        // b4 and lei repeat their queries: a finished download is kept until the scope changes
        let query: SearchQuery
        let key: String
        switch lookup(scope: scope, prefix: "smbox|\(p.threads)|\(mid ?? "")|", q: p.q) {
        case .hit(let gzip): return Mbox.downloaded(gzip, filename: fn)
        case .miss(let q, let k): (query, key) = (q, k)
        case .bad(let e): return .text("Bad query: " + e.message + "\n", status: .badRequest)
        }
        let ids = try scope.searchArticles(query, expand: p.threads, mid: mid)
        if ids.isEmpty { return .text("No results found\n", status: .notFound, type: "text/plain") }
        return Mbox.download(scope: scope, filename: fn, cacheKey: key) { ArticleStream(scope: scope, ids: ids) }
    }

    /// Streams the messages of a list of (inbox, article) pairs, looking their blobs up a
    /// batch at a time (one SQLite read per message was a quarter of a download's cost).
    final class ArticleStream: ChunkSource, @unchecked Sendable {
        let scope: Scope
        let ids: [(Int, Int64)]
        var pos = 0
        var blobsEnd = 0
        /// The batch's blobs in order, and where each article's is among them (none: no blob).
        var blobList: [String] = []
        var blobIndex: [Int64: Int] = [:]
        var ahead = ReadAhead()
        let lock = Lock()

        init(scope: Scope, ids: [(Int, Int64)]) {
            self.scope = scope
            self.ids = ids
        }

        func next() throws -> [UInt8]? {
            try lock.withLock {
                var out: [UInt8] = []
                while out.count < 65536 && pos < ids.count {
                    if pos >= blobsEnd {
                        // a batch: the following ids of the same inbox
                        var end = pos
                        while end < ids.count && end - pos < 256 && ids[end].0 == ids[pos].0 { end += 1 }
                        let blobs = try scope.inboxes[ids[pos].0].index.blobs(nums: ids[pos..<end].map(\.1))
                        blobsEnd = end
                        blobList = []
                        blobIndex = [:]
                        for (_, num) in ids[pos..<end] {
                            guard let b = blobs[num], blobIndex[num] == nil else { continue }
                            blobIndex[num] = blobList.count
                            blobList.append(b)
                        }
                        ahead.reset()
                    }
                    let (i, num) = ids[pos]
                    pos += 1
                    // read with the next ones of the batch (those with a blob)
                    let found = blobList
                    guard let at = blobIndex[num], let raw = ahead.raw(scope.inboxes[i], at: at, count: found.count, blob: { found[$0] })
                    else { continue }
                    out += Mbox.entry(raw)
                }
                return out.isEmpty ? nil : out
            }
        }
    }
}
