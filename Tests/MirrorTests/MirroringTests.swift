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

/// A new message for inbox `to`, replying to `parent` when given.
func newMessage(_ id: String, to: String, parent: String? = nil, date: String = "Tue, 01 Dec 2020 10:00:00 +0000") -> [UInt8] {
    var s = "From: Mirror Test <mirror@example.org>\nTo: \(to)\nSubject: \(parent == nil ? "" : "Re: ")mirror test \(id)\n"
    s += "Date: \(date)\nMessage-ID: <\(id)@mirror.example>\n"
    if let parent { s += "In-Reply-To: <\(parent)>\nReferences: <\(parent)>\n" }
    s += "\nBody of \(id).\n"
    return Array(s.utf8)
}

/// `tidings clone` and `tidings fetch` against a real public-inbox-httpd and a second
/// `tidings serve`, on loopback, with the real command line.
@Suite(.serialized) struct MirroringTests {
    @Test func cloneAndFetchFromPublicInboxHttpdFollowAdditionsAndRemovals() async throws {
        let src = try TemporaryInbox(name: "pi", address: "pi@example.org")
        try src.importFiles(Array(Fixtures.corpusFiles.prefix(30)).map(Fixtures.corpusPath))
        var env = src.publicInboxEnvironment
        env["http_proxy"] = ""
        _ = try Command.run(["git", "config", "--file", src.config.path, "publicinboxmda.spamcheck", "none"])
        let idx = try await run(["public-inbox-index", "-L", "basic", src.inbox.config.dir], env: env)
        #expect(idx.status == 0, "\(idx.stderr)")
        let server = try ServerProcess.publicInbox(env: env)
        defer { server.stop() }
        let piMids = { () throws -> [String] in
            let r = try Command.run(["sqlite3", src.inbox.config.dir + "/msgmap.sqlite3", "SELECT mid FROM msgmap ORDER BY num"])
            return r.text.split(separator: "\n").map(String.init)
        }

        let dir = try temporaryDirectory("mirror-pi")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clone = try await tidings(["clone", "\(server.url)/pi", "pi", dir + "/pi"], dir)
        #expect(clone.status == 0, "\(clone.stderr)")
        let before = try indexedMids(dir + "/pi")
        let piBefore = try piMids()
        #expect(before.count == 30 && Set(before) == Set(piBefore))
        let upstream = try Command.run(["git", "config", "--file", dir + "/config", "publicinbox.pi.upstream"]).text
        #expect(upstream.trimmingCharacters(in: .whitespacesAndNewlines) == "\(server.url)/pi")

        // on the public-inbox side: three new messages (one a reply), one removed
        let parent = before[3]
        for (i, id) in ["pi-new-1", "pi-new-2", "pi-new-3"].enumerated() {
            let m = newMessage(id, to: "pi@example.org", parent: i == 0 ? parent : nil)
            let r = try Command.run(
                ["public-inbox-mda", "--no-precheck"], input: m, env: env.merging(["ORIGINAL_RECIPIENT": "pi@example.org"]) { $1 })
            #expect(r.status == 0, "\(r.stderr)")
        }
        let removed = before[5]
        let raw = try #require(try src.inbox.index.messages(mid: removed).first)
        let learn = try Command.run(["public-inbox-learn", "rm", "--all"], input: try src.inbox.raw(raw), env: env)
        #expect(learn.status == 0, "\(learn.stderr)")

        let fetch = try await tidings(["fetch"], dir)
        #expect(fetch.status == 0, "\(fetch.stderr)")
        #expect(!fetch.text.contains("nothing new"), "\(fetch.text)")
        let after = try indexedMids(dir + "/pi")
        #expect(Set(after) == Set(try piMids()), "\(fetch.text) \(fetch.stderr)")
        #expect(
            Set(after)
                == Set(before).subtracting([removed]).union([
                    "pi-new-1@mirror.example", "pi-new-2@mirror.example", "pi-new-3@mirror.example",
                ]))
        // the old messages kept their numbers: only the new ones were indexed
        #expect(Array(after.prefix(before.count - 1)) == before.filter { $0 != removed })
        let ic = try PIConfig(path: dir + "/config").inbox(named: "pi")
        let t = try threads(ic, ["pi-new-1@mirror.example"])
        #expect(t["pi-new-1@mirror.example"]?.contains(parent) == true)

