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
        site = Site(inboxes: [inbox.inbox])
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
        // a reply in the thread has the page of the series it answers
        let reply = try await fx.get("/series/\(SeriesFixture.mid("04"))/series/")
        #expect(reply.status == .ok && reply.text.contains("<h1>virtio-blk: improve handling of DMA mapping failures</h1>"))
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
        #expect(reply.status == .ok)
        #expect(
            reply.text.contains("<p class=series><a href=\"series/\">series</a> <b>[PATCH v1]</b>, a reply in its thread · 2 of 2 patches"))
    }

    @Test func inboxSeriesListPagedWithAtomTwin() async throws {
        let r = try await fx.get("/series/_/series/")
        #expect(r.status == .ok)
        let rows = r.text.components(separatedBy: "<tr><td>").count - 1
        #expect(rows == 14)
        #expect(r.text.contains("[PATCH RESEND v2] virtio-input: add multi-touch support"))
        #expect(r.text.contains("1 missing"))
        let atom = try await fx.get("/series/_/series/new.atom")
        #expect(atom.status == .ok)
        #expect(atom.text.components(separatedBy: "<entry>").count - 1 == 14)
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

/// dmabl without its cover letter: the review given to the missing `[PATCH 0/2]` is shown and
/// applied to every patch.
@Suite struct SeriesWithoutItsCoverLetterTests {
    @Test func trailersGivenToTheMissingCoverLetterAreShownAndApplied() async throws {
        let inbox = try TemporaryInbox(name: "series", address: "series@example.org")
        try inbox.importFiles(Fixtures.seriesFiles.filter { !$0.hasSuffix("/01-dmabl-cover.eml") })
        let site = Site(inboxes: [inbox.inbox])
        func get(_ uri: String) async throws -> TestResponse {
            try await Application(responder: WebResponder(site: site)).test(.router) { client in
                try await client.execute(uri: uri, method: .get) { $0 }
            }
        }
        let page = try await get("/series/\(SeriesFixture.mid("02"))/series/").text
        #expect(
            page.contains("<td>0/2</td><td class=warn>no cover letter of this version here; given to the message the patches answer:</td>"))
        #expect(page.contains("Reviewed-by: Stefan Hajnoczi &lt;stefanha@redhat.com&gt;</a><br><span class=muted>(for every patch)"))
        let p = amPatches(try await get("/series/\(SeriesFixture.mid("02"))/series.mbox").text)
        #expect(p.count == 2)
        #expect(p.allSatisfy { $0.trailers.contains("Reviewed-by: Stefan Hajnoczi <stefanha@redhat.com>") })
    }
}

/// The JSON twins of the series pages and the page comparing two versions' diffs.
@Suite struct SeriesJSONAndComparisonTests {
    let fx = SeriesFixture.shared

    func json(_ uri: String) async throws -> [String: Any] {
        let r = try await fx.get(uri)
        #expect(r.status == .ok, "\(uri)")
        #expect(r.headers[.contentType] == "application/json")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [String: Any])
    }

