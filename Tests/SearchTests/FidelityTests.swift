import Foundation
import GRDB
@testable import Index
import Testing
import TestSupport

/// Phrases match the words as written (public-inbox/Xapian: no stemming inside quotes), plain
/// words are stemmed, identifiers match as one term and by their parts; an index made before
/// the exact-words table is upgraded in place from git.
@Suite struct FidelityTests {
    typealias F = SearchFixture

    @Test func phrasesMatchTheWordsAsWritten() throws {
        // 045 writes "file descriptor"; 044 only "file descriptors"
        let singular = try F.hits("\"file descriptor\"")
        #expect(singular.contains(F.mid("045")))
        #expect(!singular.contains(F.mid("044")))
        let plural = try F.hits("\"file descriptors\"")
        #expect(plural.contains(F.mid("044")))
        #expect(!plural.contains(F.mid("045")))
        // unquoted words are stemmed: both forms either way
        for q in ["file descriptor", "descriptors", "b:descriptor"] {
            #expect(try F.hits(q).isSuperset(of: [F.mid("044"), F.mid("045")]), "\(q)")
        }
        // 045 says "shared page", 005 only "shared pages"
        #expect(try F.hits("\"shared page\"").contains(F.mid("045")))
        #expect(!(try F.hits("\"shared page\"").contains(F.mid("005"))))
        #expect(try F.hits("shared page").isSuperset(of: [F.mid("045"), F.mid("005")]))
    }

    @Test func identifiersAreOneTermAndMatchByTheirParts() throws {
        // 050/052/054 name virtio_balloon; 051/053 write virtio-balloon and
        // VIRTIO_BALLOON_F_FREE_PAGE_HINT, never virtio_balloon on its own
        let ident = try F.hits("virtio_balloon")
        #expect(ident.isSuperset(of: ["050", "052", "054"].map(F.mid)))
        #expect(ident.isDisjoint(with: ["051", "053"].map(F.mid)))
        #expect(try F.hits("virtio-balloon").isSuperset(of: ["051", "053"].map(F.mid)))
        #expect(try F.hits("\"virtio balloon\"").isSuperset(of: ["051", "053"].map(F.mid)))
        // 004 has "crtcs" only inside drm_encoder->possible_crtcs
        #expect(try F.hits("possible_crtcs") == [F.mid("004")])
        #expect(try F.hits("crtcs").contains(F.mid("004")))
        #expect(try F.hits("possible_crtc*") == [F.mid("004")])
        #expect(!(try F.hits("\"possible crtcs\"").contains(F.mid("004"))))
    }

    @Test func anIndexFromBeforeExactPhrasesIsUpgradedInPlace() throws {
        let t = try TemporaryInbox()
        let files = ["004", "005", "044", "045", "050", "051", "052"].map { Fixtures.corpusPath(F.entry($0).file) }
        try t.importFiles(files)
        let queries = ["\"file descriptor\"", "virtio_balloon", "\"shared page\"", "possible_crtcs", "descriptors"]
        func hits(_ index: ArchiveIndex) throws -> [[String]] {
            try queries.map { try index.search(SearchQuery.parse($0, now: F.now), limit: 100).rows.map(\.mid).sorted() }
        }
        let expected = try hits(t.inbox.index)
        let before = try t.inbox.index.scalar("SELECT count(*) FROM over")
        let nums = try t.inbox.index.read { db in try Int64.fetchAll(db, sql: "SELECT num FROM over ORDER BY mid") }
        // what schema 1 was: the same tables without fts_exact
        try t.inbox.index.writeBatches { db in
            try db.execute(sql: "DROP TABLE fts_exact; UPDATE meta SET value='1' WHERE key='schema'")
        }
        // read-only (a server that cannot write): stemmed phrases, no error
        let old = try Inbox(config: t.inbox.config, readOnly: true)
        #expect(try SearchUpgrade.needed(old.index))
        #expect(!old.index.hasExactSearch)
        #expect(try old.index.search(SearchQuery.parse("\"file descriptor\"", now: F.now)).rows.map(\.mid).contains(F.mid("044")))
        // opened for writing: upgraded from git, numbers kept, the same hits as a new index
        let upgraded = try Inbox(config: t.inbox.config)
        #expect(upgraded.index.hasExactSearch)
        #expect(try !SearchUpgrade.needed(upgraded.index))
        #expect(try upgraded.index.scalar("SELECT value FROM meta WHERE key='schema'") == Int64(Schema.version))
        #expect(try upgraded.index.scalar("SELECT count(*) FROM over") == before)
        #expect(try upgraded.index.read { db in try Int64.fetchAll(db, sql: "SELECT num FROM over ORDER BY mid") } == nums)
        #expect(try hits(upgraded.index) == expected)
        // and new mail goes into both tables
        try Importer(inbox: upgraded).importSources([.file(path: Fixtures.corpusPath(F.entry("053").file))])
        #expect(try upgraded.index.search(SearchQuery.parse("\"virtio balloon\"", now: F.now)).rows.map(\.mid).contains(F.mid("053")))
    }
}
