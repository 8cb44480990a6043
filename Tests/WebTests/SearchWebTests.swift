import Foundation
import FoundationXML
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Index
import NIOCore
import TestSupport
import Testing

@testable import Web

/// Counts the messages of an mboxrd (its `From ` separator lines).
func mboxMessages(_ bytes: [UInt8]) -> [String] {
    String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).filter {
        $0.hasPrefix("From ")
    }.map(String.init)
}

@Suite struct SearchWebTests {
    let fx = WebFixture.shared

    func post(_ uri: String, body: String = "") async throws -> TestResponse {
        try await fx.app().test(.router) { client in
            try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body)) { $0 }
        }
    }

    @Test func htmlResultsListHitsNewestFirstWithHighlights() async throws {
        let r = try await fx.get("/test/?q=s:virtio-balloon")
        #expect(r.status == .ok)
        let h = r.text
        #expect(h.contains("Results 1-3 of 3"))  // not "virtio_balloon: …": one other term, as in public-inbox
        #expect(
            h.contains(
                "href=\"20200103184044.73568-1-dverkamp@chromium.org/\">[PATCH v2 1/2] virtio-balloon: initialize all vq callbacks</a>"))
        #expect(h.contains("<mark>virtio</mark>"))
        #expect(h.contains("<mark>balloon</mark>"))
        #expect(h.contains("value=\"s:virtio-balloon\""))  // the search box keeps the query
        // newest first: the reply to the reply precedes the root
        let root = h.range(of: "1. <b><a href=\"20200103184044.73568-1-dverkamp")
        #expect(root == nil)
        expectNoInjection(h)
    }

    @Test func pagingLimitAndCounts() async throws {
        let all = try await fx.get("/test/?q=virtio")
        #expect(all.status == .ok)
        let one = try await fx.get("/test/?q=virtio&l=1")
        #expect(one.text.contains("Results 1-1 of ~"))
        #expect(one.text.contains("rel=next"))
        let second = try await fx.get("/test/?q=virtio&l=1&o=1")
        #expect(second.text.contains("Results 2-2 of ~"))
        #expect(second.text.contains("rel=prev"))
        let big = try await fx.get("/test/?q=virtio&l=100000")
        #expect(big.status == .ok)
        let threads = try await fx.get("/test/?q=s:virtio-balloon&t=1")
        #expect(threads.text.contains("Results 1-1 of 1"))
        let twoThreads = try await fx.get("/test/?q=s:balloon&t=1")  // virtio_balloon by its parts
        #expect(twoThreads.text.contains("Results 1-2 of 2"))
        let rel = try await fx.get("/test/?q=virtio&r=1")
        #expect(rel.text.contains("<b>relevance</b>"))
    }

    /// `x=t`: the hits threaded among themselves, an overview linking to each on the page.
    @Test func nestedViewThreadsTheHits() async throws {
        let r = try await fx.get("/test/?q=s:virtio-balloon&x=t")
        #expect(r.status == .ok)
        let h = r.text
        #expect(h.contains("-- links below jump to the message on this page --"))
        #expect(h.contains("<b>nested</b>"))
        #expect(h.contains("<input type=hidden name=\"x\" value=\"t\">"))  // the search box keeps the view
        func captures(_ pattern: String) -> [String] {
            let re = try! NSRegularExpression(pattern: pattern)
            return re.matches(in: h, range: NSRange(h.startIndex..., in: h)).map { String(h[Range($0.range(at: 1), in: h)!]) }
        }
        let overview = captures("href=\"#m([0-9a-f-]+)\" id=r")
        let messages = captures("<article class=msg><pre><a href=#r[0-9a-f-]+ id=m([0-9a-f-]+)>")
        #expect(messages.count == 3)
        #expect(overview.count == 3)
        #expect(Set(overview) == Set(messages))
        // the dverkamp patch and the replies that hit too: nested under it, its full body shown
        #expect(h.contains("<ul class=th><li>"))
        #expect(h.contains("permalink</a> / <a href=\"20200103184044.73568-1-dverkamp@chromium.org/raw\">raw</a>)"))
        #expect(h.contains("+++ b/drivers/virtio/virtio_balloon.c"))
        expectNoInjection(h)
        let summary = try await fx.get("/test/?q=s:virtio-balloon")
        #expect(!summary.text.contains("<article"))
    }

    @Test func badQueryIs400AndNoHitsIs404() async throws {
        let bad = try await fx.get("/test/?q=%28s%3Afoo")
        #expect(bad.status == .badRequest)
        #expect(bad.text.contains("Bad query: "))
        let none = try await fx.get("/test/?q=zzqqxxnotaword")
        #expect(none.status == .notFound)
        #expect(none.text.contains("No results found"))
        let badMbox = try await post("/test/?q=%28s%3Afoo&x=m")
        #expect(badMbox.status == .badRequest)
        let noneMbox = try await post("/test/?q=zzqqxxnotaword&x=m")
        #expect(noneMbox.status == .notFound)
        #expect(noneMbox.text == "No results found\n")
    }

    @Test func queryIsEscapedEverywhere() async throws {
        let r = try await fx.get("/test/?q=%3Cscript%3Ealert(1)%3C/script%3E")
        #expect(!r.text.contains("<script>alert"))
        #expect(r.text.contains("&lt;script&gt;"))
    }

    @Test func atomResults() async throws {
        let r = try await fx.get("/test/?q=s:virtio-balloon&x=A")
        #expect(r.status == .ok)
        #expect(r.headers[.contentType] == "application/atom+xml")
        let doc = try XMLDocument(data: Data(r.bytes))
        let entries = try doc.nodes(forXPath: "//*[local-name()='entry']")
        #expect(entries.count == 3)
    }

    @Test func mboxResultsAndThreadExpansion() async throws {
        let r = try await post("/test/?q=s:virtio-balloon+AND+f:dverkamp&x=m")
        #expect(r.status == .ok)
        #expect(r.headers[.contentType] == "application/gzip")
        #expect(r.headers[.contentDisposition]?.hasPrefix("inline; filename=results-") == true)
        let hits = mboxMessages(try gunzip(r.bytes))
        #expect(hits.count == 1)
        // t=1 and a form body `x=1` both expand every hit to its whole thread (5 messages)
        let t = try await post("/test/?q=s:virtio-balloon+AND+f:dverkamp&x=m&t=1")
        #expect(mboxMessages(try gunzip(t.bytes)).count == 5)
        #expect(t.headers[.contentDisposition]?.hasPrefix("inline; filename=results-thread-") == true)
        let body = try await post("/test/?q=s:virtio-balloon+AND+f:dverkamp&x=m", body: "x=1")
        #expect(mboxMessages(try gunzip(body.bytes)).count == 5)
        let zero = try await post("/test/?q=s:virtio-balloon+AND+f:dverkamp&x=m", body: "x=0")
        #expect(mboxMessages(try gunzip(zero.bytes)).count == 1)
    }

    @Test func mboxWithinOneThread() async throws {
        let everywhere = try await post("/test/?q=virtio&x=m")
        let n = mboxMessages(try gunzip(everywhere.bytes)).count
        let inThread = try await post("/test/20200103184044.73568-1-dverkamp@chromium.org/?q=virtio&x=m")
        #expect(inThread.status == .ok)
        let m = mboxMessages(try gunzip(inThread.bytes)).count
        #expect(m == 5)
        #expect(n > m)
        let outside = try await post("/test/20200428151725.31091-1-joro@8bytes.org/?q=virtio-balloon&x=m")
        #expect(outside.status == .notFound)
    }

    @Test func allInboxesSearch() async throws {
        let r = try await fx.get("/all/?q=s:virtio-balloon")
        #expect(r.status == .ok)
        #expect(r.text.contains("[test]"))
        let m = try await post("/all/?q=s:virtio-balloon&x=m")
        #expect(mboxMessages(try gunzip(m.bytes)).count == 3)
    }

    /// `/all/?r=1`: hits of every inbox merged by bm25 rank, not inbox after inbox.
    @Test func allInboxesRelevanceMergesByRank() throws {
        let q = try SearchQuery.parse("virtio OR qxl", now: 0)
        let hits = try fx.site.all.search(q, offset: 0, limit: 500, relevance: true, threads: false)
        var rank: [Int64: Double] = [:]
        for (i, ib) in fx.site.all.inboxes.enumerated() {
            let r = try ib.index.search(q, offset: 0, limit: 500, order: .relevance)
            #expect(r.ranks.count == r.rows.count)
            for (row, k) in zip(r.rows, r.ranks) { rank[Int64(i) << 40 | row.num] = k }
        }
        let ranks = hits.docs.compactMap { rank[$0.key] }
        #expect(ranks.count == hits.docs.count)
        #expect(ranks == ranks.sorted())
        #expect(Set(hits.docs.map(\.inboxIndex)) == [0, 1])
    }

    @Test func snippets() {
        let text = "> quoted\nfirst line\n\n  second line\nthird has Virtio\nvirtio again\nand virtio thrice\nvirtio four\n"
        #expect(SearchPage.snippet(text, terms: []) == ["first line", "second line"])
        #expect(SearchPage.snippet(text, terms: ["virtio"]) == ["third has Virtio", "virtio again", "and virtio thrice"])
        #expect(SearchPage.snippet(text, terms: ["absent"]) == ["first line", "second line"])
        let long = String(repeating: "x ", count: 200) + "needle" + String(repeating: " y", count: 200)
        let cut = SearchPage.snippet(long, terms: ["needle"])
        #expect(cut.count == 1 && cut[0].contains("needle") && cut[0].hasPrefix("…") && cut[0].hasSuffix("…"))
        #expect(cut.first.map { $0.count <= 162 } == true)
        var w = HTMLWriter()
        SearchPage.highlight("a <b>Virtio</b> & virtio_ring", terms: ["virtio"], into: &w)
        #expect(w.string == "a &lt;b&gt;<mark>Virtio</mark>&lt;/b&gt; &amp; <mark>virtio</mark>_ring")
        // inflections, as stemming matched them
        #expect(
            SearchPage.snippet("a\nwe migrated it\nno leaked pages\n", terms: ["migrations", "leaks"]) == [
                "we migrated it", "no leaked pages",
            ])
        // `_` separates words, as in the index: a hit inside an identifier is shown
        #expect(SearchPage.snippet("x\n+static int vhost_sw_live_migration_stop(void)\n", terms: ["live migration"]).count == 1)
    }

    @Test func formDecoding() {
        let d = SearchParams.decode("q=a%20b+c&x=%ZZ&l=%E2%9C%93;r&bad=%F0")
        #expect(d.map(\.0) == ["q", "x", "l", "r", "bad"])
        #expect(d.map(\.1) == ["a b c", "%ZZ", "\u{2713}", "", "\u{FFFD}"])
    }

    /// Cache keys: the text for a query without dates (looked up before parsing); resolved
    /// ranges for one with, so a relative date never reuses an older day's page.
    @Test func cacheKeys() throws {
        for q in ["s:foo", "patchid:abc OR patchid:def", "\"x y\" -z"] {
            #expect(SearchPage.isTimeless(q))
            #expect(SearchPage.cacheKey(try SearchQuery.parse(q, now: 0), q) == q)
        }
        let rel = "s:foo d:last.week.."
        for q in [rel, "dt:20200101000000..", "x (rt:1.day.ago..)", "-d:2020..", "\u{201C}a\u{201D} d:2020.."] {
            #expect(!SearchPage.isTimeless(q), "\(q)")
        }
        let monday = try SearchQuery.parse(rel, now: 1_700_000_000)
        let tuesday = try SearchQuery.parse(rel, now: 1_700_000_000 + 86_400)
        #expect(SearchPage.cacheKey(monday, rel) != SearchPage.cacheKey(tuesday, rel))
    }

    /// Result pages and mbox downloads are cached, but never past a change of the inbox.
    @Test func cachedResultsFollowNewMail() async throws {
        let inbox = try TemporaryInbox(name: "c", address: "c@example.org")
        try inbox.importFiles(["050-thread-small-root.eml", "052-thread-small-reply-to-root.eml"].map(Fixtures.corpusPath))
        let app = Application(responder: WebResponder(site: Site(inboxes: [inbox.inbox])))
        func get(_ uri: String, post: Bool = false) async throws -> TestResponse {
            try await app.test(.router) { client in try await client.execute(uri: uri, method: post ? .post : .get) { $0 } }
        }
        let q = "/c/?q=s:virtio-balloon"
        let first = try await get(q)
        #expect(first.text.contains("Results 1-2 of 2"))
        #expect(try await get(q).text == first.text)  // from the cache: the same page
        let mbox1 = try await get(q + "&x=m", post: true)
        let mbox2 = try await get(q + "&x=m", post: true)
        #expect(mboxMessages(try gunzip(mbox1.bytes)).count == 2)
        #expect(mbox2.bytes == mbox1.bytes)
        try inbox.importFiles([Fixtures.corpusPath("054-thread-small-reply-to-reply.eml")])
        try await Task.sleep(for: .milliseconds(1100))  // inbox changes are polled once a second
        #expect(try await get(q).text.contains("Results 1-3 of 3"))
        #expect(mboxMessages(try gunzip(try await get(q + "&x=m", post: true).bytes)).count == 3)
    }

    @Test func searchBoxAndHelp() async throws {
        let t = try await fx.get("/test/")
        #expect(t.text.contains("<input name=q type=search"))
        let m = try await fx.get("/test/20200103184044.73568-1-dverkamp@chromium.org/")
        #expect(m.text.contains("<form class=search action=\"../\">"))
        let help = try await fx.get("/test/_/text/help/")
        #expect(help.text.contains("patchid:"))
        #expect(help.text.contains("dfhh:"))
        #expect(help.text.contains("approxidate"))
    }
}