    @Test func seriesJSONHasWhatTheSeriesPageShows() async throws {
        let s = try await json("/series/\(SeriesFixture.mid("12"))/series.json")
        #expect(s["title"] as? String == "s390: virtio: let arch validate VIRTIO features")
        #expect(s["current"] as? Int == 1)
        let versions = try #require(s["versions"] as? [[String: Any]])
        #expect(versions.map { $0["name"] as? String } == ["v4", "v5"])
        let v5 = versions[1]
        #expect(v5["total"] as? Int == 2 && v5["received"] as? Int == 1)
        #expect(v5["missing"] as? [Int] == [2] && v5["complete"] as? Bool == false)
        #expect(v5["trailer_counts"] as? [String: Int] == ["Acked-by": 1])
        #expect((v5["date"] as? String)?.hasSuffix("Z") == true)
        #expect((v5["mbox"] as? String)?.hasSuffix("/series.mbox") == true)
        let patch = try #require((v5["patches"] as? [[String: Any]])?.first)
        #expect(patch["counter"] as? Int == 1)
        #expect(patch["message_id"] as? String == SeriesFixture.mid("12"))
        let trailers = try #require(patch["trailers"] as? [[String: Any]])
        #expect(trailers.map { $0["name"] as? String } == ["Acked-by"])
        #expect(trailers.first?["value"] as? String == "Halil Pasic <pasic@linux.ibm.com>")
        #expect(trailers.first?["message_id"] as? String == SeriesFixture.mid("13"))
        #expect(trailers.first?["from_cover"] as? Bool == false)
        let stat = try #require(patch["diffstat"] as? [String: Any])
        #expect((stat["files"] as? [[String: Any]])?.isEmpty == false)
        #expect((patch["patch_ids"] as? [String])?.count == 1)
        let compared = try #require(v5["compared_with_previous"] as? [String: Any])
        #expect(compared["previous"] as? String == "v4")
        #expect((compared["patches"] as? [[String: Any]])?.first?["change"] as? String == "changed")
        #expect(versions[0]["compared_with_previous"] == nil || versions[0]["compared_with_previous"] is NSNull)
        // the cover letter's trailers, marked as such on every patch
        let dmabl = try await json("/series/\(SeriesFixture.mid("01"))/series.json")
        let v1 = try #require((dmabl["versions"] as? [[String: Any]])?.first)
        #expect((v1["cover"] as? [String: Any])?["counter"] as? Int == 0)
        let fromCover = (v1["patches"] as? [[String: Any]])?.map { p in
            (p["trailers"] as? [[String: Any]] ?? []).filter { $0["from_cover"] as? Bool == true }.map { $0["value"] as? String }
        }
        #expect(fromCover == [["Stefan Hajnoczi <stefanha@redhat.com>"], ["Stefan Hajnoczi <stefanha@redhat.com>"]])
        // no such message: 404 with a reason (mail outside series threads: SeriesOfARepliesTests)
        let missing = try await fx.get("/series/no-such-message@example.org/series.json")
        #expect(missing.status == .notFound && missing.text.contains("no such message"))
    }

    @Test func seriesListJSONIsTheListPagePaged() async throws {
        let l = try await json("/series/_/series.json")
        let entries = try #require(l["series"] as? [[String: Any]])
        #expect(entries.count == 14)
        let html = try await fx.get("/series/_/series/").text
        for e in entries {
            let mid = try #require(e["message_id"] as? String)
            #expect(html.contains(URLs.relativeMid(mid) + "/series/"), "\(mid)")
        }
        let arrived = entries.compactMap { $0["arrived"] as? String }
        #expect(arrived == arrived.sorted(by: >))
        let resend = try #require(entries.first { $0["tag"] as? String == "[PATCH RESEND v2]" })
        #expect(resend["total"] as? Int == 1 && resend["complete"] as? Bool == true && resend["has_cover"] as? Bool == false)
        let validate = try #require(entries.first { ($0["message_id"] as? String) == SeriesFixture.mid("11") })
        #expect(validate["missing"] as? [Int] == [2] && validate["trailer_counts"] as? [String: Int] == ["Acked-by": 1])
        #expect(l["next"] == nil || l["next"] is NSNull)  // one page
        let old = try await json("/series/_/series.json?t=20200101000000")
        #expect((old["series"] as? [Any])?.isEmpty == true)
    }

