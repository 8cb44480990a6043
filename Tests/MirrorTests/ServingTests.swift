import Foundation
import Index
import Mirror
import Support
import TestSupport
import Testing

@testable import Web

/// Tidings serving mirrors to real tools on loopback: git (smart HTTP v0 and v2, gzip bodies),
/// manifest.js.gz as grokmirror computes it, public-inbox-clone, grok-pull, lei.
@Suite(.serialized) struct ServingTests {
    static let source = try! MirrorSource()
    static let server = try! ServerProcess.tidings(config: source.configPath)
    var source: MirrorSource { Self.source }
    var url: String { Self.server.url }

    @Test func gitURLsAreRoutedAsPublicInboxRoutesThem() {
        func parse(_ p: String) -> Route { Route.parse(Substring(p), isScope: { $0 == "test" }) }
        #expect(parse("/test/0/info/refs") == .gitInfoRefs(scope: "test", epoch: 0))
        #expect(parse("/test/0.git/info/refs") == .gitInfoRefs(scope: "test", epoch: 0))
        #expect(parse("/test/git/12.git/info/refs") == .gitInfoRefs(scope: "test", epoch: 12))
        #expect(parse("/test/git/3/git-upload-pack") == .gitUploadPack(scope: "test", epoch: 3))
        #expect(parse("/test/git-upload-pack") == .gitUploadPack(scope: "test", epoch: nil))
        #expect(parse("/manifest.js.gz") == .manifest(scope: nil))
        #expect(parse("/test/manifest.js.gz") == .manifest(scope: "test"))
        #expect(parse("/test/x/info/refs") == .notFound)
        #expect(parse("/test/git/0.git/objects/info/packs") == .notFound)
    }

    @Test func gitCloneMirrorsEveryEpochOverProtocolV0AndV2() async throws {
        let epochs = source.epochs
        #expect(epochs.count >= 3, "the source should span several epochs")
        let dir = try temporaryDirectory("git-clone")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let forms = ["\(url)/test/%d", "\(url)/test/%d.git", "\(url)/test/git/%d.git"]
        for version in [0, 2] {
            for n in epochs {
                let remote = String(format: forms[(n + version) % forms.count], n)
                let target = "\(dir)/v\(version)-\(n).git"
                let r = try await run(
                    ["git", "-c", "protocol.version=\(version)", "clone", "--mirror", remote, target],
                    env: ["GIT_TRACE_PACKET": "1", "GIT_TERMINAL_PROMPT": "0"])
                #expect(r.status == 0, "\(remote): \(r.stderr.suffix(2000))")
                // the server answered in the protocol asked for
                #expect(r.stderr.contains("git< version 2") == (version == 2), "\(remote) v\(version)")
                let tip = try await run(["git", "--git-dir=\(target)", "rev-parse", "refs/heads/master"])
                #expect(tip.text.trimmingCharacters(in: .whitespacesAndNewlines) == source.tip(n))
                let fsck = try await run(["git", "--git-dir=\(target)", "fsck", "--no-dangling"])
                #expect(fsck.status == 0, "\(fsck.stderr)")
            }
        }
    }

