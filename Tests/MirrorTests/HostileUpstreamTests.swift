import Foundation
import Index
import Mirror
import Store
import Support
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `tidings` with its config in `dir`, more environment, a test deadline and its peak RSS
/// (from /usr/bin/time, in KiB) and wall time.
func measured(_ args: [String], _ dir: String, env: [String: String] = [:], timeout: Int = 60) async throws -> (
    result: Command.Result, peakKiB: Int, seconds: Double
) {
    let t0 = Date()
    let r = try await run(
        ["/usr/bin/time", "-f", "peak-rss-kib=%M", Command.tidings] + args + ["--config", dir + "/config"],
        env: isolated(dir).merging(env) { $1 }, cwd: dir, timeout: timeout)
    let peak = r.stderr.components(separatedBy: "peak-rss-kib=").last.flatMap { Int($0.prefix { $0.isNumber }) } ?? -1
    return (r, peak, Date().timeIntervalSince(t0))
}

/// `tidings clone` and `fetch` against an upstream built to hurt them (`HostileUpstream`):
/// each must end soon with a clear error, within bounded memory, leaving nothing behind and
/// nothing hostile in the mirror's config.
@Suite(.serialized) struct HostileUpstreamTests {
    @Test func aGzipBombOrAHugeManifestIsRefusedWithinItsBound() async throws {
        let dir = try temporaryDirectory("hostile-manifest")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let up = try HostileUpstream(log: dir + "/requests")
        // measured on main: 2.13 GB (bomb) and 2.48 GB (300 MB of JSON) at peak
        for name in ["bomb", "bigjson"] {
            let (r, peak, seconds) = try await measured(["clone", "\(up.url)/\(name)"], dir)
            #expect(r.status != 0 && r.status != 124, "\(name): \(r.stderr)")
            #expect(r.stderr.contains("inflates to more than 32 MiB"), "\(name): \(r.stderr)")
            #expect(peak > 0 && peak < 300_000, "\(name): peak RSS \(peak) KiB")
            #expect(seconds < 30, "\(name): \(seconds) s")
            #expect(!FileManager.default.fileExists(atPath: dir + "/\(name)"))
        }
    }

    @Test func anEndlessConfigIsCutAtItsBoundAndLeavesNoTemporaryFile() async throws {
        let dir = try temporaryDirectory("hostile-config")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/tmp", withIntermediateDirectories: true)
        let up = try HostileUpstream(log: dir + "/requests")
        // on main curl wrote it to a temporary file: 31 GB in 120 s, left behind when killed
        let (r, peak, seconds) = try await measured(["clone", "\(up.url)/endless"], dir, env: ["TMPDIR": dir + "/tmp"])
        #expect(r.status != 0 && r.status != 124, "\(r.stderr)")
        #expect(r.stderr.contains("config/raw is larger than 1 MiB"), "\(r.stderr)")
        #expect(peak > 0 && peak < 300_000, "peak RSS \(peak) KiB")
        #expect(seconds < 30, "\(seconds) s")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp").isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".tidings-clone") }.isEmpty)
    }

