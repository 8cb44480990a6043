import Mail
import TestSupport
import Testing

/// What changed in a patch's diff between two versions, on real patches of the qspl series
/// (Tests/Fixtures/series: v1 3/8 → v2 2/6 and v1 5/8 → v2 4/6; what `diff` of the two
/// `git mailinfo` patches shows is in the comments).
@Suite struct InterdiffTests {
    func body(_ prefix: String) -> String { Message.parse(Fixtures.bytes(Fixtures.series(prefix))).bodyText }

    @Test func aContextLineThatChangedIsShownRemovedAndAdded() {
        // v1 2/8 (smp_rmb → rmb) was dropped in v2, so two context lines of 3/8 read `rmb();` in v2 2/6
        let d = Interdiff(old: body("30"), new: body("38"))
        #expect(!d.unchanged && !d.tooLarge)
        let changed = d.lines.filter { $0.mark != " " && $0.mark != "…" }
        #expect(changed.map(\.mark) == ["-", "+", "-", "+"])
        #expect(changed.map(\.text) == [" \tsmp_rmb();", " \trmb();", " \tsmp_rmb();", " \trmb();"])
        // index lines (different blob ids) and hunk line numbers are not compared
        #expect(!d.lines.contains { $0.text.hasPrefix("index ") || $0.text.hasPrefix("@@ -") })
        #expect(d.omitted == 0)
    }

    @Test func addedLinesOfTheNewerDiffAreMarkedWithTheirContext() {
        // v2 4/6 adds a comment of five lines to the new qspinlock.h
        let d = Interdiff(old: body("32"), new: body("40"))
        let added = d.lines.filter { $0.mark == "+" }.map(\.text)
        #expect(added.contains("+\t * This barrier was added to simple spinlocks by commit 51d7d5205d338,"))
        #expect(added.first == "+\t/*")
        #expect(d.lines.contains { $0.mark == " " })  // context around the change
        #expect(!d.lines.contains { $0.mark == "-" && $0.text.contains("This barrier") })
    }

    @Test func theSameDiffIsUnchangedAndTheWorkIsBounded() {
        // v1 1/8 and v2 1/6 have the same patch-id
        #expect(Interdiff(old: body("28"), new: body("37")).unchanged)
        let small = Interdiff(old: body("30"), new: body("38"), maxLines: 3)
        #expect(small.lines.count == 3 && small.omitted > 0)
        let capped = Interdiff(old: body("31"), new: body("32"), maxInput: 100)
        #expect(capped.tooLarge && capped.lines.isEmpty && !capped.unchanged)
    }
}
