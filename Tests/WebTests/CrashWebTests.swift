import Foundation
import FoundationXML
import Hummingbird
import HummingbirdTesting
import Index
import Mail
import TestSupport
import Testing

@testable import Web

/// The crash fixtures (Tests/Fixtures/crashes) served as inbox `crashes`, with one message
/// referring to them by Message-ID in every form a body uses.
final class CrashFixture: @unchecked Sendable {
    let inbox: TemporaryInbox
    let site: Site

    static let referrer = "crash-referrer@example.org"

    init() throws {
        inbox = try TemporaryInbox(name: "crashes", address: "crashes@example.org")
        try inbox.importFiles(Fixtures.crashFiles)
        let a = CrashFixture.mid("03")
        let b = CrashFixture.mid("06")
        let c = CrashFixture.mid("08")
        let d = CrashFixture.mid("11")
        let e = CrashFixture.mid("12")
        let message = """
            From: Someone <someone@example.org>
            To: crashes@example.org
            Subject: Re: crash references
            Date: Mon, 2 Nov 2020 10:00:00 +0000
            Message-ID: <\(CrashFixture.referrer)>

            Seen before in <\(a)> and https://lore.kernel.org/r/\(b) and
            https://lore.kernel.org/virtualization/\(URLs.mid(c))/ and mid.gmane.org/\(d)
            but not in <unknown-123@example.org>.

            Link: https://lore.kernel.org/r/\(e)

            """
        try inbox.importBytes([Array(message.utf8)])
        site = Site(inboxes: [inbox.inbox])
    }

    static let shared: CrashFixture = try! CrashFixture()

    static func mid(_ prefix: String) -> String { Message.parse(Fixtures.bytes(Fixtures.crash(prefix))).primaryID! }

    func get(_ uri: String) async throws -> TestResponse {
        try await Application(responder: WebResponder(site: site)).test(.router) { client in
            try await client.execute(uri: uri, method: .get) { $0 }
        }
    }

    func json(_ uri: String) async throws -> [String: Any] {
        let r = try await get(uri)
        #expect(r.status == .ok)
        #expect(r.headers[.contentType] == "application/json")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [String: Any])
    }
}

@Suite struct CrashWebTests {
    let fx = CrashFixture.shared

    func parse(_ p: String) -> Route { Route.parse(Substring(p), isScope: { $0 == "crashes" }) }

    @Test func routes() {
        #expect(parse("/crashes/_/crashes/") == .crashList(scope: "crashes"))
        #expect(parse("/crashes/_/crashes") == .redirect(scope: "crashes", path: "_/crashes/", permanent: true))
        #expect(parse("/crashes/_/crashes/new.atom") == .crashAtom(scope: "crashes"))
        #expect(parse("/crashes/_/crashes.json") == .crashListJSON(scope: "crashes"))
        #expect(parse("/crashes/a@b/crash.json") == .crashJSON(scope: "crashes", mid: "a@b"))
    }

    @Test func aMessageWithACrashReportShowsTheBoxAndTheOtherReports() async throws {
        let r = try await fx.get("/crashes/\(URLs.mid(CrashFixture.mid("01")))/")
        #expect(r.status == .ok)
        let html = r.text
        #expect(html.contains("<div class=crash><p><b>WARNING</b> at <code>kernel/locking/qspinlock_paravirt.h:500</code>"))
        #expect(html.contains(" in <code>__pv_queued_spin_unlock_slowpath</code>"))
        #expect(html.contains("1 other message reports this crash</a>:"))
        #expect(html.contains("href=\"../\(URLs.relativeMid(CrashFixture.mid("02")))/\""))
        #expect(html.contains(", quoted)"))
        expectNoInjection(html)
        // the quoting reply says so too, with its kernel version
        let quoted = try await fx.get("/crashes/\(URLs.mid(CrashFixture.mid("02")))/")
        #expect(quoted.text.contains("· kernel 4.18.0-167.el8.x86_64 · <span class=muted>quoted</span>"))
        // a crash nobody else reported
        let alone = try await fx.get("/crashes/\(URLs.mid(CrashFixture.mid("11")))/")
        #expect(alone.text.contains("<b>RCU stall</b>") && alone.text.contains("No other message reports this crash"))
        // mail without a report has no box
        let none = try await fx.get("/crashes/\(URLs.mid(CrashFixture.mid("13")))/")
        #expect(none.status == .ok && !none.text.contains("class=crash"))
    }