    @Test func aSourceThatStallsOrNeverAnswersIsGivenUpOn() async throws {
        let dir = try temporaryDirectory("hostile-slow")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let up = try HostileUpstream(log: dir + "/requests")
        // a byte a second is under 1000 bytes/s: given up after --stall-timeout
        let drip = try await measured(["clone", "\(up.url)/drip", "--stall-timeout", "3"], dir)
        #expect(drip.result.status != 0 && drip.result.status != 124, "\(drip.result.stderr)")
        #expect(drip.result.stderr.contains("--stall-timeout"), "\(drip.result.stderr)")
        #expect(drip.seconds < 30, "\(drip.seconds) s")
        // no answer at all, and a stall limit too long to matter: the deadline ends it
        let hang = try await measured(["clone", "\(up.url)/hang", "--timeout", "4", "--stall-timeout", "600"], dir)
        #expect(hang.result.status != 0 && hang.result.status != 124, "\(hang.result.stderr)")
        #expect(hang.result.stderr.contains("not done after 4 s (--timeout)"), "\(hang.result.stderr)")
        #expect(hang.seconds < 30, "\(hang.seconds) s")
        for name in ["drip", "hang"] { #expect(!FileManager.default.fileExists(atPath: dir + "/\(name)")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".tidings-clone") }.isEmpty)
    }

    @Test func aFetchFromAStalledSourceLeavesTheInboxLockFreeAndChangesNothing() async throws {
        let scene = try MirrorScene("drip")
        defer { withExtendedLifetime(scene) {} }
        let dir = scene.dir
        let mirror = dir + "/drip"
        #expect(try await tidings(["clone", "\(scene.server.url)/drip"], dir).status == 0)
        let before = try indexedMids(mirror)
        let up = try HostileUpstream(log: dir + "/requests")
        _ = try Command.run(["git", "config", "--file", dir + "/config", "publicinbox.drip.upstream", "\(up.url)/drip"])
        let t0 = Date()
        let fetch = try Subprocess(
            [Command.tidings, "fetch", "drip", "--stall-timeout", "6", "--config", dir + "/config"], environment: isolated(dir),
            captureStderr: true, workingDirectory: dir)
        fetch.closeStdin()
        // the fetch is waiting on the source: import and deliver can take the lock meanwhile
        // (on main the fetch held it until the source answered, i.e. for ever)
        for _ in 0..<100 where !up.requests.contains(where: { $0.contains("info/refs") }) { usleep(50_000) }
        #expect(up.requests.contains { $0.contains("info/refs") }, "\(up.requests)")
        let lock = try await run(["flock", "-n", mirror + "/inbox.lock", "true"])
        #expect(lock.status == 0, "the inbox lock is held during the transfer")
        let second = try await run(
            [Command.tidings, "fetch", "drip", "--config", dir + "/config"], env: isolated(dir), cwd: dir, timeout: 60)
        #expect(second.status != 0 && second.stderr.contains("another tidings fetch of drip is running"), "\(second.stderr)")
        let errors = String(decoding: Subprocess.readAll(fetch.stderrFD), as: UTF8.self)
        let status = fetch.wait()
        #expect(status != 0, "\(errors)")
        #expect(errors.contains("--stall-timeout"), "\(errors)")
        #expect(Date().timeIntervalSince(t0) < 40)
        #expect(try indexedMids(mirror) == before)
        let refs = try Command.run(["git", "--git-dir=\(mirror)/git/0.git", "for-each-ref"]).text
        #expect(!refs.contains("tidings-incoming"), "\(refs)")
    }

    @Test func hostileConfigValuesAreRefusedAndOnlyTheInboxsOwnSectionIsTaken() async throws {
        let scene = try MirrorScene("evil")
        defer { withExtendedLifetime(scene) {} }
        let dir = scene.dir
        let up = try HostileUpstream(upstream: scene.server.url, log: dir + "/requests")
        // work directories of clones killed midway, of other inboxes: removed by the next clone
        let dead = try Subprocess(["true"])
        dead.wait()
        for stale in [".tidings-clone-other-\(dead.pid)", ".tidings-clone-a-b-\(dead.pid)"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + stale + "/git", withIntermediateDirectories: true)
        }
        let r = try await tidings(["clone", "\(up.url)/evil"], dir)
        #expect(r.status == 0, "\(r.stderr)")
        let ic = try PIConfig(path: dir + "/config").inbox(named: "evil")
        #expect(ic.addresses == ["evil@example.org"])
        #expect(ic.newsgroup == nil)
        #expect(try PIConfig(path: dir + "/config").inboxes().map(\.name) == ["evil"])
        let text = try String(contentsOfFile: dir + "/config", encoding: .utf8)
        #expect(!text.contains("pwned") && !text.contains("--global") && !text.contains("/etc"), "\(text)")
        #expect(r.stderr.contains("not taken from") && r.stderr.contains("--global"), "\(r.stderr)")
        #expect(try indexedMids(dir + "/evil") == (try indexedMids(scene.source.inbox.inbox.config.dir)))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".tidings-clone") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func manifestPathsThatPointAtAnotherHostAreLeftOut() async throws {
        let dir = try temporaryDirectory("hostile-site")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let witness = try HostileUpstream(log: dir + "/witness")
        let up = try HostileUpstream(witness: witness.url, log: dir + "/requests")
        let r = try await tidings(["clone", up.url + "/", dir + "/top"], dir)
        #expect(r.status != 0)
        #expect(r.stderr.contains("left out") && r.stderr.contains("lists no inboxes"), "\(r.stderr)")
        #expect(witness.requests.isEmpty, "the clone went to another host: \(witness.requests)")
        #expect(up.requests == ["/manifest.js.gz"], "\(up.requests)")
    }