    @Test func everyKeyOfTheJSONIsDocumentedInTheHelp() async throws {
        func keys(_ v: Any) -> Set<String> {
            if let d = v as? [String: Any] {
                return d.reduce(into: Set(d.keys)) { $0.formUnion(keys($1.value)) }.subtracting(["Acked-by", "Reviewed-by"])
            }
            if let a = v as? [Any] { return a.reduce(into: Set<String>()) { $0.formUnion(keys($1)) } }
            return []
        }
        let all = keys(try await json("/series/\(SeriesFixture.mid("37"))/series.json")).union(
            keys(try await json("/series/\(SeriesFixture.mid("01"))/series.json"))
        ).union(keys(try await json("/series/_/series.json")))
        #expect(all.count > 40)
        let help = try await fx.get("/series/_/text/help/raw").text
        #expect(help.contains("MID/series.json") && help.contains("_/series.json"))
        for k in all.sorted() { #expect(help.contains(k), "\(k) is not in _/text/help/") }
    }

    @Test func theComparePageShowsWhatChangedInEachDiff() async throws {
        let r = try await fx.get("/series/\(SeriesFixture.mid("37"))/series/compare/")
        #expect(r.status == .ok)
        let html = r.text
        #expect(html.contains("Compared with <a href=\"../../../\(URLs.relativeMid(SeriesFixture.mid("27")))/series/#"))
        #expect(html.contains("was 3/8 · diff changed since"))
        #expect(html.contains("<span class=del>- \tsmp_rmb();</span>\n<span class=add>+ \trmb();</span>"))
        #expect(html.contains("<span class=add>++\t * This barrier was added to simple spinlocks by commit 51d7d5205d338,</span>"))
        #expect(html.components(separatedBy: "diff unchanged").count - 1 == 3)
        #expect(html.contains("<h3>Dropped</h3>"))
        #expect(html.contains("powerpc/pseries: use smp_rmb() in H_CONFER spin yield"))
        expectNoInjection(html)
        // the series page links it, and says which patch each continues
        let page = try await fx.get("/series/\(SeriesFixture.mid("37"))/series/").text
        #expect(page.contains(" 2/6: was 3/8, diff changed"))
        #expect(page.contains(" not in this version: 2/8, 8/8"))
        #expect(page.contains("series/compare/\">What changed in each diff since v1</a>"))
        // the first version has nothing before it
        let first = try await fx.get("/series/\(SeriesFixture.mid("27"))/series/compare/")
        #expect(first.status == .ok && first.text.contains("nothing before it to compare with"))
        #expect(try await fx.get("/series/no-such-message/series/compare/").status == .notFound)
    }
}

/// b4 as the oracle: `b4 am` run against the served archive writes the same patches in the
/// same order with the same trailers as `MID/series.mbox`, for every series of the fixtures;
/// where they differ on purpose, the expected difference is named.
@Suite(.serialized) struct SeriesOracleTests {
    let fx = SeriesFixture.shared

    /// Series heads (cover letter, or the patch of a series without one) of the fixtures.
    static let heads = ["01", "07", "11", "24", "25", "19", "20", "21", "22", "46"]

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
        #expect(compared == 12)
    }

    /// Replies, each with the head of the series it answers (b4 builds the series of the
    /// reply's thread). Left out: 44 and 48, whose threads hold a cover letter without patches
    /// of its own version (b4 builds another version, or nothing).
    static let replyHeads: [(reply: String, head: String)] = [
        ("04", "01"), ("06", "01"), ("05", "01"), ("23", "01"), ("26", "01"), ("09", "07"), ("10", "07"), ("13", "11"),
        ("15", "24"), ("17", "25"), ("18", "25"),
    ]

    @Test func b4AmOfAReplyAndItsSeriesMboxAgree() async throws {
        let server = try await LiveServer.start(site: fx.site)
        defer { server.stop() }
        let dir = try tempDir("b4replies")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try ClientTests.b4Env(server.port, dir, inbox: "series")
        for (reply, head) in Self.replyHeads {
            let mid = SeriesFixture.mid(reply)
            let out = dir + "/" + reply
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let am = try await runProgram(["b4", "--no-interactive", "am", "-o", out, mid], env: env, cwd: dir)
            #expect(am.status == 0, "\(reply): \(am.stderr)")
            let mbx = try #require(
                try FileManager.default.contentsOfDirectory(atPath: out).first { $0.hasSuffix(".mbx") }, "\(reply): \(am.stderr)")
            let theirs = amPatches(try String(contentsOfFile: out + "/" + mbx, encoding: .utf8))
            let ours = amPatches(try await fx.get("/series/\(URLs.mid(mid))/series.mbox").text)
            #expect(!ours.isEmpty && ours.map(\.subject) == theirs.map(\.subject), "\(reply)")
            for (o, t) in zip(ours, theirs) {
                let expected = t.trailers.filter { !(Self.offeredOnCondition[head] ?? []).contains($0) }
                #expect(o.trailers == expected, "\(reply) \(o.subject)")
            }
        }
    }
}

