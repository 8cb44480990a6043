import Foundation
import GRDB
@testable import Index
import Mail
import TestSupport
import Testing

/// Crash reports in the index (schema 5) from the real fixtures of Tests/Fixtures/crashes:
/// signatures stored and counted, the patches that answered them, the `crash:` search prefix,
/// and an older index upgraded in place from git.
@Suite struct CrashIndexTests {
    static func mid(_ prefix: String) -> String { Message.parse(Fixtures.bytes(Fixtures.crash(prefix))).primaryID! }

    nonisolated(unsafe) static let shared: TemporaryInbox = {
        let t = try! TemporaryInbox()
        try! t.importFiles(Fixtures.crashFiles)
        return t
    }()

    func signature(_ prefix: String) throws -> String {
        try #require(try Self.shared.inbox.index.crashes(in: Self.mid(prefix)).first).signatureID
    }

    func mids(_ q: String) throws -> Set<String> {
        Set(try Self.shared.inbox.index.search(q, limit: 200).rows.map(\.mid))
    }

    @Test func reportsOfOneCrashShareAStoredSignatureAndCountTogether() throws {
        let index = Self.shared.inbox.index
        let s = try signature("01")
        #expect(try signature("02") == s)
        let (total, found) = try index.crashReports(signature: s, limit: 10)
        #expect(total == 2)
        #expect(Set(found.map(\.row.mid)) == [Self.mid("01"), Self.mid("02")])
        #expect(found.first { $0.row.mid == Self.mid("02") }?.report.quoted == true)
        #expect(try signature("06") == signature("07"))
        #expect(try signature("03") == signature("04"))
        #expect(try signature("03") != signature("05"))
        #expect(try index.crashes(in: Self.mid("13")).isEmpty)
        #expect(try index.crashes(in: Self.mid("14")).isEmpty)
    }

    @Test func theCrashListCountsMessagesThreadsAndThePatchesThatAnsweredThem() throws {
        let list = try Self.shared.inbox.index.crashSignatures(limit: 100)
        #expect(list.count == 21)
        let bug = try #require(list.first { $0.signatureID == (try? signature("03")) })
        #expect(bug.messages == 2 && bug.threads == 2)
        #expect(bug.sample.row.mid == Self.mid("03"))
        #expect(bug.firstSeen <= bug.lastSeen)
        // the revert carries the report and a diff: it answers it
        #expect(bug.answers.map(\.mid) == [Self.mid("03")])
        let hang = try #require(list.first { $0.signatureID == (try? signature("06")) })
        #expect(hang.messages == 2 && hang.threads == 2)
        #expect(hang.answers.isEmpty)
        // newest last report first
        #expect(list.map(\.lastSeen) == list.map(\.lastSeen).sorted(by: >))
        let page2 = try Self.shared.inbox.index.crashSignatures(limit: 100, before: list[4].lastSeen)
        #expect(page2.map(\.signatureID) == Array(list.dropFirst(5).map(\.signatureID)))
    }

    /// 17 quotes 16's WARNING without its trace: it is stored under 16's signature, whichever
    /// of the two the index gets first.
    @Test func aReportQuotedWithoutItsTraceCountsWithTheFullOne() throws {
        // 17's reports: the NULL pointer dereference (with its trace) first, then the WARNING
        let partial = try #require(try Self.shared.inbox.index.crashes(in: Self.mid("17")).first { $0.report.kind == "WARNING" })
        #expect(partial.report.kind == "WARNING" && partial.report.frames.isEmpty)
        #expect(partial.report.location == "drivers/gpu/drm/ttm/ttm_pool.c:365")
        #expect(partial.signatureID == (try signature("16")))
        #expect(partial.signatureID != partial.report.signatureID)
        let reversed = try TemporaryInbox()
        try reversed.importFiles([Fixtures.crash("17"), Fixtures.crash("16")])
        let full = try #require(try reversed.inbox.index.crashes(in: Self.mid("16")).first)
        #expect(try reversed.inbox.index.crashes(in: Self.mid("17")).first { $0.report.kind == "WARNING" }?.signatureID == full.signatureID)
        #expect(try reversed.inbox.index.crashReports(signature: full.signatureID, limit: 10).total == 2)
    }

    @Test func theCrashSearchPrefix() throws {
        #expect(try mids("crash:" + signature("01")) == [Self.mid("01"), Self.mid("02")])
        #expect(try mids("crash:ttm_eu_reserve_buffers") == [Self.mid("06"), Self.mid("07")])
        #expect(try mids("crash:drivers/net/virtio_net.c") == [Self.mid("03"), Self.mid("04"), Self.mid("05")])
        #expect(try mids("crash:drivers/net/virtio_net.c:1591") == [Self.mid("05")])
        #expect(try mids("crash:any").count == 22)
        #expect(try mids("crash:any AND s:xorg") == [Self.mid("06"), Self.mid("07")])
        #expect(try mids("crash:no_such_function").isEmpty)
    }