    @Test func optionsWhereAURLOrANameBelongAreRefused() async throws {
        let dir = try temporaryDirectory("hostile-args")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // options first: after "--" every word is an argument
        func clone(_ args: [String]) async throws -> Command.Result {
            try await run([Command.tidings, "clone", "--config", dir + "/config"] + args, env: isolated(dir), cwd: dir)
        }
        let url = try await clone(["--", "--upload-pack=touch pwned"])
        #expect(url.status != 0)
        #expect(url.stderr.contains("is not an http:// or https:// URL"), "\(url.stderr)")
        let name = try await clone(["http://127.0.0.1:9/x", "--", "-c"])
        #expect(name.status != 0)
        #expect(name.stderr.contains("\"-c\" is not a usable inbox name"), "\(name.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/pwned"))
        // an upstream in the config is checked as well
        let scene = try MirrorScene("args")
        defer { withExtendedLifetime(scene) {} }
        #expect(try await tidings(["clone", "\(scene.server.url)/args"], scene.dir).status == 0)
        _ = try Command.run(["git", "config", "--file", scene.dir + "/config", "publicinbox.args.upstream", "--upload-pack=touch pwned"])
        let fetch = try await tidings(["fetch"], scene.dir)
        #expect(fetch.status != 0 && fetch.stderr.contains("is not an http:// or https:// URL"), "\(fetch.stderr)")
    }

    @Test func mirroredMessagesOverTheSizeLimitAreRejectedWithoutBeingRead() async throws {
        let src = try TemporaryInbox(name: "big", address: "big@example.org")
        let importer = Importer(inbox: src.inbox)
        importer.maxMessageSize = nil
        let body = String(repeating: "a line of a message far larger than the mirror takes\n", count: 60_000)  // 3.2 MB
        var big = newMessage("big-1", to: "big@example.org")
        big += Array(body.utf8)
        _ = try importer.importSources([
            .bytes(newMessage("small-1", to: "big@example.org"), origin: "a"), .bytes(big, origin: "b"),
            .bytes(newMessage("small-2", to: "big@example.org"), origin: "c"),
        ])
        let server = try ServerProcess.tidings(config: src.config.path)
        defer { server.stop() }
        let dir = try temporaryDirectory("hostile-blob")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Command.run(["git", "config", "--file", dir + "/config", "tidings.maxMessageSize", "1m"])
        let r = try await tidings(["clone", "\(server.url)/big"], dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try indexedMids(dir + "/big") == ["small-1@mirror.example", "small-2@mirror.example"])
        let rejected = try Command.run(["sqlite3", ArchiveIndex.path(forInbox: dir + "/big"), "SELECT reason, object FROM rejected"]).text
        #expect(rejected.contains("too large: ") && rejected.contains("over the limit of 1048576 (maxMessageSize)"), "\(rejected)")
        #expect(r.stderr.contains("too large"), "\(r.stderr)")
    }
}

/// Values already in a config (stored before they were checked, or by hand) are published
/// escaped: `_/text/config/raw` reads back as the same values, `_/text/mirror/` commands keep
/// each value one shell word and leave out addresses that are not plain.
@Suite(.serialized) struct PublishedConfigTests {
    @Test func storedHostileValuesAreEscapedInConfigRawAndQuotedOnTheMirrorPage() async throws {
        let src = try TemporaryInbox(name: "pub", address: "pub@example.org")
        try src.importFiles(Array(Fixtures.corpusFiles.prefix(3)).map(Fixtures.corpusPath))
        let hostile = ["--global", "-c core.sshCommand=touch pwned", "ok@example.org\n[core]\n\tsshCommand = touch pwned", "a;b#c\\\"d@x"]
        for a in hostile { _ = try Command.run(["git", "config", "--file", src.config.path, "--add", "--", "publicinbox.pub.address", a]) }
        let server = try ServerProcess.tidings(config: src.config.path)
        defer { server.stop() }
        let raw = try await run(["curl", "-sS", "\(server.url)/pub/_/text/config/raw"])
        #expect(raw.status == 0)
        let parsed = try Command.run(["git", "config", "--file", "-", "--null", "--list"], input: raw.stdout)
        #expect(parsed.status == 0, "\(raw.text)")
        let entries = PIConfig.parseList(parsed.stdout)
        // on main the newline started a [core] section: core.sshcommand was set
        let keys = ["publicinbox.pub.inboxdir", "publicinbox.pub.mainrepo", "publicinbox.pub.url", "publicinbox.pub.address"]
        #expect(Set(entries.map(\.key)).isSubset(of: keys), "\(raw.text)")
        #expect(entries.filter { $0.key == "publicinbox.pub.address" }.map(\.value) == ["pub@example.org"] + hostile, "\(raw.text)")

        let page = try await run(["curl", "-sS", "\(server.url)/pub/_/text/mirror/raw"])
        #expect(page.status == 0)
        for line in page.text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            #expect(!line.hasPrefix("[core]") && !line.hasPrefix("sshCommand") && !line.contains("--global"), "\(line)")
            #expect(!line.contains("touch pwned") && !line.contains("-c core"), "\(line)")
        }
        // the addresses of public-inbox-init: the plain one only
        let lines = page.text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let initLine = try #require(lines.firstIndex { $0.hasPrefix("public-inbox-init") })
        #expect(lines[initLine + 2] == "pub@example.org", "\(page.text)")
    }
}