    @Test func aGzippedNegotiationGetsThePack() async throws {
        let dir = try temporaryDirectory("gzip")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tip = try #require(source.tip(0))
        let body = "0032want \(tip)\n" + "0000" + "0009done\n"
        let gz = try Command.run(["gzip", "-c"], input: Array(body.utf8))
        FileManager.default.createFile(atPath: dir + "/req.gz", contents: Data(gz.stdout))
        let r = try await run([
            "curl", "-sS", "-D", dir + "/head", "-o", dir + "/out", "--data-binary", "@" + dir + "/req.gz",
            "-H", "Content-Type: application/x-git-upload-pack-request", "-H", "Content-Encoding: gzip",
            "\(url)/test/git/0.git/git-upload-pack",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let head = String(decoding: Fixtures.bytes(dir + "/head"), as: UTF8.self)
        #expect(head.hasPrefix("HTTP/1.1 200"), "\(head)")
        #expect(head.lowercased().contains("content-type: application/x-git-upload-pack-result"), "\(head)")
        let out = Fixtures.bytes(dir + "/out")
        #expect(out.starts(with: Array("0008NAK\n".utf8)))
        // the pack follows, and git accepts it whole
        let pack = try #require(out.firstRange(of: Array("PACK".utf8)))
        let verify = try await run(["git", "init", "-q", "--bare", dir + "/r.git"])
        #expect(verify.status == 0)
        let index = try Command.run(["git", "--git-dir=\(dir)/r.git", "index-pack", "--stdin"], input: Array(out[pack.lowerBound...]))
        #expect(index.status == 0, "\(index.stderr)")
    }

    @Test func pushesAndDumbHTTPAreRefused() async throws {
        let push = try await run([
            "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "\(url)/test/0/info/refs?service=git-receive-pack",
        ])
        #expect(push.text == "403")
        let dumb = try await run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "\(url)/test/0/info/refs"])
        #expect(dumb.text == "404")
        let get = try await run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "\(url)/test/0/git-upload-pack"])
        #expect(get.text == "405")
        let missing = try await run([
            "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "\(url)/test/99/info/refs?service=git-upload-pack",
        ])
        #expect(missing.text == "404")
    }

    @Test func gitProcessesBeyondTheLimitGet503WithRetryAfter() async throws {
        let server = try ServerProcess.tidings(config: source.configPath, extra: ["--git-processes", "1"])
        defer { server.stop() }
        // one POST holds the only git process while its body is awaited
        let script = """
            import socket, sys, time, urllib.request, urllib.error
            port = int(sys.argv[1])
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST /test/0/git-upload-pack HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/x-git-upload-pack-request\\r\\nContent-Length: 100\\r\\n\\r\\n0032")
            time.sleep(1)
            u = "http://127.0.0.1:%d/test/0/info/refs?service=git-upload-pack" % port
            try:
                urllib.request.urlopen(u)
                print("busy: 200")
            except urllib.error.HTTPError as e:
                print("busy:", e.code, e.headers.get("Retry-After"))
            s.close()
            for _ in range(100):
                try:
                    r = urllib.request.urlopen(u)
                    print("after:", r.status)
                    break
                except urllib.error.HTTPError as e:
                    time.sleep(0.2)
            """
        let r = try await run(["python3", "-c", script, "\(server.port)"], env: ["http_proxy": "", "no_proxy": "*"])
        #expect(r.text.contains("busy: 503 60"), "\(r.text) \(r.stderr)")
        #expect(r.text.contains("after: 200"), "\(r.text) \(r.stderr)")
    }

    @Test func manifestsListEveryEpochWithGrokmirrorsFingerprint() async throws {
        for path in ["/manifest.js.gz", "/test/manifest.js.gz"] {
            let dir = try temporaryDirectory("manifest")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try await run(["curl", "-sS", "-D", dir + "/head", "-o", dir + "/m.gz", url + path])
            #expect(r.status == 0)
            let head = String(decoding: Fixtures.bytes(dir + "/head"), as: UTF8.self).lowercased()
            #expect(head.contains("content-type: application/gzip"))
            #expect(head.contains("last-modified: "))
            let json = try Command.run(["gzip", "-dc", dir + "/m.gz"])
            let m = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: [String: Any]])
            #expect(Set(m.keys) == Set(source.epochs.map { "/test/git/\($0).git" }))
            for n in source.epochs {
                let e = try #require(m["/test/git/\(n).git"])
                let gitDir = source.inbox.inbox.repository.epochPath(n)
                let showRef = try Command.run(["git", "--git-dir=\(gitDir)", "show-ref"])
                let sha = try Command.run(["sha1sum"], input: showRef.stdout).text.prefix(40)
                #expect(e["fingerprint"] as? String == String(sha))
                let ct = try Command.run(["git", "--git-dir=\(gitDir)", "log", "-1", "--format=%ct", "master"]).text
                #expect((e["modified"] as? Int).map(String.init) == ct.trimmingCharacters(in: .whitespacesAndNewlines))
                #expect((e["description"] as? String)?.hasSuffix("[epoch \(n)]") == true)
                #expect(e.keys.contains("owner") && e.keys.contains("reference"))
            }
        }
    }

    @Test func publicInboxCloneThenIndexHasEveryMessage() async throws {
        let dir = try temporaryDirectory("pi-clone")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = isolated(dir)
        let clone = try await run(["public-inbox-clone", "\(url)/test", dir + "/test"], env: env)
        #expect(clone.status == 0, "\(clone.stderr)")
        #expect(
            Set((try? FileManager.default.contentsOfDirectory(atPath: dir + "/test/git")) ?? []).isSuperset(
                of: source.epochs.map { "\($0).git" }))
        let index = try await run(["public-inbox-index", "-L", "basic", dir + "/test"], env: env)
        #expect(index.status == 0, "\(index.stderr)")
        let count = try await run(["sqlite3", dir + "/test/msgmap.sqlite3", "SELECT count(*) FROM msgmap"])
        let ours = try source.inbox.inbox.index.generation().messages
        #expect(Int(count.text.trimmingCharacters(in: .whitespacesAndNewlines)) == ours)
        #expect(ours > 50)
    }

    @Test func grokPullMirrorsEveryEpochFromTheManifest() async throws {
        let dir = try temporaryDirectory("grok")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let conf = """
            [core]
            toplevel = \(dir)/mirror
            manifest = \(dir)/mirror/manifest.js.gz
            log = \(dir)/grok.log
            objstore = \(dir)/objstore
            [remote]
            site = \(url)
            manifest = \(url)/manifest.js.gz
            [pull]
            pull_threads = 1
            """
        FileManager.default.createFile(atPath: dir + "/repos.conf", contents: Data(conf.utf8))
        try FileManager.default.createDirectory(atPath: dir + "/mirror", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/objstore", withIntermediateDirectories: true)
        let r = try await run(["grok-pull", "-c", dir + "/repos.conf"], env: isolated(dir))
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        for n in source.epochs {
            let tip = try await run(["git", "--git-dir=\(dir)/mirror/test/git/\(n).git", "rev-parse", "refs/heads/master"])
            #expect(tip.text.trimmingCharacters(in: .whitespacesAndNewlines) == source.tip(n), "epoch \(n): \(r.stderr)")
        }
    }

    @Test func leiAddExternalMirrorClonesAndIndexes() async throws {
        let dir = try temporaryDirectory("lei-mirror")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var env = isolated(dir)
        env["XDG_RUNTIME_DIR"] = dir + "/run"
        env["XDG_CONFIG_HOME"] = dir + "/config"
        env["XDG_DATA_HOME"] = dir + "/data"
        env["XDG_CACHE_HOME"] = dir + "/cache"
        env["XDG_STATE_HOME"] = dir + "/state"
        try FileManager.default.createDirectory(atPath: dir + "/run", withIntermediateDirectories: true)
        let r = try await run(["lei", "add-external", "--mirror", "\(url)/test", dir + "/ext"], env: env, cwd: dir)
        let ls = try await run(["lei", "ls-external"], env: env, cwd: dir)
        _ = try? await run(["lei", "daemon-kill"], env: env, cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(ls.text.contains(dir + "/ext"), "\(ls.text)")
        let count = try await run(["sqlite3", dir + "/ext/msgmap.sqlite3", "SELECT count(*) FROM msgmap"])
        #expect(Int(count.text.trimmingCharacters(in: .whitespacesAndNewlines)) == (try source.inbox.inbox.index.generation().messages))
    }
}

/// The commands `_/text/mirror/` prints, run as printed (each way in a directory of its own).
@Suite(.serialized) struct MirrorPageTests {
    @Test func everyCommandOnTheMirrorPageWorks() async throws {
        let scene = try MirrorScene("page")
        defer { withExtendedLifetime(scene) {} }
        let page = try await run(["curl", "-sS", "\(scene.server.url)/page/_/text/mirror/raw"])
        #expect(page.status == 0)
        // the ways to mirror: split where the page says "# or"
        var ways: [[String]] = [[]]
        var pending = ""
        // the inbox's configured url is http://127.0.0.1/page/ (no port): the server's own stands in
        let text = page.text.replacingOccurrences(of: "http://127.0.0.1/", with: scene.server.url + "/")
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("# or") { ways.append([]) }
            guard ["git clone", "public-inbox-", "tidings clone"].contains(where: { line.hasPrefix($0) }) || !pending.isEmpty else {
                continue
            }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            var command = pending + line
            pending = ""
            if command.hasPrefix("tidings clone") {
                guard !command.contains(" DIR") else { continue }  // the site-wide form, tested apart
                command = "'\(Command.tidings)'" + command.dropFirst(7) + " --config ./config"
            }
            ways[ways.count - 1].append(command)
        }
        #expect(ways.count == 3, "\(text)")
        #expect(ways[0].filter { $0.hasPrefix("git clone --mirror") }.count == scene.source.epochs.count)
        let expected = try scene.source.inbox.inbox.index.generation().messages
        for (i, way) in ways.enumerated() {
            let dir = try temporaryDirectory("page-way-\(i)")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let script = "set -e\n" + way.joined(separator: "\n") + "\n"
            let r = try await run(["sh", "-c", script], env: isolated(dir), cwd: dir)
            #expect(r.status == 0, "\(script)\n\(r.stderr.suffix(3000))")
            let count =
                way.last!.contains("tidings")
                ? try indexedMids(dir + "/page").count
                : Int(
                    try Command.run(["sqlite3", dir + "/page/msgmap.sqlite3", "SELECT count(*) FROM msgmap"]).text.trimmingCharacters(
                        in: .whitespacesAndNewlines)) ?? -1
            #expect(count == expected, "\(script)")
        }
    }
}