        let again = try await tidings(["fetch", "pi"], dir)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.text.contains("fetch pi: nothing new"), "\(again.text)")
    }

    @Test func cloneAndFetchFromTidingsServeFollowEpochRolloverAndServeNoticesWithoutRestart() async throws {
        let scene = try MirrorScene("src")
        defer { withExtendedLifetime(scene) {} }
        let (source, server, dir) = (scene.source, scene.server, scene.dir)
        let clone = try await tidings(["clone", "\(server.url)/src/"], dir)
        #expect(clone.status == 0, "\(clone.stderr)")
        let mirrorDir = dir + "/src"
        let srcMids = try indexedMids(source.inbox.inbox.config.dir)
        #expect(try indexedMids(mirrorDir) == srcMids)
        let ic = try PIConfig(path: dir + "/config").inbox(named: "src")
        #expect(try threads(ic, srcMids) == (try threads(source.inbox.inbox.config, srcMids)))
        #expect(InboxRepository(dir: mirrorDir).epochs() == source.epochs)

        // a replica serves the mirror while it is fetched into
        let replica = try ServerProcess.tidings(config: dir + "/config")
        defer { replica.stop() }
        let newest = source.epochs.last!
        let importer = Importer(inbox: source.inbox.inbox)
        importer.rotateBytes = 1  // the next message starts a new epoch
        let added = (0..<100).map { newMessage("roll-\($0)", to: "src@example.org", parent: $0 == 0 ? srcMids[0] : nil) }
        _ = try importer.importSources(added.enumerated().map { .bytes($0.element, origin: "new#\($0.offset)") })
        #expect(source.epochs.last! > newest)

        let fetch = try await tidings(["fetch", "src"], dir)
        #expect(fetch.status == 0, "\(fetch.stderr)")
        #expect(fetch.text.contains("100 imported"), "\(fetch.text)")
        #expect(InboxRepository(dir: mirrorDir).epochs() == source.epochs)
        #expect(try indexedMids(mirrorDir) == (try indexedMids(source.inbox.inbox.config.dir)))
        var status = 0
        for _ in 0..<50 {
            let r = try await run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "\(replica.url)/src/roll-99@mirror.example/"])
            status = Int(r.text) ?? 0
            if status == 200 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(status == 200, "the replica did not notice the fetch")

        let again = try await tidings(["fetch"], dir)
        #expect(again.status == 0 && again.text.contains("fetch src: nothing new"), "\(again.text) \(again.stderr)")
    }

    @Test func rewrittenHistoryIsRefusedAndChangesNothing() async throws {
        let scene = try MirrorScene("rw")
        defer { withExtendedLifetime(scene) {} }
        let (source, server, dir) = (scene.source, scene.server, scene.dir)
        #expect(try await tidings(["clone", "\(server.url)/rw"], dir).status == 0)
        let before = try indexedMids(dir + "/rw")
        let epoch0 = source.inbox.inbox.repository.epochPath(0)
        let mirror0 = InboxRepository(dir: dir + "/rw").epochPath(0)
        let tipBefore = try Command.run(["git", "--git-dir=\(mirror0)", "rev-parse", "master"]).text
        // the source drops its last commit of epoch 0 and commits something else instead
        let tree = try Command.run(["git", "--git-dir=\(epoch0)", "rev-parse", "master~1^{tree}"]).text.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let other = try Command.run(
            ["git", "--git-dir=\(epoch0)", "commit-tree", tree, "-p", "master~2", "-m", "rewritten"],
            env: ["GIT_AUTHOR_NAME": "x", "GIT_AUTHOR_EMAIL": "x@x", "GIT_COMMITTER_NAME": "x", "GIT_COMMITTER_EMAIL": "x@x"]
        ).text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Command.run(["git", "--git-dir=\(epoch0)", "update-ref", "refs/heads/master", other]).status == 0)

        let fetch = try await tidings(["fetch", "rw"], dir)
        #expect(fetch.status != 0)
        #expect(fetch.stderr.contains("rewritten"), "\(fetch.stderr)")
        #expect(try Command.run(["git", "--git-dir=\(mirror0)", "rev-parse", "master"]).text == tipBefore)
        #expect(try indexedMids(dir + "/rw") == before)
        let refs = try Command.run(["git", "--git-dir=\(mirror0)", "for-each-ref"]).text
        #expect(!refs.contains("tidings-incoming"))
    }

    @Test func badSourcesGetAClearErrorAndLeaveNothingBehind() async throws {
        let dir = try temporaryDirectory("mirror-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // a static server: a manifest that is not JSON, and a page that is not an inbox
        try FileManager.default.createDirectory(atPath: dir + "/www/notjson", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/www/page", withIntermediateDirectories: true)
        let gz = try Command.run(["gzip", "-c"], input: Array("<html>not a manifest</html>".utf8))
        FileManager.default.createFile(atPath: dir + "/www/notjson/manifest.js.gz", contents: Data(gz.stdout))
        FileManager.default.createFile(atPath: dir + "/www/page/manifest.js.gz", contents: Data("plain text".utf8))
        let port = try ServerProcess.freePort()
        let web = try Subprocess([
            "sh", "-c", "exec python3 -m http.server --bind 127.0.0.1 \(port) --directory '\(dir)/www' >/dev/null 2>&1",
        ])
        defer {
            web.signal(SIGKILL)
            web.wait()
        }
        for _ in 0..<100 where !ServerProcess.connects(port) { usleep(100_000) }
        let cases: [(String, String)] = [
            ("notjson", "not a grokmirror manifest"), ("page", "not gzip"), ("missing", "no epochs"),
        ]
        for (name, message) in cases {
            let r = try await tidings(["clone", "http://127.0.0.1:\(port)/\(name)"], dir)
            #expect(r.status != 0, "\(name)")
            #expect(r.stderr.contains(message), "\(name): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/\(name)"))
        }
        let cfg = (try? String(contentsOfFile: dir + "/config", encoding: .utf8)) ?? ""
        #expect(!cfg.contains("publicinbox"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".tidings-clone") }
        #expect(leftovers.isEmpty)
    }

    @Test func aCloneKilledMidwayLeavesNothingAndTheNextOneCompletes() async throws {
        let scene = try MirrorScene("kill")
        defer { withExtendedLifetime(scene) {} }
        let (source, server, dir) = (scene.source, scene.server, scene.dir)
        let p = try Subprocess(
            [Command.tidings, "clone", "\(server.url)/kill", "--config", dir + "/config"], environment: isolated(dir), workingDirectory: dir
        )
        p.closeStdin()
        // kill -9 once the clone is under way (its work directory exists)
        var killedMidway = false
        for _ in 0..<3000 {
            if ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).contains(where: { $0.hasPrefix(".tidings-clone") }) {
                killedMidway = !p.hasExited()
                p.signal(SIGKILL)
                break
            }
            usleep(2000)
        }
        p.wait()
        #expect(killedMidway)
        #expect(!FileManager.default.fileExists(atPath: dir + "/kill"))
        let cfg = (try? String(contentsOfFile: dir + "/config", encoding: .utf8)) ?? ""
        #expect(!cfg.contains("publicinbox"))
        let r = try await tidings(["clone", "\(server.url)/kill"], dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try indexedMids(dir + "/kill") == (try indexedMids(source.inbox.inbox.config.dir)))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".tidings-clone") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}

