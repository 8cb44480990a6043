import Foundation
import Hummingbird
import HummingbirdTesting
import Index
import Mail
import TestSupport
import Testing

@testable import Web

/// The series fixtures (Tests/Fixtures/series) served as inbox `series`.
final class SeriesFixture: @unchecked Sendable {
    let inbox: TemporaryInbox
    let site: Site

    init() throws {
        inbox = try TemporaryInbox(name: "series", address: "series@example.org")
        try inbox.importFiles(Fixtures.seriesFiles)
        site = Site(inboxes: [inbox.inbox], threads: 2)
    }

    static let shared: SeriesFixture = try! SeriesFixture()

    static func mid(_ prefix: String) -> String { Message.parse(Fixtures.bytes(Fixtures.series(prefix))).primaryID! }

    func get(_ uri: String) async throws -> TestResponse {
        try await Application(responder: WebResponder(site: site)).test(.router) { client in
            try await client.execute(uri: uri, method: .get) { $0 }
        }
    }
}

/// The patches of an mbox as (subject, trailers of the commit message, sorted).
func amPatches(_ mbox: String) -> [(subject: String, trailers: [String])] {
    var out: [(String, [String])] = []
    var subject = ""
    var trailers: [String] = []
    var state = 0  // 0 headers, 1 commit message, 2 after ---
    var lastHeader = ""
    for line in mbox.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("From ") && (line.hasSuffix("1970") || line.contains("@z ")) {
            if state > 0 || !subject.isEmpty { out.append((subject, trailers.sorted())) }
            (subject, trailers, state) = ("", [], 0)
            continue
        }
        switch state {
        case 0:
            if line.first == " " || line.first == "\t" {
                if lastHeader == "subject" { subject += " " + line.drop(while: { $0 == " " || $0 == "\t" }) }
                continue
            }
            lastHeader = line.split(separator: ":").first.map { $0.lowercased() } ?? ""
            if line.hasPrefix("Subject: ") { subject = String(line.dropFirst(9)) }
            if line.isEmpty { state = 1 }
        case 1:
            if line.hasPrefix("---") && line.dropFirst(3).allSatisfy(\.isWhitespace) || line.hasPrefix("diff --git ") {
                state = 2
            } else if let (name, value) = Trailers.split(line), name.hasSuffix("-by") || ["Fixes", "Link", "Cc"].contains(name) {
                trailers.append("\(name): \(value)")
            }
        default:
            break
        }
    }
    if state > 0 || !subject.isEmpty { out.append((subject, trailers.sorted())) }
    return out
}

@Suite struct SeriesPageTests {
    let fx = SeriesFixture.shared

    @Test func seriesPageListsVersionsPatchesTrailersAndWhatIsMissing() async throws {
        let r = try await fx.get("/series/\(SeriesFixture.mid("12"))/series/")
        #expect(r.status == .ok)
        let html = r.text
        #expect(html.contains("<h1>s390: virtio: let arch validate VIRTIO features</h1>"))
        #expect(html.contains(">v4</a>") && html.contains(">v5</a>"))
        #expect(html.contains("2/2 never arrived"))
        #expect(html.contains("Compared with [PATCH v4]:</p><pre> 1/2: diff "))
        #expect(html.contains("Acked-by: Halil Pasic &lt;pasic@linux.ibm.com&gt;"))
        #expect(html.contains("arch/s390/mm/init.c") || html.contains("drivers/virtio/virtio.c"))
        #expect(!html.contains("Reviewed-by: Cornelia Huck &lt;cohuck@redhat.com&gt;</a>"))  // conditional, not collected
        expectNoInjection(html)
        let cover = try await fx.get("/series/\(SeriesFixture.mid("01"))/series/")
        #expect(cover.text.contains("Reviewed-by: Stefan Hajnoczi &lt;stefanha@redhat.com&gt;"))
        #expect(cover.text.contains("(for every patch)"))
        #expect(try await fx.get("/series/\(SeriesFixture.mid("04"))/series/").status == .notFound)
        #expect(try await fx.get("/series/\(SeriesFixture.mid("01"))/series").status == .movedPermanently)
    }

