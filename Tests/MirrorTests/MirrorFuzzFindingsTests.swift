import Foundation
import Mirror
import TestSupport
import Testing

/// What fuzzing the grokmirror manifest reader found (Tests/Fixtures/fuzz, FUZZING.md).
@Suite struct MirrorFuzzFindingsTests {
    /// A `modified` time of 1e300 trapped converting to Int64: one hostile upstream stopped
    /// `tidings clone` and `fetch`. Such a time is read as none.
    @Test func aManifestTimeBeyondInt64IsNone() throws {
        let m = try Manifest.parse(Fixtures.fuzz("manifest-modified-1e300.json"))
        #expect(m.entries.keys.sorted() == ["/test/git/0.git"])
        #expect(m.entries["/test/git/0.git"]?.modified == nil)
        let fine = try Manifest.parse(Array(#"{"/t/git/0.git":{"modified":1600000000.5}}"#.utf8))
        #expect(fine.entries["/t/git/0.git"]?.modified == 1_600_000_000)
    }
}
