import Foundation
import Index
import Mail
import TestSupport
import Testing

@Suite struct PatchIDTests {
    /// The first id `git patch-id --stable` prints for `input`, nil when it prints none.
    func gitPatchID(_ input: [UInt8]) throws -> String? {
        let out = try SearchFixture.git(["patch-id", "--stable"], input: input)
        return out.split(separator: " ").first.map(String.init)
    }

    @Test func equalsGitOnEveryFixtureFile() throws {
        var withPatch = 0
        for file in Fixtures.corpusFiles + Fixtures.syntheticFiles.map({ "../synthetic/" + $0 }) {
            let raw = Fixtures.corpus(file)
            let expected = try gitPatchID(raw)
            #expect(PatchID.stable(bytes: raw) == expected, "\(file)")
            if expected != nil { withPatch += 1 }
        }
        #expect(withPatch >= 10)
    }

    @Test func equalsGitOnEveryDecodedTextPart() throws {
        var checked = 0
        for file in Fixtures.corpusFiles {
            let m = Message.parse(Fixtures.corpus(file))
            for p in m.parts where p.isText {
                guard let text = p.text, PatchIDTestsSupport.mayHoldPatch(text) else { continue }
                #expect(PatchID.stable(text) == (try gitPatchID(Array(text.utf8))), "\(file) part \(p.index)")
                checked += 1
            }
        }
        #expect(checked >= 10)
    }

    @Test func ignoresWhitespaceAndFileOrder() throws {
        let a = "diff --git a/x.c b/x.c\nindex 1111111..2222222 100644\n--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n int a;\n-int b;\n+int  c;\n"
        let b = "diff --git a/y.c b/y.c\n--- a/y.c\n+++ b/y.c\n@@ -10 +10 @@\n-foo\n+bar\n"
        let ab = PatchID.stable(a + b)
        #expect(ab != nil)
        #expect(PatchID.stable(b + a) == ab)
        #expect(PatchID.stable(a.replacingOccurrences(of: "int  c", with: "int c") + b) == ab)
        #expect(PatchID.stable("Some prose\n\n" + a + b + "-- \n2.7.4\n") == ab)
        #expect(try gitPatchID(Array((b + a).utf8)) == ab)
        #expect(PatchID.stable("no patch here\n--- a\n+++ b\n") == nil)
    }

    @Test func indexedAndFoundByPatchidPrefix() throws {
        // 028 is a plain-text patch: its id as git computes it from the file finds it
        let id028 = try #require(try gitPatchID(Fixtures.corpus(SearchFixture.entry("028").file)))
        #expect(try SearchFixture.hits("patchid:\(id028)") == [SearchFixture.mid("028")])
        // the review (059) is of patch 12 (058): b4 finds the patch by the id of its diff
        let id058 = try #require(try gitPatchID(Fixtures.corpus(SearchFixture.entry("058").file)))
        let review = SearchFixture.message("059")
        let found = try SearchFixture.hits("patchid:\(id058)")
        #expect(found == [try #require(review.parentID)])
        // 037-039 post the same revert three times (the Message-ID reused): one id, three messages
        let revert = try #require(try gitPatchID(Fixtures.corpus(SearchFixture.entry("037").file)))
        let r = try SearchFixture.index.search(SearchQuery.parse("patchid:\(revert.uppercased())", now: SearchFixture.now))
        #expect(r.total == 3)
        // as b4 asks: a long OR of ids, most unknown
        var terms = (0..<73).map { "patchid:" + String(repeating: String(format: "%x", $0 % 16), count: 40) }
        terms += ["patchid:\(id028)", "patchid:\(id058)"]
        #expect(try SearchFixture.hits(terms.joined(separator: " OR ")) == [SearchFixture.mid("028"), SearchFixture.mid("058")])
        #expect(try SearchFixture.hits("patchid:1234").isEmpty)
        #expect(try SearchFixture.hits("patchid:\(id028) s:randbuild") == [SearchFixture.mid("028")])
        #expect(try SearchFixture.hits("patchid:\(id028) OR s:SEV").contains(SearchFixture.mid("057")))
    }
}

enum PatchIDTestsSupport {
    static func mayHoldPatch(_ text: String) -> Bool {
        text.split(separator: "\n", omittingEmptySubsequences: false).contains {
            $0.hasPrefix("diff ") || $0.hasPrefix("--- ") || $0.hasPrefix("+++ ")
        }
    }
}