/// Site clones, epoch ranges, and packs cut short in transit.
@Suite(.serialized) struct MirroringEdgeTests {
    @Test func aSiteRootClonesEveryInboxItsManifestLists() async throws {
        let a = try TemporaryInbox(name: "alpha", address: "alpha@example.org")
        try a.importFiles(Array(Fixtures.corpusFiles.prefix(10)).map(Fixtures.corpusPath))
        let b = try Inbox.create(InboxConfig(name: "beta", dir: a.root + "/beta", addresses: ["beta@example.org"]), in: a.config)
        _ = try Importer(inbox: b).importSources(Array(Fixtures.corpusFiles.suffix(5)).map { .file(path: Fixtures.corpusPath($0)) })
        let server = try ServerProcess.tidings(config: a.config.path)
        defer { server.stop() }
        let dir = try temporaryDirectory("mirror-site")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await tidings(["clone", server.url + "/", dir + "/top"], dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try indexedMids(dir + "/top/alpha") == (try indexedMids(a.inbox.config.dir)))
        #expect(try indexedMids(dir + "/top/beta") == (try indexedMids(b.config.dir)))
        let names = try PIConfig(path: dir + "/config").inboxes().map(\.name)
        #expect(names.sorted() == ["alpha", "beta"])
        let fetch = try await tidings(["fetch"], dir)
        #expect(fetch.text.contains("fetch alpha: nothing new") && fetch.text.contains("fetch beta: nothing new"), "\(fetch.text)")
    }