    @Test func messagePagesOfMembersShowTheSeriesLine() async throws {
        let patch = try await fx.get("/series/\(SeriesFixture.mid("02"))/")
        #expect(
            patch.text.contains(
                "<p class=series><a href=\"series/\">series</a> <b>[PATCH v1]</b>, patch 1/2 · 2 of 2 patches · 2 Reviewed-by"))
        let v5 = try await fx.get("/series/\(SeriesFixture.mid("12"))/")
        #expect(v5.text.contains("versions: <a href=\"../\(URLs.mid(SeriesFixture.mid("07")))/\">v4</a> <b>v5</b>"))
        #expect(v5.text.contains("(1 missing)"))
        let reply = try await fx.get("/series/\(SeriesFixture.mid("04"))/")
        #expect(reply.status == .ok && !reply.text.contains("class=series"))
    }

    @Test func inboxSeriesListPagedWithAtomTwin() async throws {
        let r = try await fx.get("/series/_/series/")
        #expect(r.status == .ok)
        let rows = r.text.components(separatedBy: "<tr><td>").count - 1
        #expect(rows == 9)
        #expect(r.text.contains("[PATCH RESEND v2] virtio-input: add multi-touch support"))
        #expect(r.text.contains("1 missing"))
        let atom = try await fx.get("/series/_/series/new.atom")
        #expect(atom.status == .ok)
        #expect(atom.text.components(separatedBy: "<entry>").count - 1 == 9)
        #expect(atom.headers[.contentType] == "application/atom+xml")
        let old = try await fx.get("/series/_/series/?t=20200101000000")
        #expect(old.text.contains("[No series in range]"))
    }

    @Test func seriesMboxIsThePatchesInOrderWithCollectedTrailers() async throws {
        let r = try await fx.get("/series/\(SeriesFixture.mid("03"))/series.mbox")
        #expect(r.status == .ok)
        let p = amPatches(r.text)
        #expect(
            p.map(\.subject) == [
                "[PATCH 1/2] virtio-blk: fix hw_queue stopped on arbitrary error",
                "[PATCH 2/2] virtio-blk: improve virtqueue error to BLK_STS",
            ])
        #expect(p[0].trailers.contains("Reviewed-by: Ming Lei <ming.lei@redhat.com>"))
        #expect(p[0].trailers.contains("Reviewed-by: Stefan Hajnoczi <stefanha@redhat.com>"))
        #expect(p[1].trailers.contains("Reviewed-by: Stefan Hajnoczi <stefanha@redhat.com>"))
        #expect(p[1].trailers.contains("Signed-off-by: Halil Pasic <pasic@linux.ibm.com>"))
        // git am takes it
        let repo = try tempDir("am")
        defer { try? FileManager.default.removeItem(atPath: repo) }
        let mbox = repo + "/s.mbox"
        try r.text.write(toFile: mbox, atomically: true, encoding: .utf8)
        let split = try Command.run(["git", "mailsplit", "-o" + repo, mbox])
        #expect(split.status == 0 && split.text.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(split.stderr)")
    }
}

/// b4 as the oracle: `b4 am` run against the served archive writes the same patches in the
/// same order with the same trailers as `MID/series.mbox`, for every series of the fixtures;
/// where they differ on purpose, the expected difference is named.
@Suite(.serialized) struct SeriesOracleTests {
    let fx = SeriesFixture.shared

    /// Series heads (cover letter, or the patch of a series without one) of the fixtures.
    static let heads = ["01", "07", "11", "24", "25", "19", "20", "21", "22"]

    /// Trailers b4 collects that Tidings leaves out on purpose, by head: v4 1/2's trailers were
    /// offered on a condition ("With the wording fixed," / "With the things from Conny fixed,").
    static let offeredOnCondition: [String: [String]] = [
        "07": ["Acked-by: Christian Borntraeger <borntraeger@de.ibm.com>", "Reviewed-by: Cornelia Huck <cohuck@redhat.com>"]
    ]

    @Test func b4AmAndSeriesMboxAgree() async throws {
        let server = try await LiveServer.start(site: fx.site)
        defer { server.stop() }
        let dir = try tempDir("b4series")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try ClientTests.b4Env(server.port, dir, inbox: "series")
        var compared = 0
        for head in Self.heads {
            let mid = SeriesFixture.mid(head)
            let out = dir + "/" + head
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let am = try await runProgram(["b4", "--no-interactive", "am", "-o", out, mid], env: env, cwd: dir)
            #expect(am.status == 0, "\(head): \(am.stderr)")
            let mbx = try #require(
                try FileManager.default.contentsOfDirectory(atPath: out).first { $0.hasSuffix(".mbx") }, "\(head): \(am.stderr)")
            let theirs = amPatches(try String(contentsOfFile: out + "/" + mbx, encoding: .utf8))
            let ours = amPatches(try await fx.get("/series/\(URLs.mid(mid))/series.mbox").text)
            #expect(ours.map(\.subject) == theirs.map(\.subject), "\(head)")
            for (o, t) in zip(ours, theirs) {
                let expected = t.trailers.filter { !(Self.offeredOnCondition[head] ?? []).contains($0) }
                #expect(o.trailers == expected, "\(head) \(o.subject)")
            }
            if let dropped = Self.offeredOnCondition[head] {
                #expect(Set(dropped).isSubset(of: Set(theirs.flatMap(\.trailers))), "b4 no longer collects \(dropped)")
            }
            compared += ours.count
        }
        #expect(compared == 10)
    }
}