/// Any message of a series thread resolves to its series (`ArchiveIndex.series(of:)`), as
/// `b4 am <reply>` builds the series of the reply's thread: the series pages of a reply are
/// those of the cover letter or patch it answers.
@Suite struct SeriesOfARepliesTests {
    let fx = SeriesFixture.shared

    @Test func aReplysSeriesMboxAndJSONAreThoseOfWhatItAnswers() async throws {
        for (reply, head) in SeriesOracleTests.replyHeads + [("44", "43"), ("48", "45")] {
            let r = SeriesFixture.mid(reply)
            let h = SeriesFixture.mid(head)
            for page in ["series.mbox", "series.json", "series/"] {
                let ofReply = try await fx.get("/series/\(URLs.mid(r))/\(page)")
                let ofHead = try await fx.get("/series/\(URLs.mid(h))/\(page)")
                #expect(ofReply.status == .ok, "\(reply) \(page)")
                if page == "series/" {
                    // the page links the versions relative to its own URL: the same titles and rows
                    #expect(ofReply.text.components(separatedBy: "<tr>").count == ofHead.text.components(separatedBy: "<tr>").count)
                } else {
                    #expect(ofReply.text == ofHead.text, "\(reply) \(page)")
                }
            }
        }
        let dmabl = amPatches(try await fx.get("/series/\(SeriesFixture.mid("04"))/series.mbox").text)
        #expect(dmabl.map(\.subject).count == 2)
    }

    @Test func mailOutsideSeriesThreadsHasNoSeriesPages() async throws {
        let inbox = try TemporaryInbox(name: "series", address: "series@example.org")
        try inbox.importFiles([Fixtures.series("01")])
        try inbox.importBytes([
            craftedMessage([
                "From: a@example.org", "Subject: lunch?", "Message-ID: <lunch@example.org>", "Date: Thu, 13 Feb 2020 12:00:00 +0000",
            ])
        ])
        let site = Site(inboxes: [inbox.inbox])
        func get(_ uri: String) async throws -> TestResponse {
            try await Application(responder: WebResponder(site: site)).test(.router) { client in
                try await client.execute(uri: uri, method: .get) { $0 }
            }
        }
        let json = try await get("/series/lunch@example.org/series.json")
        #expect(json.status == .notFound && json.text.contains("not a cover letter, patch or reply of a series"))
        #expect(try await get("/series/lunch@example.org/series/").status == .notFound)
        #expect(try await get("/series/lunch@example.org/series.mbox").status == .notFound)
        #expect(try await !get("/series/lunch@example.org/").text.contains("class=series"))
    }
}

/// The inbox header links the recent series and the crash reports, so a reader finds them.
@Suite struct InboxHeaderLinksTests {
    let fx = SeriesFixture.shared

    @Test func everyPageHeaderLinksSeriesAndCrashes() async throws {
        for (page, up) in [("/series/", ""), ("/series/\(SeriesFixture.mid("02"))/", "../"), ("/series/_/series/", "../../")] {
            let html = try await fx.get(page).text
            let nav = try #require(html.range(of: "<nav>").map { html[$0.upperBound...] }?.prefix { $0 != "\n" }, "\(page)")
            #expect(nav.hasPrefix("<a href=\"\(up)_/series/\">series</a> / <a href=\"\(up)_/crashes/\">crashes</a> / "), "\(page)")
        }
        for scope in ["series", "all"] {
            #expect(try await fx.get("/\(scope)/_/series/").status == .ok, "\(scope)")
            #expect(try await fx.get("/\(scope)/_/crashes/").status == .ok, "\(scope)")
        }
        #expect(try await fx.get("/all/").text.contains("<nav><a href=\"_/series/\">series</a> / <a href=\"_/crashes/\">crashes</a> / "))
    }
}