    @Test func anIndexFromBeforeCrashReportsIsUpgradedInPlaceFromGit() throws {
        let t = try TemporaryInbox()
        try t.importFiles(Fixtures.crashFiles)
        let before = try t.inbox.index.crashSignatures(limit: 100).map(\.signatureID)
        try t.inbox.index.writeBatches { db in
            try db.execute(sql: "DROP TABLE crash; DROP TABLE crashfix; UPDATE meta SET value='4' WHERE key='schema'")
        }
        let old = try Inbox(config: t.inbox.config, readOnly: true)
        #expect(try SearchUpgrade.needed(old.index))
        #expect(try old.index.crashes(in: Self.mid("01")).isEmpty)
        #expect(try old.index.crashSignatures(limit: 10).isEmpty)
        let upgraded = try Inbox(config: t.inbox.config)
        #expect(try !SearchUpgrade.needed(upgraded.index))
        #expect(try upgraded.index.scalar("SELECT value FROM meta WHERE key='schema'") == Int64(Schema.version))
        #expect(try upgraded.index.crashSignatures(limit: 100).map(\.signatureID) == before)
        // and rebuilt from git, the same again
        _ = try Importer(inbox: upgraded).rebuild()
        #expect(try upgraded.index.crashSignatures(limit: 100).map(\.signatureID) == before)
    }

    /// 18 (MIPS) with 19 (MIPS) given the same ending: both panic with `Fatal exception`.
    static func twoCrashesEndingInOnePanic() -> [[UInt8]] {
        let panic =
            "[  779.720000] Kernel panic - not syncing: Fatal exception\n[  779.730000] ---[ end Kernel panic - not syncing: Fatal exception\n"
        let other = String(decoding: Fixtures.bytes(Fixtures.crash("19")), as: UTF8.self).replacingOccurrences(
            of: "Segmentation fault\n", with: panic)
        return [Fixtures.bytes(Fixtures.crash("18")), Array(other.utf8)]
    }

    @Test func unrelatedCrashesEndingInTheSamePanicAreNotGrouped() throws {
        let t = try TemporaryInbox()
        try t.importBytes(Self.twoCrashesEndingInOnePanic())
        let list = try t.inbox.index.crashSignatures(limit: 10)
        #expect(list.count == 2)
        #expect(list.allSatisfy { $0.messages == 1 })
        #expect(Set(list.map(\.sample.report.kind)) == ["kernel BUG", "paging request"])
        #expect(Set(list.map(\.sample.report.place)) == ["isolate_lru_pages", "strlcpy"])
    }

    @Test func anIndexThatReadFewerArchitecturesIsUpgradedInPlaceFromGit() throws {
        let t = try TemporaryInbox()
        try t.importBytes(Self.twoCrashesEndingInOnePanic())
        let expected = try t.inbox.index.crashSignatures(limit: 10).map(\.signatureID)
        // what schema 7 stored: the panic alone, one signature for both crashes
        let old = CrashReport(kind: "Kernel panic", title: "Kernel panic - not syncing: Fatal exception", location: "Fatal exception")
        try t.inbox.index.writeBatches { db in
            try db.execute(sql: "DELETE FROM crash")
            for num in try Int64.fetchAll(db, sql: "SELECT num FROM over") {
                try db.execute(
                    sql: "INSERT INTO crash(num, seq, sig, kind, title, location, frames, quoted) VALUES (?, 0, ?, ?, ?, ?, '', 0)",
                    arguments: [num, old.signatureID, old.kind, old.title, old.location])
            }
            try db.execute(sql: "DELETE FROM meta WHERE key='crashes'; UPDATE meta SET value='7' WHERE key='schema'")
        }
        let before = try Inbox(config: t.inbox.config, readOnly: true)
        #expect(try SearchUpgrade.needed(before.index))
        #expect(try before.index.crashSignatures(limit: 10).map(\.messages) == [2])
        let upgraded = try Inbox(config: t.inbox.config)
        #expect(try !SearchUpgrade.needed(upgraded.index))
        #expect(try upgraded.index.scalar("SELECT value FROM meta WHERE key='schema'") == Int64(Schema.version))
        #expect(try upgraded.index.crashSignatures(limit: 10).map(\.signatureID) == expected)
    }
}