    @Test func theCrashListWithAtomAndJSONTwins() async throws {
        let r = try await fx.get("/crashes/_/crashes/")
        #expect(r.status == .ok)
        let html = r.text
        #expect(html.contains("<h1>Crash reports</h1>"))
        #expect(html.components(separatedBy: "<tr id=").count - 1 == 21)
        #expect(html.contains("kernel BUG at drivers/net/virtio_net.c:1667"))
        #expect(html.contains("hung task in ttm_eu_reserve_buffers"))
        #expect(html.contains("2 in 2 threads"))
        expectNoInjection(html)
        let atom = try await fx.get("/crashes/_/crashes/new.atom")
        #expect(atom.status == .ok)
        #expect(atom.text.components(separatedBy: "<entry>").count - 1 == 21)
        #expect(XMLParser(data: Data(atom.bytes)).parse())

        let json = try await fx.json("/crashes/_/crashes.json")
        let crashes = try #require(json["crashes"] as? [[String: Any]])
        #expect(crashes.count == 21)
        #expect(json["next"] is NSNull)
        let bug = try #require(crashes.first { ($0["location"] as? String) == "drivers/net/virtio_net.c:1667" })
        #expect(bug["kind"] as? String == "kernel BUG")
        #expect(bug["messages"] as? Int == 2)
        #expect((bug["answers"] as? [[String: Any]])?.first?["message_id"] as? String == CrashFixture.mid("03"))
        #expect((bug["signature"] as? String)?.count == 12)
    }

    @Test func crashJSONOfAMessage() async throws {
        let json = try await fx.json("/crashes/\(URLs.mid(CrashFixture.mid("03")))/crash.json")
        #expect((json["message"] as? [String: Any])?["message_id"] as? String == CrashFixture.mid("03"))
        let reports = try #require(json["reports"] as? [[String: Any]])
        try #require(reports.count == 1)
        let r = reports[0]
        #expect(r["kind"] as? String == "kernel BUG")
        #expect(r["location"] as? String == "drivers/net/virtio_net.c:1667")
        #expect(r["function"] as? String == "virtnet_send_command")
        #expect((r["frames"] as? [String])?.isEmpty == false)
        #expect(r["quoted"] as? Bool == false)
        #expect(r["other_messages"] as? Int == 1)
        #expect(((r["others"] as? [[String: Any]])?.first)?["message_id"] as? String == CrashFixture.mid("04"))
        // a message without reports: an empty list; no such message: 404
        let none = try await fx.json("/crashes/\(URLs.mid(CrashFixture.mid("13")))/crash.json")
        #expect((none["reports"] as? [Any])?.isEmpty == true)
        #expect(try await fx.get("/crashes/no-such-message@example.org/crash.json").status == .notFound)
    }

    @Test func messageIDReferencesInBodiesLinkToTheLocalCopy() async throws {
        let html = try await fx.get("/crashes/\(URLs.mid(CrashFixture.referrer))/").text
        for p in ["03", "06", "08", "11", "12"] {
            #expect(html.contains("href=\"../\(URLs.relativeMid(CrashFixture.mid(p)))/\""), "\(p)")
        }
        #expect(html.contains("&lt;unknown-123@example.org&gt;"))
        #expect(!html.contains("href=\"../unknown-123@example.org/\""))
    }
}
