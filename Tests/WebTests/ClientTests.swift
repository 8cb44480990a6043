import Foundation
import Hummingbird
import NIOCore
import TestSupport
import Testing

@testable import Web

/// The archive served over real HTTP on a random loopback port, for real clients: the
/// application `tidings serve` runs, with its connection limits and timeouts.
final class LiveServer: @unchecked Sendable {
    let port: Int
    let task: Task<Void, any Error>
    let connections: ConnectionGuard

    static func start(site: Site, limits: ServerLimits = ServerLimits()) async throws -> LiveServer {
        let (stream, cont) = AsyncStream<Int>.makeStream()
        let connections = ConnectionGuard(limits: limits)
        let app = makeApplication(
            site: site, host: "127.0.0.1", port: 0, connections: connections,
            onServerRunning: { ch in cont.yield(ch.localAddress?.port ?? 0) })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await p in stream {
            port = p
            break
        }
        return LiveServer(port: port, task: task, connections: connections)
    }

    init(port: Int, task: Task<Void, any Error>, connections: ConnectionGuard) {
        self.port = port
        self.task = task
        self.connections = connections
    }

    func stop() { task.cancel() }
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program (found on PATH) to the end, off the cooperative pool.
func runProgram(_ args: [String], env: [String: String] = [:], cwd: String? = nil) async throws -> ProcessResult {
    try await withCheckedThrowingContinuation { c in
        DispatchQueue.global().async {
            do {
                let r = try Command.run(args, env: env, cwd: cwd)
                c.resume(returning: ProcessResult(status: r.status, stdout: r.text, stderr: r.stderr))
            } catch {
                c.resume(throwing: error)
            }
        }
    }
}

func tempDir(_ tag: String) throws -> String {
    let d = NSTemporaryDirectory() + "tidings-\(tag)-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

/// Real clients (b4, feedparser, lei) against the real server. They are installed by
/// scripts/setup.sh; a missing client fails the test rather than skipping it.
@Suite(.serialized) struct ClientTests {
    let fx = WebFixture.shared
    static let cover = "20200428151725.31091-1-joro@8bytes.org"
    static let smallRoot = "20200103184044.73568-1-dverkamp@chromium.org"

    /// A b4 configuration (git config and XDG dirs in `dir`) that fetches from inbox `inbox` of a
    /// server on loopback `port`.
    static func b4Env(_ port: Int, _ dir: String, inbox: String = "test") throws -> [String: String] {
        let cfg = dir + "/gitconfig"
        let text = """
            [user]
            \tname = Test
            \temail = test@example.org
            [b4]
            \tmidmask = http://127.0.0.1:\(port)/\(inbox)/%s
            \tlinkmask = http://127.0.0.1:\(port)/\(inbox)/%s
            \tsearchmask = http://127.0.0.1:\(port)/\(inbox)/?x=m&t=1&q=%s
            \tattestation-policy = off
            \tattestation-checkmarks = plain

            """
        try text.write(toFile: cfg, atomically: true, encoding: .utf8)
        return [
            "GIT_CONFIG_GLOBAL": cfg, "GIT_CONFIG_NOSYSTEM": "1", "HOME": dir, "XDG_CACHE_HOME": dir + "/cache",
            "XDG_DATA_HOME": dir + "/data", "XDG_CONFIG_HOME": dir + "/config",
        ]
    }

    @Test func b4MboxAndAm() async throws {
        let server = try await LiveServer.start(site: fx.site)
        defer { server.stop() }
        let dir = try tempDir("b4")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Self.b4Env(server.port, dir)
        for d in ["/mbox", "/am"] { try FileManager.default.createDirectory(atPath: dir + d, withIntermediateDirectories: true) }

        let mbox = try await runProgram(["b4", "--no-interactive", "mbox", "-o", dir + "/mbox", Self.smallRoot], env: env, cwd: dir)
        #expect(mbox.status == 0, "\(mbox.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/mbox")
        #expect(files.count == 1)
        let got = try Array(Data(contentsOf: URL(fileURLWithPath: dir + "/mbox/" + (files.first ?? "x"))))
        #expect(mboxMessages(got).count == 5)

        let am = try await runProgram(["b4", "--no-interactive", "am", "-o", dir + "/am", Self.cover], env: env, cwd: dir)
        #expect(am.status == 0, "\(am.stderr)")
        let amFiles = try FileManager.default.contentsOfDirectory(atPath: dir + "/am")
        let mbx = amFiles.first { $0.hasSuffix(".mbx") }
        #expect(mbx != nil, "b4 am wrote \(amFiles); \(am.stderr)")
        if let mbx {
            let series = try String(contentsOfFile: dir + "/am/" + mbx, encoding: .utf8)
            // the one patch of the 75 in the corpus, with the review trailer from its reply
            #expect(mboxMessages(Array(series.utf8)).count == 1)
            #expect(series.contains("Subject: [PATCH v3 12/75] x86/boot/compressed/64: Switch to __KERNEL_CS"))
        }
        #expect(amFiles.contains { $0.hasSuffix(".cover") })
    }

    /// `b4 am` asks `patchid:` OR-queries for review trailers given outside the thread: a
    /// review of a resent copy of SEV-ES patch 12/75 (same diff, another thread) must reach the
    /// series b4 writes, and only through that search.
    @Test func b4AmCollectsTrailersFoundByPatchID() async throws {
        let patch = String(decoding: Fixtures.corpus("058-sev-es-v3-patch-12.eml"), as: UTF8.self)
        var resend: [Substring] = []
        var inHeader = true
        var skippingFolded = false
        for line in patch.split(separator: "\n", omittingEmptySubsequences: false) {
            if inHeader && line.isEmpty { inHeader = false }
            if inHeader {
                if skippingFolded && (line.hasPrefix(" ") || line.hasPrefix("\t")) { continue }
                skippingFolded = false
                let lower = line.lowercased()
                if lower.hasPrefix("message-id:") || lower.hasPrefix("in-reply-to:") || lower.hasPrefix("references:") {
                    skippingFolded = true
                    continue
                }
                if lower.hasPrefix("subject:") {
                    resend.append("Message-ID: <resend-12.joro@example.org>")
                    resend.append(Substring(line.replacingOccurrences(of: "[PATCH v3 12/75]", with: "[PATCH RESEND v3 12/75]")))
                    continue
                }
            }
            resend.append(line)
        }
        let review = """
            From: Rev Iewer <rev@example.org>
            To: Joerg Roedel <joro@8bytes.org>
            Subject: Re: [PATCH RESEND v3 12/75] x86/boot/compressed/64: Switch to __KERNEL_CS after GDT is loaded
            Date: Wed, 6 May 2020 10:00:00 +0000
            Message-ID: <review-12@example.org>
            In-Reply-To: <resend-12.joro@example.org>
            References: <resend-12.joro@example.org>

            On Tue, Apr 28, 2020 at 05:16:22PM +0200, Joerg Roedel wrote:
            > Switch to __KERNEL_CS after GDT is loaded.

            Looks right to me.

            Reviewed-by: Rev Iewer <rev@example.org>

            """
        let inbox = try TemporaryInbox(name: "pid", address: "pid@example.org")
        try inbox.importFiles(["057-sev-es-v3-cover.eml", "058-sev-es-v3-patch-12.eml"].map(Fixtures.corpusPath))
        try inbox.importBytes([Array(resend.joined(separator: "\n").utf8), Array(review.utf8)])
        // the resend is a separate thread: the review is not in the series' own thread
        #expect(try inbox.inbox.index.thread(of: Self.cover)?.strict.count == 2)

        let server = try await LiveServer.start(site: Site(inboxes: [inbox.inbox]))
        defer { server.stop() }
        let dir = try tempDir("b4pid")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/am", withIntermediateDirectories: true)
        let am = try await runProgram(
            ["b4", "--no-interactive", "am", "-o", dir + "/am", Self.cover], env: try Self.b4Env(server.port, dir, inbox: "pid"), cwd: dir)
        #expect(am.status == 0, "\(am.stderr)")
        #expect(am.stderr.contains("code-review trailers"), "\(am.stderr)")
        let mbx = try FileManager.default.contentsOfDirectory(atPath: dir + "/am").first { $0.hasSuffix(".mbx") }
        let series = try String(contentsOfFile: dir + "/am/" + (mbx ?? "none"), encoding: .utf8)
        #expect(series.contains("Subject: [PATCH v3 12/75] x86/boot/compressed/64: Switch to __KERNEL_CS"))
        #expect(series.contains("Reviewed-by: Rev Iewer <rev@example.org>"), "\(am.stderr)")
    }

    /// `b4 mbox -c` looks for newer revisions with `(s:"…" AND f:"…") AND d:YYYYMMDD..`: given
    /// v1 of the small series it must find and add v2's thread.
    @Test func b4MboxFindsNewerRevisions() async throws {
        let inbox = try TemporaryInbox(name: "rev", address: "rev@example.org")
        let v2 = ["050-thread-small-root.eml", "051-thread-small-patch2.eml", "052-thread-small-reply-to-root.eml"]
        try inbox.importFiles(
            ["v1-patch-1.eml", "v1-patch-2.eml"].map { Fixtures.root + "/revisions/" + $0 } + v2.map(Fixtures.corpusPath))
        let server = try await LiveServer.start(site: Site(inboxes: [inbox.inbox]))
        defer { server.stop() }
        let dir = try tempDir("b4rev")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Self.b4Env(server.port, dir, inbox: "rev")
        let v1 = "20191217190610.248061-1-dverkamp@chromium.org"
        for check in [false, true] {
            let name = check ? "c.mbox" : "plain.mbox"
            let out = dir + "/" + name
            let r = try await runProgram(
                ["b4", "--no-interactive", "mbox"] + (check ? ["-c"] : []) + ["-n", name, "-o", dir, v1], env: env, cwd: dir)
            #expect(r.status == 0, "\(r.stderr)")
            let got = (try? Data(contentsOf: URL(fileURLWithPath: out))).map { String(decoding: $0, as: UTF8.self) } ?? ""
            #expect(got.contains("Message-ID: <\(v1)>") || got.contains("Message-Id: <\(v1)>"), "\(r.stderr)")
            // v2's root only with -c, found by the search
            #expect(got.contains(Self.smallRoot) == check, "\(r.stderr)")
            if check { #expect(r.stderr.contains("Checking for newer revisions"), "\(r.stderr)") }
        }
    }

    @Test func feedparserReadsFeeds() async throws {
        let server = try await LiveServer.start(site: fx.site)
        defer { server.stop() }
        let script = """
            import feedparser, sys
            for u in sys.argv[1:]:
                f = feedparser.parse(u)
                print(u, f.bozo, len(f.entries), f.get('status'))
                assert f.bozo == 0, f.bozo_exception
                assert len(f.entries) > 0
            """
        let base = "http://127.0.0.1:\(server.port)/test/"
        let r = try await runProgram(
            ["python3", "-c", script, base + "new.atom", base + Self.smallRoot + "/t.atom", base + "?q=s:virtio-balloon&x=A"])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("t.atom False 5 200"))
        #expect(r.stdout.contains("x=A False 3 200"))
    }

    @Test func leiQueryWritesTheSameMessagesAsTheHTMLResults() async throws {
        let server = try await LiveServer.start(site: fx.site)
        defer { server.stop() }
        let dir = try tempDir("lei")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = [
            "HOME": dir, "XDG_RUNTIME_DIR": dir + "/run", "XDG_CONFIG_HOME": dir + "/config", "XDG_DATA_HOME": dir + "/data",
            "XDG_CACHE_HOME": dir + "/cache", "XDG_STATE_HOME": dir + "/state", "http_proxy": "", "https_proxy": "",
        ]
        try FileManager.default.createDirectory(atPath: dir + "/run", withIntermediateDirectories: true)
        let q = "s:virtio AND d:2019-01-01..2021-01-01"
        let out = dir + "/out.mbox"
        let r = try await runProgram(
            ["lei", "q", "--only", "http://127.0.0.1:\(server.port)/test/", "-o", "mboxrd:" + out, q], env: env, cwd: dir)
        _ = try? await runProgram(["lei", "daemon-kill"], env: env, cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let got = (try? Data(contentsOf: URL(fileURLWithPath: out))).map { Array($0) } ?? []
        // each message's Message-ID header (the value may be folded onto the next line)
        var leiMids = Set<String>()
        var inHeader = true
        let lines = String(decoding: got, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() {
            if line.hasPrefix("From ") {
                inHeader = true
                continue
            }
            if line.isEmpty { inHeader = false }
            guard inHeader, line.lowercased().hasPrefix("message-id:") else { continue }
            var v = line.dropFirst(11).trimmingCharacters(in: .whitespaces)
            if v.isEmpty, i + 1 < lines.count { v = lines[i + 1].trimmingCharacters(in: .whitespaces) }
            leiMids.insert(v.trimmingCharacters(in: CharacterSet(charactersIn: " <>")))
        }
        let html = try await fx.get("/test/?q=" + SearchParams.escape(q))
        #expect(html.status == .ok)
        var htmlMids = Set<String>()
        for line in html.text.split(separator: "\n") where line.contains(". <b><a href=\"") {
            let after = line.split(separator: "href=\"", maxSplits: 1)[1]
            let href = after.prefix { $0 != "\"" }
            htmlMids.insert(String(href.dropLast()).removingPercentEncoding ?? String(href))
        }
        #expect(!htmlMids.isEmpty)
        #expect(leiMids == htmlMids, "lei: \(r.stderr)")
    }
}
