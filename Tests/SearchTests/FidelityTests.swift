import Foundation
import GRDB
@testable import Index
import Mail
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

    /// FTS5's own check of both full-text tables (a contentless table's delete that does not
    /// repeat what was inserted leaves it inconsistent).
    static func fullTextIsConsistent(_ index: ArchiveIndex) throws {
        try index.writeBatches { db in
            for table in SearchDocument.tables {
                try db.execute(sql: "INSERT INTO \(table)(\(table), rank) VALUES('integrity-check', 0)")
            }
        }
    }

    /// How many term instances each full-text table holds for article `num`.
    static func termsIndexed(_ index: ArchiveIndex, num: Int64) throws -> [Int64] {
        try index.writeBatches { db in
            try SearchDocument.tables.map { table in
                try db.execute(sql: "CREATE VIRTUAL TABLE IF NOT EXISTS temp.\(table)_v USING fts5vocab(main, \(table), 'instance')")
                return try Int64.fetchOne(db, sql: "SELECT count(*) FROM temp.\(table)_v WHERE doc=?", arguments: [num]) ?? 0
            }
        }
    }

    /// Each full-text table's record of how many rows and words it holds (FTS5's "averages",
    /// `_data` row 1): a row inserted twice, or taken out with other words than it went in
    /// with, shows here.
    static func totals(_ index: ArchiveIndex) throws -> [Data] {
        try index.read { db in
            try SearchDocument.tables.map { try Data.fetchOne(db, sql: "SELECT block FROM \($0)_data WHERE id=1") ?? Data() }
        }
    }

    @Test func textAttachmentsAreSearchedAsPublicInboxSearchesThem() throws {
        // 016 attaches pkt_len_test.py, 022 virtio-gpu-bo.c (base64): words only in the attachments
        #expect(try F.hits("pyroute2") == [F.mid("016")])
        #expect(try F.hits("drm_ioctl_virtgpu_transfer_to_host") == [F.mid("022")])
        #expect(try F.hits("\"virgl_bind_constant_buffer\"") == [F.mid("022")])
        #expect(try F.hits("nq:bpf_trace_printk") == [F.mid("016")])
        // but they are not the body: no gist from them
        let num = try #require(try F.index.scalar("SELECT num FROM over WHERE mid=?", [F.mid("022")]))
        let gist = try #require(try F.index.gists(of: [num])?[num])
        #expect(!gist.isEmpty && !gist.contains("DRM_IOCTL") && !gist.contains("virgl_bind") && !gist.contains("#include"), "\(gist)")
    }

    @Test func noPhraseSpansTwoLinesOfADiffAsInPublicInbox() throws {
        // 025 adds a comment wrapped as "… we can't support live" / "+\t * migration, …"
        #expect(!(try F.hits("\"live migration\"").contains(F.mid("025"))))
        #expect(try F.hits("live migration").contains(F.mid("025")))
        #expect(!(try F.hits("\"access method\"").contains(F.mid("025"))))
        // within one line a phrase still matches: "+\thelp" … "bridges virtio"
        #expect(try F.hits("\"Virtio PCI bridge\"").contains(F.mid("025")))
    }

    @Test func anIndexFromBeforeTextAttachmentsIsUpgradedInPlace() throws {
        let t = try TemporaryInbox()
        let prefixes = ["004", "016", "022", "044", "045"]
        try t.importFiles(prefixes.map { Fixtures.corpusPath(F.entry($0).file) })
        let queries = ["pyroute2", "drm_ioctl_virtgpu_transfer_to_host", "\"file descriptor\"", "descriptors", "virtio", "f:kraxel"]
        func hits(_ index: ArchiveIndex) throws -> [[String]] {
            try queries.map { try index.search(SearchQuery.parse($0, now: F.now), limit: 100).rows.map(\.mid).sorted() }
        }
        let expected = try hits(t.inbox.index)
        #expect(expected[0] == [F.mid("016")] && expected[1] == [F.mid("022")])
        let num = try #require(try t.inbox.index.scalar("SELECT num FROM over WHERE mid=?", [F.mid("022")]))
        let termsOf022 = try FidelityTests.termsIndexed(t.inbox.index, num: num)
        let totals = try FidelityTests.totals(t.inbox.index)
        // what schema 6 left: its own full text (here none) and no `fulltext` mark
        try t.inbox.index.writeBatches { db in
            try db.execute(sql: "DROP TABLE fts; DROP TABLE fts_exact")
            try Schema.createFullText(db)
            try db.execute(sql: "DELETE FROM meta WHERE key='fulltext'; UPDATE meta SET value='6' WHERE key='schema'")
        }
        try FidelityTests.fullTextIsConsistent(t.inbox.index)
        let old = try Inbox(config: t.inbox.config, readOnly: true)
        #expect(try SearchUpgrade.needed(old.index))
        #expect(try old.index.search(SearchQuery.parse("pyroute2", now: F.now)).rows.isEmpty)
        // opened for writing: the full text written again from git, the same as a new index
        let upgraded = try Inbox(config: t.inbox.config)
        #expect(try !SearchUpgrade.needed(upgraded.index))
        #expect(try upgraded.index.scalar("SELECT value FROM meta WHERE key='schema'") == Int64(Schema.version))
        #expect(try hits(upgraded.index) == expected)
        try FidelityTests.fullTextIsConsistent(upgraded.index)
        // a message with an attachment taken out takes all its words along
        let blob = try #require(
            try upgraded.index.read { db in try String.fetchOne(db, sql: "SELECT blob FROM over WHERE mid=?", arguments: [F.mid("022")]) })
        // the words of 022 as a new index has them, neither fewer nor twice
        #expect(try FidelityTests.termsIndexed(upgraded.index, num: num) == termsOf022)
        #expect(try FidelityTests.totals(upgraded.index) == totals)
        try upgraded.index.write { w in _ = try w.remove(blob: blob, message: F.message("022")) }
        try FidelityTests.fullTextIsConsistent(upgraded.index)
        #expect(try FidelityTests.termsIndexed(upgraded.index, num: num) == [0, 0])
        #expect(try upgraded.index.search(SearchQuery.parse("drm_ioctl_virtgpu_transfer_to_host", now: F.now)).rows.isEmpty)
    }

    @Test func aCorruptObjectCostsTheUpgradeOnlyItsOwnMessage() throws {
        let t = try TemporaryInbox()
        try t.importFiles(["004", "016", "022", "044", "045"].map { Fixtures.corpusPath(F.entry($0).file) })
        try t.inbox.index.writeBatches { db in
            try db.execute(sql: "DELETE FROM meta WHERE key='fulltext'; UPDATE meta SET value='6' WHERE key='schema'")
        }
        // 016's blob is there but unreadable: git cat-file fails on it (and on what it was asked after it)
        let git = t.inbox.repository.epochPath(0)
        try DamagedGit.unpack(git)
        let blob = try #require(try t.inbox.index.messages(mid: F.mid("016")).first?.blob)
        let path = "\(git)/objects/\(blob.prefix(2))/\(blob.dropFirst(2))"
        try FileManager.default.removeItem(atPath: path)
        #expect(FileManager.default.createFile(atPath: path, contents: Data("not zlib at all".utf8)))
        let upgraded = try Inbox(config: t.inbox.config)
        #expect(try !SearchUpgrade.needed(upgraded.index))
        func hits(_ q: String) throws -> [String] {
            try upgraded.index.search(SearchQuery.parse(q, now: F.now), limit: 100).rows.map(\.mid)
        }
        // the others, asked after it in the same round trip, are all in the new full text
        #expect(try hits("drm_ioctl_virtgpu_transfer_to_host") == [F.mid("022")])
        #expect(try hits("\"file descriptor\"") == [F.mid("045")])
        #expect(try hits("possible_crtcs") == [F.mid("004")])
        #expect(try hits("pyroute2").isEmpty)
    }
}