/// The manifest is kept between requests and made again for the epochs that changed.
@Suite(.serialized) struct ManifestCacheTests {
    @Test func repeatedManifestRequestsRunNoGitAndNewMailUpdatesTheManifest() async throws {
        let source = try MirrorSource(name: "mc")
        let bin = source.inbox.root + "/bin"
        let log = source.inbox.root + "/git.log"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let git = try Command.run(["sh", "-c", "command -v git"]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        // every git the server runs, logged
        FileManager.default.createFile(
            atPath: bin + "/git", contents: Data("#!/bin/sh\necho \"$*\" >> '\(log)'\nexec '\(git)' \"$@\"\n".utf8),
            attributes: [.posixPermissions: 0o755])
        let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let server = try ServerProcess.tidings(config: source.configPath, env: ["PATH": path])
        defer { server.stop() }
        func gitRuns() -> [String] { String(decoding: Fixtures.bytes(log), as: UTF8.self).split(separator: "\n").map(String.init) }
        func manifest(_ path: String) async throws -> [String: [String: Any]] {
            let r = try await run(["sh", "-c", "curl -sS '\(server.url)\(path)' | gzip -dc"], env: ["http_proxy": ""])
            #expect(r.status == 0, "\(r.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: [String: Any]])
        }
        func fingerprint(_ n: Int) throws -> String {
            let showRef = try Command.run(["git", "--git-dir=\(source.inbox.inbox.repository.epochPath(n))", "show-ref"])
            return String(try Command.run(["sha1sum"], input: showRef.stdout).text.prefix(40))
        }
        let newest = try #require(source.epochs.last)
        let key = "/mc/git/\(newest).git"
        let first = try await manifest("/mc/manifest.js.gz")
        #expect(first[key]?["fingerprint"] as? String == (try fingerprint(newest)))
        _ = try await manifest("/manifest.js.gz")
        let afterFirst = gitRuns().count
        #expect(afterFirst > 0, "the git wrapper logged nothing")
        for path in ["/mc/manifest.js.gz", "/manifest.js.gz", "/mc/manifest.js.gz", "/manifest.js.gz"] {
            let again = try await manifest(path)
            #expect(again[key]?["fingerprint"] as? String == first[key]?["fingerprint"] as? String)
        }
        #expect(gitRuns().count == afterFirst, "\(gitRuns().suffix(4))")

        // new mail moves the newest epoch's ref: only that epoch is asked again
        _ = try Importer(inbox: source.inbox.inbox).importSources([.bytes(newMessage("mc-new", to: "mc@example.org"), origin: "new")])
        #expect(source.epochs.last == newest)
        let updated = try await manifest("/mc/manifest.js.gz")
        #expect(updated[key]?["fingerprint"] as? String == (try fingerprint(newest)))
        #expect(updated[key]?["fingerprint"] as? String != first[key]?["fingerprint"] as? String)
        let reran = Array(gitRuns().dropFirst(afterFirst))
        #expect(!reran.isEmpty && reran.allSatisfy { $0.contains("/\(newest).git") }, "\(reran)")
        let whole = try await manifest("/manifest.js.gz")
        #expect(whole[key]?["fingerprint"] as? String == (try fingerprint(newest)))
        #expect(gitRuns().count == afterFirst + reran.count)
    }
}
