import Foundation
import GRDB
@testable import Index
import Mail
import TestSupport
import Testing

/// Series, versions and trailers found at index time on the real series fixtures
/// (Tests/Fixtures/series/README.md says what each one is).
@Suite struct SeriesTests {
    static func mid(_ prefix: String) -> String { Message.parse(Fixtures.bytes(Fixtures.series(prefix))).primaryID! }

    /// One inbox with every series fixture, shared by the tests that only read.
    nonisolated(unsafe) static let shared: TemporaryInbox = {
        let t = try! TemporaryInbox()
        try! t.importFiles(Fixtures.seriesFiles)
        return t
    }()

    func lines(_ m: SeriesMember?) -> [String] { (m?.trailers ?? []).map(\.trailer.line) }

    @Test func coverLetterPatchesAndTrailersGivenToTheCoverAndThreeRepliesDown() throws {
        let index = Self.shared.inbox.index
        let s = try #require(try index.series(of: Self.mid("01")))
        #expect(s.versions.count == 1)
        let v = s.version
        #expect(v.version == 1 && v.total == 2 && v.label == "PATCH" && !v.resend)
        #expect(v.title == "virtio-blk: improve handling of DMA mapping failures")
        #expect(v.cover?.row.mid == Self.mid("01"))
        #expect(v.patches.map(\.counter) == [1, 2])
        #expect(v.patches.map(\.row.mid) == [Self.mid("02"), Self.mid("03")])
        #expect(v.missing.isEmpty)
        let stefan = "Reviewed-by: Stefan Hajnoczi <stefanha@redhat.com>"
        let ming = "Reviewed-by: Ming Lei <ming.lei@redhat.com>"
        #expect(lines(v.cover) == [stefan])
        #expect(lines(v.patches[0]) == [ming, stefan])
        #expect(v.patches[0].trailers.map(\.fromCover) == [false, true])
        #expect(v.patches[0].trailers[0].mid == Self.mid("05"))
        #expect(lines(v.patches[1]) == [stefan])
        #expect(v.trailerCounts.map(\.name) == ["Reviewed-by"])
        #expect(v.trailerCounts.map(\.count) == [2])
        // any member finds the same series, and so does a reply in its thread
        #expect(try index.series(of: Self.mid("03"))?.version.cover?.row.mid == Self.mid("01"))
        #expect(try index.series(of: Self.mid("04"))?.version.cover?.row.mid == Self.mid("01"))
        #expect(try index.series(of: Self.mid("06"))?.version.cover?.row.mid == Self.mid("01"))
        // diffstat from the patches
        #expect(v.patches[0].diffstat.files.map(\.path) == ["drivers/block/virtio_blk.c"])
        #expect(v.diffstat.added > 0 && v.diffstat.removed > 0)
    }

    @Test func versionsLinkedByCoverTitleAndSenderWithMissingPatchesAndConditionalOffersLeftOut() throws {
        let s = try #require(try Self.shared.inbox.index.series(of: Self.mid("12")))
        #expect(s.versions.map(\.version) == [4, 5])
        #expect(s.current == 1)
        #expect(s.versions.map { $0.cover?.row.mid } == [Self.mid("07"), Self.mid("11")])
        #expect(s.versions.map(\.missing) == [[2], [2]])
        // v4: "With the wording fixed," / "With the things from Conny fixed,": not given yet
        #expect(lines(s.versions[0].patches.first) == [])
        #expect(lines(s.versions[1].patches.first) == ["Acked-by: Halil Pasic <pasic@linux.ibm.com>"])
        #expect(try Self.shared.inbox.index.series(of: Self.mid("07"))?.current == 0)
    }

