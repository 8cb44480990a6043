import Foundation
import Mail
import Store
import Support
import TestSupport
import Testing

@Suite struct StoreTests {
    func tempDir() throws -> String {
        let d = NSTemporaryDirectory() + "tidings-store-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func configIsPublicInboxsGitConfig() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let cfg = PIConfig(path: d + "/config")
        try cfg.add(InboxConfig(name: "virt", dir: d + "/virt", addresses: ["virt@example.org", "v@example.org"], url: "https://x/virt"))
        try cfg.add(InboxConfig(name: "other", dir: d + "/other", addresses: ["o@example.org"]))
        let all = try cfg.inboxes()
        #expect(all.map(\.name) == ["virt", "other"])
        #expect(all[0].addresses == ["virt@example.org", "v@example.org"])
        #expect(all[0].url == "https://x/virt")
        // git itself reads what we wrote, in public-inbox's key names
        let dir = try Subprocess.text(["git", "config", "--file", d + "/config", "publicinbox.virt.inboxdir"])
        #expect(dir == d + "/virt")
        #expect(throws: PIConfig.NotFound.self) { try cfg.inbox(named: "nope") }
    }

    @Test func layoutMatchesPublicInboxInit() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let repo = InboxRepository(dir: d + "/inbox")
        try repo.create(primaryAddress: "list@example.org")
        for f in ["inbox.lock", "description", "all.git/HEAD", "git/0.git/HEAD", "all.git/objects/info/alternates"] {
            #expect(fileExists(d + "/inbox/" + f), "\(f)")
        }
        #expect(try String(contentsOfFile: d + "/inbox/all.git/objects/info/alternates", encoding: .utf8) == "../../git/0.git/objects\n")
        #expect(try String(contentsOfFile: d + "/inbox/description", encoding: .utf8) == "public inbox for list@example.org\n")
        try repo.createEpoch(1)
        #expect(repo.epochs() == [0, 1])
        #expect(
            try String(contentsOfFile: d + "/inbox/all.git/objects/info/alternates", encoding: .utf8)
                == "../../git/1.git/objects\n../../git/0.git/objects\n")
    }

    @Test func bytesInGitBytesOutAndCommitsLikePublicInbox() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let repo = InboxRepository(dir: d + "/inbox")
        try repo.create(primaryAddress: "list@example.org")
        let writer = try InboxWriter(repository: repo, committerName: "test", committerEmail: "list@example.org")
        var blobs: [(String, [UInt8])] = []
        for f in Fixtures.corpusFiles.prefix(12) {
            let raw = Fixtures.corpus(f)
            let m = Message.parse(raw)
            let date = m.date ?? MailDate(seconds: 0)
            let (_, blob) = try writer.add(
                raw, author: InboxWriter.authorIdent(from: m.from.first, date: date), receivedAt: date, subject: m.subject)
            blobs.append((blob, raw))
        }
        try writer.remove(blobs[0].1, at: MailDate(seconds: 1_700_000_000))
        _ = try writer.checkpoint()
        try writer.finish()
        let reader = try CatFile(gitDir: repo.allGit)
        for (blob, raw) in blobs { #expect(try reader.read(blob) == raw) }
        // in one round trip, a missing object in the middle answered as missing, the reader
        // usable after; and through a pool
        let missing = String(repeating: "0", count: 39) + "1"
        let asked = blobs.prefix(5).map(\.0) + [missing] + blobs.dropFirst(5).map(\.0)
        for answers in [reader.objects(asked), BlobReaderPool(gitDir: repo.allGit).read(asked)] {
            #expect(answers.count == asked.count)
            for (oid, answer) in zip(asked, answers) {
                if oid == missing {
                    #expect(throws: CatFile.Missing.self) { try answer.get() }
                } else {
                    #expect(try answer.get() == blobs.first { $0.0 == oid }!.1)
                }
            }
        }
        #expect(try reader.read(blobs[3].0) == blobs[3].1)
        let log = try EpochLog.commits(gitDir: repo.epochPath(0))
        #expect(log.count == 13)
        #expect(log.prefix(12).map(\.change) == blobs.map { .add(blob: $0.0) })
        #expect(log.last?.change == .remove(blob: blobs[0].0))
        // public-inbox's commit shape: one file `m`, subject as the message, inbox as committer
        let first = log[0].oid
        #expect(try Subprocess.text(["git", "--git-dir=\(repo.epochPath(0))", "ls-tree", "--name-only", first]) == "m")
        let m0 = Message.parse(blobs[0].1)
        #expect(try Subprocess.text(["git", "--git-dir=\(repo.epochPath(0))", "log", "-1", "--format=%s", first]) == m0.subject)
        #expect(
            try Subprocess.text(["git", "--git-dir=\(repo.epochPath(0))", "log", "-1", "--format=%cn <%ce>", first])
                == "test <list@example.org>")
        #expect(
            try Subprocess.text(["git", "--git-dir=\(repo.epochPath(0))", "log", "-1", "--format=%ae", first])
                == m0.from.first?.email)
        #expect(try Subprocess.text(["git", "--git-dir=\(repo.epochPath(0))", "ls-tree", "--name-only", log.last!.oid]) == "d")
        #expect(try EpochLog.commits(gitDir: repo.epochPath(0), after: log[10].oid).count == 2)
    }

    @Test func epochsRollOver() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let repo = InboxRepository(dir: d + "/inbox")
        try repo.create(primaryAddress: "list@example.org")
        let writer = try InboxWriter(repository: repo, committerName: "t", committerEmail: "list@example.org", rotateBytes: 20_000)
        var epochs: [Int] = []
        for f in Fixtures.corpusFiles.prefix(10) {
            let raw = Fixtures.corpus(f)
            let (e, _) = try writer.add(
                raw, author: GitIdent(name: "a", email: "a@b", date: MailDate(seconds: 1)), receivedAt: MailDate(seconds: 1), subject: "s")
            epochs.append(e)
        }
        try writer.finish()
        #expect(epochs.first == 0)
        #expect(epochs.last! > 0)
        #expect(repo.epochs() == Array(0...epochs.last!))
        let alternates = try String(contentsOfFile: d + "/inbox/all.git/objects/info/alternates", encoding: .utf8)
        #expect(alternates.split(separator: "\n").count == epochs.last! + 1)
        var total = 0
        for e in repo.epochs() { total += try EpochLog.commits(gitDir: repo.epochPath(e)).count }
        #expect(total == 10)
    }
}
