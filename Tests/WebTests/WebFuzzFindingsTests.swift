import Foundation
import TestSupport
import Testing

@testable import Web

/// Inputs scripts/fuzz.sh found bugs with (Tests/Fixtures/fuzz, minimised), requested from the
/// site as a browser would.
@Suite struct WebFuzzFindingsTests {
    let fx = WebFixture.shared

    /// A bare `&r` or `&t` (`fuzz.sh route`: the search page's own links did not keep their
    /// parameters): public-inbox reads a parameter that is there and not `0` as on, and writes
    /// its links so (`?q=x&r`); Tidings wrote the same links but read them as off, so the
    /// "relevance" link sorted by date and lore's `&t` links did not collapse threads.
    @Test func bareParametersAreOn() async throws {
        let url = String(decoding: Fixtures.fuzz("route-bare-search-parameters.txt"), as: UTF8.self)
        let query = String(url.split(separator: "?", maxSplits: 1)[1])
        let p = try #require(SearchParams(SearchParams.decode(query)))
        #expect(p.relevance && p.threads)
        let back = try #require(SearchParams(SearchParams.decode(String(p.href { _ in }.dropFirst()))))
        #expect(back.relevance && back.threads && back.q == p.q)
        #expect(SearchParams(SearchParams.decode("q=x&r=0&t=0")).map { !$0.relevance && !$0.threads } == true)
        // the page: the relevance link is followed to a page sorted by relevance
        let byDate = try await fx.get("/test/?q=virtio")
        let link = try #require(byDate.text.firstMatch(of: /<a href="(\?q=virtio[^"]*)">relevance<\/a>/)).1
        let byRelevance = try await fx.get("/test/" + String(link).replacingOccurrences(of: "&amp;", with: "&"))
        #expect(byRelevance.text.contains("<b>relevance</b>"))
        let threads = try await fx.get("/test/?q=s:virtio-balloon&t")
        #expect(threads.text.contains("Results 1-1 of 1"))
    }

    /// `/test/t/m/` (`fuzz.sh route`: a redirect that led to another redirect): the old
    /// `m/`, `t/`, `f/` forms were tried before the pages of a message, so the pages of a
    /// message whose id is `m`, `t` or `f` could not be reached (`/test/t/raw` redirected to
    /// `raw/t/`) and old links bounced twice. public-inbox tries the pages first.
    @Test func legacyFormsComeAfterMessagePages() {
        let path = String(decoding: Fixtures.fuzz("route-legacy-prefix-as-message-id.txt"), as: UTF8.self)
        func route(_ p: String) -> Route { Route.parse(Substring(p), isScope: { $0 == "test" }) }
        #expect(route(path) == .redirect(scope: "test", path: "m/t/#u", permanent: true))
        #expect(route("/test/m/t/") == .threadNested(scope: "test", mid: "m"))
        #expect(route("/test/t/raw") == .raw(scope: "test", mid: "t"))
        #expect(route("/test/f/T/") == .threadFlat(scope: "test", mid: "f"))
        // the old forms still redirect, once
        let mid = "20200103184044.73568-1-dverkamp@chromium.org"
        #expect(route("/test/m/\(mid).html") == .redirect(scope: "test", path: mid + "/", permanent: true))
        #expect(route("/test/t/\(mid)/mbox.gz") == .redirect(scope: "test", path: mid + "/t.mbox.gz", permanent: true))
        #expect(route("/test/f/\(mid).txt") == .redirect(scope: "test", path: mid + "/raw", permanent: true))
        #expect(route("/test/m/\(mid)/raw") == .redirect(scope: "test", path: mid + "/raw", permanent: true))
    }

    /// `/%3A` (`fuzz.sh route`): a one-character Message-ID was a page when %-escaped and not
    /// found when written plainly (the length was counted escaped). Both are now the same.
    @Test func bareMessageIDLengthIsCountedUnescaped() {
        let path = String(decoding: Fixtures.fuzz("route-bare-mid-one-character.txt"), as: UTF8.self)
        func route(_ p: String) -> Route { Route.parse(Substring(p), isScope: { $0 == "test" }) }
        #expect(route(path) == .notFound)
        #expect(route("/:") == .notFound)
        #expect(route("/%3A%3A") == .bareMid(mid: "::"))
        #expect(route("/::") == .bareMid(mid: "::"))
        #expect(route("/20200103184044.73568-1-dverkamp@chromium.org") == .bareMid(mid: "20200103184044.73568-1-dverkamp@chromium.org"))
    }
}