    @Test func coverTitlesThatDifferMakeTwoSeriesAsB4Sees() throws {
        let index = Self.shared.inbox.index
        let v2 = try #require(try index.series(of: Self.mid("14")))
        let v3 = try #require(try index.series(of: Self.mid("16")))
        #expect(v2.versions.map(\.version) == [2])
        #expect(v3.versions.map(\.version) == [3])
        #expect(v2.version.cover?.row.mid == Self.mid("24"))
        #expect(lines(v2.version.patches.first) == ["Acked-by: Christian Borntraeger <borntraeger@de.ibm.com>"])
        // 17 (Cornelia) answers 18 (Halil): both reach the patch
        #expect(
            Set(lines(v3.version.patches.first)) == [
                "Acked-by: Halil Pasic <pasic@linux.ibm.com>", "Acked-by: Cornelia Huck <cohuck@redhat.com>",
            ])
    }

    @Test func lonePatchesAndResendsAreVersionsOfOneSeries() throws {
        let s = try #require(try Self.shared.inbox.index.series(of: Self.mid("21")))
        #expect(s.versions.map(\.name) == ["v1", "v2 RESEND", "v3", "v3 RESEND"])
        #expect(s.versions.map { $0.head.row.mid } == ["19", "20", "21", "22"].map(Self.mid))
        #expect(s.versions.allSatisfy { $0.cover == nil && $0.patches.count == 1 && $0.missing.isEmpty })
        #expect(s.versions[s.current].name == "v3")
        // the RESEND of v3 is the same diff; v1 → v2 changed it
        #expect(s.versions[3].compared(since: s.versions[2]).patches.map(\.kind) == [.unchanged])
        #expect(s.versions[1].compared(since: s.versions[0]).patches.map(\.kind) == [.changed])
    }

    @Test func recentSeriesNewestFirstOneEntryPerVersion() throws {
        let all = try Self.shared.inbox.index.recentSeries(limit: 100)
        // dmabl, validate v4+v5, accept v2+v3, multitouch ×4, qspl v1-v3, rwonce 00/18 and v3; no
        // series counted twice
        #expect(all.count == 14)
        #expect(all.map(\.head.row.ts) == all.map(\.head.row.ts).sorted(by: >))
        let page = try Self.shared.inbox.index.recentSeries(limit: 3)
        let next = try Self.shared.inbox.index.recentSeries(limit: 100, before: page.last!.head.row.ts)
        #expect(page.count + next.count == all.count)
    }

    @Test func mailInAnyOrderGivesTheSameSeries() throws {
        let t = try TemporaryInbox()
        try t.importFiles(Fixtures.seriesFiles.reversed())
        for p in ["01", "12", "16", "21", "37"] {
            let a = try #require(try t.inbox.index.series(of: Self.mid(p)))
            let b = try #require(try Self.shared.inbox.index.series(of: Self.mid(p)))
            #expect(a.versions.map { $0.patches.map(\.row.mid) } == b.versions.map { $0.patches.map(\.row.mid) })
            #expect(
                a.versions.map { $0.patches.map { Set($0.trailers.map(\.trailer.line)) } }
                    == b.versions.map { $0.patches.map { Set($0.trailers.map(\.trailer.line)) } })
        }
    }

    /// `raw` without its threading headers (sent without `--thread`).
    static func unthreaded(_ raw: [UInt8]) -> [UInt8] {
        var out: [String] = []
        var dropping = false
        var inHeader = true
        for line in String(decoding: raw, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            if inHeader && line.isEmpty { inHeader = false }
            if inHeader {
                if line.first == " " || line.first == "\t" {
                    if dropping { continue }
                } else {
                    dropping = line.lowercased().hasPrefix("in-reply-to:") || line.lowercased().hasPrefix("references:")
                    if dropping { continue }
                }
            }
            out.append(String(line))
        }
        return Array(out.joined(separator: "\n").utf8)
    }

    @Test func patchesSentWithoutThreadingJoinTheirCoverLetter() throws {
        let t = try TemporaryInbox()
        try t.importBytes(["01", "02", "03"].map { Self.unthreaded(Fixtures.bytes(Fixtures.series($0))) })
        let tids = try Set(["01", "02", "03"].map { try t.inbox.index.messages(mid: Self.mid($0))[0].tid })
        #expect(tids.count == 3)
        let v = try #require(try t.inbox.index.series(of: Self.mid("03"))).version
        #expect(v.cover?.row.mid == Self.mid("01"))
        #expect(v.patches.map(\.counter) == [1, 2])
        #expect(try t.inbox.index.recentSeries(limit: 10).count == 1)
    }

    /// `raw` with `change-id:` added after its diff (as b4 writes it) and a new title.
    static func withChangeID(_ raw: [UInt8], title: String?) -> [UInt8] {
        var s = String(decoding: raw, as: UTF8.self)
        if let title, let r = s.range(of: "virtio-input: add multi-touch support") { s.replaceSubrange(r, with: title) }
        let footer = try! #require(s.range(of: "_______________________________________________", options: .backwards))
        s.insert(contentsOf: "\n---\nbase-commit: 0123456789abcdef\nchange-id: 20201125-multitouch-5a1b2c3d\n\n", at: footer.lowerBound)
        return Array(s.utf8)
    }

    @Test func aChangeIDLinksVersionsWhoseTitlesDiffer() throws {
        let t = try TemporaryInbox()
        try t.importBytes([
            Self.withChangeID(Fixtures.bytes(Fixtures.series("19")), title: nil),
            Self.withChangeID(Fixtures.bytes(Fixtures.series("21")), title: "virtio-input: support multi-touch"),
            Fixtures.bytes(Fixtures.series("20")),  // same title, no change-id: not this series
        ])
        let s = try #require(try t.inbox.index.series(of: Self.mid("21")))
        #expect(s.versions.map(\.version) == [1, 3])
        #expect(s.version.changeID == "20201125-multitouch-5a1b2c3d")
        #expect(s.version.title == "virtio-input: support multi-touch")
    }

    @Test func theOutlineForMessagePagesHasTheSameVersionsAndThisVersionsTrailers() throws {
        let index = Self.shared.inbox.index
        for p in ["01", "03", "12", "07", "21", "22", "16"] {
            let full = try #require(try index.series(of: Self.mid(p)))
            let outline = try #require(try index.seriesOutline(of: Self.mid(p)))
            #expect(outline.versions.map(\.tag) == full.versions.map(\.tag))
            #expect(outline.versions.map { $0.head.row.mid } == full.versions.map { $0.head.row.mid })
            #expect(outline.current == full.current)
            #expect(outline.version.trailerCounts.map(\.count) == full.version.trailerCounts.map(\.count))
            #expect(outline.version.patches.map(\.row.mid) == full.version.patches.map(\.row.mid))
        }
    }

    @Test func trailersGivenToTheSamePatchPostedElsewhereCount() throws {
        // 1/2 resent alone, in a thread of its own: Ming Lei's review of the original reaches it
        // (same git patch-id)
        var s = String(decoding: Self.unthreaded(Fixtures.bytes(Fixtures.series("02"))), as: UTF8.self)
        s = s.replacingOccurrences(of: "<20200213123728.61216-2-pasic@linux.ibm.com>", with: "<resend-1.pasic@example.org>")
        s = s.replacingOccurrences(of: "[PATCH 1/2] virtio-blk: fix", with: "[PATCH RESEND] virtio-blk: fix")
        let t = try TemporaryInbox()
        try t.importFiles(Fixtures.seriesFiles)
        try t.importBytes([Array(s.utf8)])
        let v = try #require(try t.inbox.index.series(of: "resend-1.pasic@example.org")).version
        #expect(v.resend && v.patches.count == 1)
        // and, as b4's patch-id search does, the review of the cover letter the original answers
        #expect(
            lines(v.patches.first) == ["Reviewed-by: Ming Lei <ming.lei@redhat.com>", "Reviewed-by: Stefan Hajnoczi <stefanha@redhat.com>"])
        #expect(v.patches[0].trailers[0].mid == Self.mid("05"))
    }

    @Test func anIndexFromBeforeSeriesIsUpgradedInPlaceFromGit() throws {
        let t = try TemporaryInbox()
        try t.importFiles(Fixtures.seriesFiles)
        try t.inbox.index.writeBatches { db in
            try db.execute(sql: "DROP TABLE patch; DROP TABLE trailer; UPDATE meta SET value='3' WHERE key='schema'")
        }
        let old = try Inbox(config: t.inbox.config, readOnly: true)
        #expect(try SearchUpgrade.needed(old.index))
        #expect(try old.index.series(of: Self.mid("01")) == nil)
        let upgraded = try Inbox(config: t.inbox.config)
        #expect(try !SearchUpgrade.needed(upgraded.index))
        #expect(try upgraded.index.scalar("SELECT value FROM meta WHERE key='schema'") == Int64(Schema.version))
        let a = try #require(try upgraded.index.series(of: Self.mid("01")))
        #expect(a.version.patches.map { $0.trailers.count } == [2, 1])
        // and rebuilt from git, the same again
        _ = try Importer(inbox: upgraded).rebuild()
        #expect(try upgraded.index.series(of: Self.mid("12"))?.versions.map(\.version) == [4, 5])
    }

    @Test func versionsAreComparedPatchByPatchAsRangeDiffPairsThem() throws {
        // qspl v1 (8 patches) → v2 (6): v1 2/8 and 8/8 dropped, the rest renumbered; by
        // `git patch-id --stable` of the fixtures, 1/8 = v2 1/6, 4/8 = 3/6 and 7/8 = 6/6
        let s = try #require(try Self.shared.inbox.index.series(of: Self.mid("37")))
        #expect(s.versions.map(\.name) == ["v1", "v2", "v3"])
        #expect(s.current == 1)
        let c = s.versions[1].compared(since: s.versions[0])
        #expect(c.patches.map(\.counter) == [1, 2, 3, 4, 5, 6])
        #expect(c.patches.map(\.previous) == [1, 3, 4, 5, 6, 7])
        #expect(c.patches.map(\.kind) == [.unchanged, .changed, .unchanged, .changed, .changed, .unchanged])
        #expect(c.dropped == [2, 8])
        // v3 has only its cover letter here: nothing to pair, both patches of v2 … dropped
        let c3 = s.versions[2].compared(since: s.versions[1])
        #expect(c3.patches.isEmpty && c3.dropped == [1, 2, 3, 4, 5, 6])
    }

    @Test func aReplyCarryingItsOwnPatchGivesNoTrailersToTheSeries() throws {
        // Waiman Long answers the v3 cover letter with three patches of his attached, each
        // signed off by him: that is not a review of the series
        let reply = Message.parse(Fixtures.bytes(Fixtures.series("44")))
        #expect(reply.parts.contains { $0.text?.contains("Signed-off-by: Waiman Long <longman@redhat.com>") == true })
        let stored = try Self.shared.inbox.index.read { db in
            try String.fetchAll(
                db, sql: "SELECT trailer.name FROM trailer JOIN msgid ON msgid.num = trailer.num WHERE msgid.mid = ?",
                arguments: [Self.mid("44")])
        }
        #expect(stored.contains("Signed-off-by"))  // read at index time, left out when collected
        let v = try #require(try Self.shared.inbox.index.series(of: Self.mid("43"))).version
        #expect(v.cover?.row.mid == Self.mid("43"))
        #expect(lines(v.cover).isEmpty)
        #expect(v.trailerCounts.isEmpty)
    }

    @Test func trailersGivenToACoverLetterThatNeverArrivedCountForEveryPatch() throws {
        // dmabl without its cover letter: Stefan Hajnoczi's Reviewed-by answers the missing
        // `[PATCH 0/2]` that both patches answer too
        let t = try TemporaryInbox()
        try t.importFiles(Fixtures.seriesFiles.filter { !$0.hasSuffix("/01-dmabl-cover.eml") })
        let v = try #require(try t.inbox.index.series(of: Self.mid("02"))).version
        #expect(v.cover == nil)
        #expect(v.patches.map(\.counter) == [1, 2])
        let stefan = "Reviewed-by: Stefan Hajnoczi <stefanha@redhat.com>"
        for p in v.patches {
            let given = p.trailers.filter { $0.trailer.line == stefan }
            #expect(given.count == 1 && given.first?.fromCover == true && given.first?.mid == Self.mid("04"))
        }
        #expect(lines(v.patches[0]).contains("Reviewed-by: Ming Lei <ming.lei@redhat.com>"))
        #expect(v.trailerCounts.map(\.name) == ["Reviewed-by"])
        #expect(v.trailerCounts.map(\.count) == [2])  // Stefan's once, Ming Lei's
        // the same reply with another subject (not `Re: [PATCH 0/2]`) is not taken for an
        // answer to the cover letter: nothing is given
        let other = String(decoding: Fixtures.bytes(Fixtures.series("04")), as: UTF8.self).replacingOccurrences(
            of: "Subject: Re: [PATCH 0/2] virtio-blk: improve handling of DMA mapping", with: "Subject: Re: DMA mapping")
        #expect(!other.contains("[PATCH 0/2]"))
        let u = try TemporaryInbox()
        try u.importFiles(["02", "03"].map(Fixtures.series))
        try u.importBytes([Array(other.utf8)])
        let w = try #require(try u.inbox.index.series(of: Self.mid("02"))).version
        #expect(w.patches.allSatisfy { $0.trailers.isEmpty })
    }

    @Test func trailersGivenToTheCoverLetterThePatchesAnswerCountWhenItsSubjectDisagrees() throws {
        // Will Deacon's `[PATCH v3 01/19]` and `02/19` answer a cover letter titled `[PATCH 00/18]`;
        // Peter Zijlstra acks that cover letter: as b4 does, the ack is for every patch
        let v = try #require(try Self.shared.inbox.index.series(of: Self.mid("46"))).version
        #expect(v.version == 3 && v.total == 19 && v.cover == nil)
        #expect(v.patches.map(\.counter) == [1, 2])
        let peter = "Acked-by: Peter Zijlstra (Intel) <peterz@infradead.org>"
        for p in v.patches {
            #expect(p.trailers.filter { $0.trailer.line == peter }.map(\.mid) == [Self.mid("48")])
            #expect(p.trailers.first { $0.trailer.line == peter }?.fromCover == true)
        }
        #expect(v.trailerCounts.map(\.name) == ["Acked-by"] && v.trailerCounts.map(\.count) == [1])
    }

    /// Every reply of the fixtures, and the member whose series it has: the nearest message it
    /// answers that is a cover letter or patch.
    static let replies: [(reply: String, member: String)] = [
        ("04", "01"), ("06", "01"), ("26", "02"), ("23", "02"), ("05", "02"), ("09", "08"), ("10", "08"), ("13", "12"),
        ("15", "14"), ("18", "16"), ("17", "16"), ("44", "43"), ("48", "45"),
    ]

    @Test func aReplyResolvesToTheSeriesOfTheMessageItAnswers() throws {
        let index = Self.shared.inbox.index
        for (reply, member) in Self.replies {
            let got = try #require(try index.series(of: Self.mid(reply)), "\(reply)")
            let want = try #require(try index.series(of: Self.mid(member)), "\(member)")
            #expect(got.current == want.current, "\(reply)")
            #expect(got.versions.map { $0.head.row.mid } == want.versions.map { $0.head.row.mid }, "\(reply)")
            #expect(got.version.patches.map(\.row.mid) == want.version.patches.map(\.row.mid), "\(reply)")
            let outline = try #require(try index.seriesOutline(of: Self.mid(reply)))
            #expect(outline.version.head.row.mid == want.version.head.row.mid, "\(reply)")
        }
        // v4 and v5 are two threads: a reply in v4's thread has v4, not the newest
        #expect(try index.series(of: Self.mid("10"))?.version.version == 4)
    }

    @Test func aReplyToACoverLetterThatNeverArrivedHasTheSeriesOfItsThread() throws {
        let t = try TemporaryInbox()
        try t.importFiles(Fixtures.seriesFiles.filter { !$0.hasSuffix("/01-dmabl-cover.eml") })
        let v = try #require(try t.inbox.index.series(of: Self.mid("04"))).version
        #expect(v.cover == nil && v.patches.map(\.row.mid) == [Self.mid("02"), Self.mid("03")])
    }

    @Test func mailOutsideSeriesThreadsHasNoSeries() throws {
        let t = try TemporaryInbox()
        try t.importFiles(["01", "02"].map(Fixtures.series))
        try t.importBytes([
            craftedMessage([
                "From: a@example.org", "Subject: lunch?", "Message-ID: <lunch@example.org>", "Date: Thu, 13 Feb 2020 12:00:00 +0000",
            ]),
            craftedMessage([
                "From: b@example.org", "Subject: Re: lunch?", "Message-ID: <re-lunch@example.org>", "In-Reply-To: <lunch@example.org>",
                "References: <lunch@example.org>", "Date: Thu, 13 Feb 2020 13:00:00 +0000",
            ]),
        ])
        #expect(try t.inbox.index.series(of: "lunch@example.org") == nil)
        #expect(try t.inbox.index.series(of: "re-lunch@example.org") == nil)
        #expect(try t.inbox.index.seriesOutline(of: "re-lunch@example.org") == nil)
        #expect(try t.inbox.index.series(of: "no-such@example.org") == nil)
    }

    /// qspl v2 sent as `[PATCHv2 net-next k/6]`, but for one patch sent as `[PATCHv2 k/6]`.
    static func qsplV2(_ untagged: String) -> [[UInt8]] {
        ["36", "37", "38", "39", "40", "41", "42"].map { p in
            let tag = p == untagged ? "[PATCHv2 " : "[PATCHv2 net-next "
            let s = String(decoding: Fixtures.bytes(Fixtures.series(p)), as: UTF8.self)
            return Array(s.replacingOccurrences(of: "Subject: [PATCH v2 ", with: "Subject: " + tag).utf8)
        }
    }

    @Test func aPatchWhosePrefixesDifferFromItsSiblingsStillBelongsToTheVersion() throws {
        for untagged in ["42", "37"] {
            let t = try TemporaryInbox()
            try t.importBytes(Self.qsplV2(untagged))
            let all = ["37", "38", "39", "40", "41", "42"].map(Self.mid)
            for p in ["36", untagged] {
                let v = try #require(try t.inbox.index.series(of: Self.mid(p))).version
                #expect(v.cover?.row.mid == Self.mid("36"), "\(untagged) \(p)")
                #expect(v.patches.map(\.row.mid) == all, "\(untagged) \(p)")
                #expect(v.missing.isEmpty, "\(untagged) \(p)")
                #expect(v.label == "PATCH net-next" && v.version == 2, "\(untagged) \(p)")
            }
            // one version, listed once
            #expect(try t.inbox.index.recentSeries(limit: 10).map(\.head.row.mid) == [Self.mid("36")], "\(untagged)")
        }
    }
}
