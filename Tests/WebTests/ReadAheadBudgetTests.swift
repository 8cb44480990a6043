import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Index
import Support
import TestSupport
import Testing

@testable import Web

/// What thread pages read ahead of their next messages is bounded in all (issue 18: a thousand
/// pages streaming at once each held up to 256 KiB): a page streamed when the site's budget is
/// spent reads each message as it comes to it and is the same page, and a page gives back
/// everything it took once it has streamed.
@Suite struct ReadAheadBudgetTests {
    @Test func aPageWithoutReadAheadIsTheSameAndTheBudgetComesBack() async throws {
        let inbox = try TemporaryInbox(name: "ra", address: "ra@example.org")
        let thread = [
            "050-thread-small-root.eml", "051-thread-small-patch2.eml", "052-thread-small-reply-to-root.eml",
            "053-thread-small-reply-to-patch2.eml", "054-thread-small-reply-to-reply.eml",
        ]
        try inbox.importFiles(thread.map(Fixtures.corpusPath))
        let root = "20200103184044.73568-1-dverkamp@chromium.org"  // 050's Message-ID
        func page(_ site: Site, _ view: String) async throws -> String {
            try await Application(responder: WebResponder(site: site)).test(.router) { client in
                try await client.execute(uri: "/ra/\(URLs.mid(root))/\(view)/", method: .get) { String(buffer: $0.body) }
            }
        }
        let searches = SearchGate(limits: .init())
        let ample = Site(inboxes: [inbox.inbox], cacheBytes: 0, searches: searches)
        let none = Site(inboxes: [inbox.inbox], cacheBytes: 0, searches: searches, readAheadBytes: 0)
        for view in ["T", "t"] {
            let read = try await page(ample, view)
            #expect(read.contains("</html>"))
            #expect(read.components(separatedBy: "<article class=msg>").count == 6, "\(view): five messages")
            #expect(try await page(none, view) == read, "\(view)")
            #expect(ample.all.readingAhead.inUse == 0)
            #expect(none.all.readingAhead.inUse == 0)
        }
    }

    @Test func theBudgetIsSharedAndNeverOverdrawn() {
        let budget = ByteBudget(limit: 100)
        #expect(budget.take(60))
        #expect(!budget.take(50))
        #expect(budget.take(40))
        #expect(budget.inUse == 100)
        budget.give(100)
        #expect(budget.inUse == 0)
    }
}
