import Foundation
import TestSupport
import Testing

@testable import Mirror

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

    /// `05.git` beside `5.git` was epoch 5 twice (a clone would fetch it twice): an epoch is
    /// named as public-inbox names it, without a leading zero (found by `scripts/fuzz.sh
    /// manifest`, 2026-12-08).
    @Test func anEpochWithALeadingZeroIsNoEpoch() throws {
        let m = try Manifest.parse(Fixtures.fuzz("manifest-epoch-leading-zero.json"))
        #expect(RemoteInbox.epochs(in: m, inboxPath: "/b").map(\.epoch) == [5])
        #expect(RemoteInbox.Site.split("/b/git/05.git") == nil)
        #expect(RemoteInbox.Site.split("/b/git/10.git")?.1 == 10)
        #expect(RemoteInbox.Site.split("/b/git/0.git")?.1 == 0)
    }
}
