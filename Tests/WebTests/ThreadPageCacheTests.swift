import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Index
import TestSupport
import Testing

@testable import Web

/// A thread page, once streamed, is kept whole and served from the cache, the same bytes
/// whatever the next client accepts, until new mail changes the thread.
@Suite struct ThreadPageCacheTests {
    @Test func aStreamedThreadPageIsKeptUntilTheThreadChanges() async throws {
        let inbox = try TemporaryInbox(name: "c", address: "c@example.org")
        try inbox.importFiles(["050-thread-small-root.eml", "052-thread-small-reply-to-root.eml"].map(Fixtures.corpusPath))
        let site = Site(inboxes: [inbox.inbox])
        let app = Application(responder: WebResponder(site: site))
        func get(_ uri: String, gzip: Bool = false) async throws -> TestResponse {
            try await app.test(.router) { client in
                try await client.execute(uri: uri, method: .get, headers: gzip ? [.acceptEncoding: "gzip"] : [:]) { $0 }
            }
        }
        let root = "20200103184044.73568-1-dverkamp@chromium.org"  // 050's Message-ID
        let scope = try #require(site.scope(named: "c"))
        for nested in [false, true] {
            let uri = "/c/\(URLs.mid(root))/\(nested ? "t" : "T")/"
            let key = "tpage|\(nested)|" + root
            #expect(scope.cachedValue(key) == nil)
            // a client that takes gzip first: the page is kept as it was before gzip
            let zipped = try await get(uri, gzip: true)
            #expect(zipped.headers[.contentEncoding] == "gzip")
            let page = try gunzip(Array(buffer: zipped.body))
            #expect(String(decoding: page, as: UTF8.self).contains("</html>"))
            #expect(scope.cachedValue(key) == page)
            let again = try await get(uri)
            #expect(Array(buffer: again.body) == page)
        }
        // new mail in the thread: the kept pages are not served any more
        let before = try await get("/c/\(URLs.mid(root))/T/")
        try inbox.importFiles([Fixtures.corpusPath("054-thread-small-reply-to-reply.eml")])
        try await Task.sleep(for: .milliseconds(1100))  // inbox changes are polled once a second
        let after = try await get("/c/\(URLs.mid(root))/T/")
        #expect(Array(buffer: after.body) != Array(buffer: before.body))
        #expect(String(buffer: after.body).contains("3+ messages in thread"))
    }
}
