import Foundation
import GRDB
@testable import Index
import Mail
import TestSupport
import Testing

/// The opening prose each message keeps in the index (schema 6) for search result snippets:
/// what the author wrote, not what was quoted or the diff, bounded; and an older index
/// upgraded in place from git.
@Suite struct GistTests {
    static func gist(_ name: String) -> String {
        let m = Message.parse(Fixtures.corpus(name))
        return Gist.of(BodyLines(SearchDocument.text(of: m)).lines)
    }

    @Test func aReplyKeepsItsOwnWordsNotTheQuote() {
        let g = Self.gist("030-reviewed-by-reply.eml")
        #expect(
            g.hasPrefix(
                "On Wed, May 22, 2019 at 12:33:07PM +0200, Gerd Hoffmann wrote:\nReviewed-by: Sam Ravnborg <sam@ravnborg.org>\nAlways nice with the code removal patches.\nWill you apply yourself?\nSam\n"
            ))
        #expect(!g.split(separator: "\n").contains { $0.hasPrefix(">") || $0.isEmpty })
    }

    @Test func aPatchKeepsItsCommitMessageNotItsDiff() {
        let g = Self.gist("028-patch-single.eml")
        #expect(g.hasPrefix("If DEM_QXL is y and DRM_TTM_HELPER is m, building fails:\ndrivers/gpu/drm/qxl/qxl_object.o:"))
        #expect(g.contains("Signed-off-by: YueHaibing <yuehaibing@huawei.com>"))
        #expect(!g.contains("diff --git") && !g.contains("\n+") && !g.contains("\n@@"))
    }

    @Test func everyCorpusFixtureGivesABoundedGistOfWholeCharacters() {
        var nonEmpty = 0
        for path in Fixtures.corpusFiles {
            let m = Message.parse(Fixtures.corpus(path))
            let g = Gist.of(BodyLines(SearchDocument.text(of: m)).lines)
            #expect(g.utf8.count <= Gist.maxBytes, "\(path)")
            #expect(!g.contains("\u{FFFD}") || SearchDocument.text(of: m).contains("\u{FFFD}"), "\(path): cut inside a character")
            if !g.isEmpty { nonEmpty += 1 }
        }
        #expect(nonEmpty >= Fixtures.corpusFiles.count - 2)
    }

    @Test func aLongBodyIsCutAtALineAndAHugeLineAtACharacter() {
        let lines = (1...200).map { "line \($0) of prose" }.joined(separator: "\n")
        let g = Gist.of(BodyLines(lines).lines)
        #expect(g.utf8.count <= Gist.maxBytes && g.hasSuffix("of prose") && g.hasPrefix("line 1 of prose\nline 2"))
        let wide = String(repeating: "\u{00E9}", count: 2000)  // 2 bytes each: 4000 bytes on one line
        let cut = Gist.of(BodyLines(wide).lines)
        #expect(cut.utf8.count == Gist.maxBytes && cut.allSatisfy { $0 == "\u{00E9}" })
        // no prose at all (a bare quote): its first lines of any kind
        #expect(Gist.of(BodyLines("> only\n> quoted\n").lines) == "> only\n> quoted")
    }

    @Test func anIndexFromBeforeGistsIsUpgradedInPlaceFromGit() throws {
        let t = try TemporaryInbox()
        try t.importFiles(Fixtures.corpusFiles.map(Fixtures.corpusPath))
        let nums = try t.inbox.index.read { db in try Int64.fetchAll(db, sql: "SELECT num FROM over ORDER BY num") }
        let before = try #require(try t.inbox.index.gists(of: nums))
        #expect(before.count == nums.count)
        try t.inbox.index.writeBatches { db in
            try db.execute(sql: "DROP TABLE gist; UPDATE meta SET value='5' WHERE key='schema'")
        }
        let old = try Inbox(config: t.inbox.config, readOnly: true)
        #expect(try SearchUpgrade.needed(old.index))
        #expect(try old.index.gists(of: nums) == nil)  // the search page reads the messages instead
        let upgraded = try Inbox(config: t.inbox.config)
        #expect(try !SearchUpgrade.needed(upgraded.index))
        #expect(try upgraded.index.scalar("SELECT value FROM meta WHERE key='schema'") == Int64(Schema.version))
        #expect(try upgraded.index.gists(of: nums) == before)
        // a message taken out of the index takes its gist along
        let first = try #require(
            try upgraded.index.read { db in try String.fetchOne(db, sql: "SELECT blob FROM over WHERE num=?", arguments: [nums[0]]) })
        try upgraded.index.write { w in _ = try w.remove(blob: first, message: nil) }
        #expect(try upgraded.index.gists(of: nums)?.count == nums.count - 1)
    }
}