    @Test func anEpochRangeMirrorsOnlyThoseEpochsAndFetchKeepsToThem() async throws {
        let scene = try MirrorScene("range")
        defer { withExtendedLifetime(scene) {} }
        let epochs = scene.source.epochs
        let r = try await tidings(["clone", "\(scene.server.url)/range", "--epoch", "~1.."], scene.dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(InboxRepository(dir: scene.dir + "/range").epochs() == Array(epochs.suffix(2)))
        let importer = Importer(inbox: scene.source.inbox.inbox)
        importer.rotateBytes = MirrorSource.rotateBytes
        _ = try importer.importSources([.bytes(newMessage("range-new", to: "range@example.org"), origin: "new")])
        let fetch = try await tidings(["fetch", "range"], scene.dir)
        #expect(fetch.status == 0, "\(fetch.stderr)")
        #expect(fetch.text.contains("1 imported"), "\(fetch.text)")
        #expect(
            InboxRepository(dir: scene.dir + "/range").epochs()
                == Array(scene.source.epochs.suffix(scene.source.epochs.count - epochs.count + 2)))
        #expect(try indexedMids(scene.dir + "/range").contains("range-new@mirror.example"))
    }

    @Test func aTruncatedPackFailsCloneAndFetchAndChangesNothing() async throws {
        let scene = try MirrorScene("cut")
        defer { withExtendedLifetime(scene) {} }
        let proxy = try TruncatingProxy(upstream: scene.server.url)
        let dir = scene.dir
        let bad = try await tidings(["clone", "\(proxy.url)/cut"], dir)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("cloning") && bad.stderr.contains("failed"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/cut"))
        #expect(try await tidings(["clone", "\(scene.server.url)/cut"], dir).status == 0)
        let before = try indexedMids(dir + "/cut")
        let tips = InboxRepository(dir: dir + "/cut").epochs().map { InboxRepository(dir: dir + "/cut").tip($0) }
        _ = try Importer(inbox: scene.source.inbox.inbox).importSources([
            .bytes(newMessage("cut-new", to: "cut@example.org"), origin: "new")
        ])
        _ = try Command.run(["git", "config", "--file", dir + "/config", "publicinbox.cut.upstream", "\(proxy.url)/cut"])
        let cut = try await tidings(["fetch", "cut"], dir)
        #expect(cut.status != 0)
        #expect(cut.stderr.contains("fetching") && cut.stderr.contains("failed"), "\(cut.stderr)")
        #expect(try indexedMids(dir + "/cut") == before)
        #expect(InboxRepository(dir: dir + "/cut").epochs().map { InboxRepository(dir: dir + "/cut").tip($0) } == tips)
        _ = try Command.run(["git", "config", "--file", dir + "/config", "publicinbox.cut.upstream", "\(scene.server.url)/cut"])
        let good = try await tidings(["fetch", "cut"], dir)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(try indexedMids(dir + "/cut") == before + ["cut-new@mirror.example"])
    }
}

/// Fetches killed with SIGKILL at several points.
@Suite(.serialized) struct InterruptedFetchTests {
    @Test func aFetchKilledAnywhereLeavesAConsistentMirrorAndTheNextOneCompletes() async throws {
        let scene = try MirrorScene("killfetch")
        defer { withExtendedLifetime(scene) {} }
        let dir = scene.dir
        let mirror = dir + "/killfetch"
        #expect(try await tidings(["clone", "\(scene.server.url)/killfetch"], dir).status == 0)
        let before = try indexedMids(mirror)
        let importer = Importer(inbox: scene.source.inbox.inbox)
        importer.rotateBytes = 40_000  // new epochs as well as new objects in old ones
        let added = (0..<300).map { newMessage("kf-\($0)", to: "killfetch@example.org", parent: $0 % 7 == 0 ? before[0] : nil) }
        _ = try importer.importSources(added.enumerated().map { .bytes($0.element, origin: "new#\($0.offset)") })
        let final = try indexedMids(scene.source.inbox.inbox.config.dir)
        var interrupted = 0
        for delay in [0, 50, 150, 300, 600, 1200, 2500] {
            let p = try Subprocess(
                [Command.tidings, "fetch", "--config", dir + "/config"], environment: isolated(dir), workingDirectory: dir)
            p.closeStdin()
            // a blocking sleep: Task.sleep's wake-up waits for a free thread of the shared pool, which
            // other suites' blocking work can hold for seconds on a 2-core machine (every fetch then ended first)
            if delay > 0 { usleep(UInt32(delay) * 1000) }
            if !p.hasExited() {
                interrupted += 1
                p.signal(SIGKILL)
            }
            p.wait()
            // whatever the moment: git is whole, the index holds the old messages in their order
            // and nothing the source lacks (refs left in refs/tidings-incoming/ are cleared next time)
            let repo = InboxRepository(dir: mirror)
            for n in repo.epochs() {
                let fsck = try Command.run(["git", "--git-dir=\(repo.epochPath(n))", "fsck", "--connectivity-only", "--no-dangling"])
                #expect(fsck.status == 0, "epoch \(n) after \(delay) ms: \(fsck.stderr)")
            }
            let now = try indexedMids(mirror)
            #expect(Array(now.prefix(before.count)) == before, "after \(delay) ms")
            #expect(Set(now).isSubset(of: Set(final)), "after \(delay) ms")
        }
        #expect(interrupted > 0, "no fetch was interrupted")
        let done = try await tidings(["fetch"], dir)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(try indexedMids(mirror) == final)
        #expect(InboxRepository(dir: mirror).epochs() == scene.source.epochs)
    }
}

/// `tidings fetch` on a terminal (through `script`, which gives it a pty) and off one.
@Suite(.serialized) struct FetchProgressTests {
    @Test func onATerminalFetchShowsCountRateAndETAAndAlwaysASummaryLine() async throws {
        let scene = try MirrorScene("tty")
        defer { withExtendedLifetime(scene) {} }
        let dir = scene.dir
        #expect(try await tidings(["clone", "\(scene.server.url)/tty"], dir).status == 0)
        func addMail(_ prefix: String, _ n: Int) throws {
            let added = (0..<n).map { newMessage("\(prefix)-\($0)", to: "tty@example.org") }
            _ = try Importer(inbox: scene.source.inbox.inbox).importSources(
                added.enumerated().map { .bytes($0.element, origin: "\(prefix)#\($0.offset)") })
        }
        func onTerminal(_ args: [String]) async throws -> Command.Result {
            let line = ([Command.tidings] + args + ["--config", dir + "/config"]).map { "'\($0)'" }.joined(separator: " ")
            return try await run(["script", "-qefc", line, "/dev/null"], env: isolated(dir), cwd: dir)
        }
        try addMail("tty", 400)
        let tty = try await onTerminal(["fetch", "tty"])
        #expect(tty.status == 0, "\(tty.text)")
        let screen = tty.text
        // the redrawn line: count of the total, rate, ETA
        #expect(screen.contains("\rindex tty: "), "\(screen.prefix(2000))")
        #expect(screen.contains("/400 ["), "\(screen.prefix(2000))")
        #expect(screen.contains(" msg/s  ETA "), "\(screen.prefix(2000))")
        #expect(screen.contains("fetch tty: 400 imported"), "\(screen.suffix(500))")
        #expect(try indexedMids(dir + "/tty").suffix(400).allSatisfy { $0.hasPrefix("tty-") })

        // off a terminal: no redrawn line, the summary only
        try addMail("plain", 3)
        let plain = try await tidings(["fetch", "tty"], dir)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stderr.contains("\r") && !plain.stderr.contains("ETA"), "\(plain.stderr)")
        #expect(plain.text.contains("fetch tty: 3 imported"), "\(plain.text)")
        let nothing = try await onTerminal(["fetch", "tty"])
        #expect(nothing.status == 0 && nothing.text.contains("fetch tty: nothing new"), "\(nothing.text)")
    }
}
