import Foundation
import Index
import Store
import Support
import TestSupport
import Testing

/// Rewrites an epoch's objects as one pack without `oids`: a pack that lost some blobs, as a
/// damaged archive's can.
func dropFromPack(_ gitDir: String, _ oids: [String]) throws {
    let all = try Command.run(["git", "--git-dir=\(gitDir)", "cat-file", "--batch-all-objects", "--batch-check=%(objectname)"])
    let gone = Set(oids)
    let keep = all.text.split(separator: "\n").map(String.init).filter { !gone.contains($0) }
    #expect(keep.count == all.text.split(separator: "\n").count - oids.count, "not every object to drop was there")
    let work = try temporaryDirectory("repack")
    defer { try? FileManager.default.removeItem(atPath: work) }
    let packed = try Command.run(
        ["git", "--git-dir=\(gitDir)", "pack-objects", "-q", work + "/pack"], input: Array(keep.joined(separator: "\n").utf8))
    #expect(packed.status == 0, "\(packed.stderr)")
    let objects = gitDir + "/objects"
    for entry in try FileManager.default.contentsOfDirectory(atPath: objects) where entry.count == 2 || entry == "pack" {
        try FileManager.default.removeItem(atPath: objects + "/" + entry)
    }
    try FileManager.default.moveItem(atPath: work, toPath: objects + "/pack")
    for oid in oids { #expect(try Command.run(["git", "--git-dir=\(gitDir)", "cat-file", "-e", oid]).status != 0) }
}

/// The blobs of the messages an epoch adds, oldest first.
func addedBlobs(_ gitDir: String) throws -> [String] {
    try EpochLog.commits(gitDir: gitDir).compactMap { c -> String? in
        if case .add(let b) = c.change { return b }
        return nil
    }
}

/// The Message-IDs an index holds for `blobs`.
func mids(ofBlobs blobs: [String], in inboxDir: String) throws -> Set<String> {
    let list = blobs.map { "'\($0)'" }.joined(separator: ",")
    let r = try Command.run(["sqlite3", ArchiveIndex.path(forInbox: inboxDir), "SELECT mid FROM over WHERE blob IN (\(list))"])
    return Set(r.text.split(separator: "\n").map(String.init))
}

/// Sources whose epochs lack objects: what exists is mirrored, what is missing is reported.
@Suite(.serialized) struct PartialSourceTests {
    @Test func aSourceEpochMissingBlobsIsMirroredWithWhatExistsAndTheMissingReported() async throws {
        let scene = try MirrorScene("holes")
        defer { withExtendedLifetime(scene) {} }
        let (source, server, dir) = (scene.source, scene.server, scene.dir)
        let epoch0 = source.inbox.inbox.repository.epochPath(0)
        let blobs = try addedBlobs(epoch0)
        let gone = [blobs[3], blobs[blobs.count / 2], blobs[blobs.count - 2]]
        let goneMids = try mids(ofBlobs: gone, in: source.inbox.inbox.config.dir)
        #expect(goneMids.count == 3)
        try dropFromPack(epoch0, gone)

        // served: a plain clone cannot be whole (git checks it got every object); a partial
        // clone gets what exists
        let plain = try await run(["git", "clone", "-q", "--mirror", "\(server.url)/holes/git/0.git", dir + "/plain.git"])
        #expect(plain.status != 0)
        let partial = try await run([
            "git", "clone", "-q", "--mirror", "--filter=blob:none", "\(server.url)/holes/git/0.git", dir + "/partial.git",
        ])
        #expect(partial.status == 0, "\(partial.stderr)")

        let clone = try await tidings(["clone", "\(server.url)/holes"], dir)
        #expect(clone.status == 0, "\(clone.stderr)")
        #expect(clone.stderr.contains("epoch 0: the source lacks 3 objects"), "\(clone.stderr)")
        for oid in gone { #expect(clone.stderr.contains(oid)) }
        let mirror = dir + "/holes"
        let expected = try indexedMids(source.inbox.inbox.config.dir).filter { !goneMids.contains($0) }
        #expect(try indexedMids(mirror) == expected)
        #expect(InboxRepository(dir: mirror).epochs() == source.epochs)
        let ic = try PIConfig(path: dir + "/config").inbox(named: "holes")
        let recorded = try Inbox(config: ic, readOnly: true).index.rejected(limit: 100).filter { $0.reason.contains("missing") }
        #expect(Set(recorded.compactMap(\.object)) == Set(gone))
        let status = try await tidings(["status"], dir)
        #expect(status.text.contains("rejected 3"), "\(status.text)")
        // an ordinary repository without those blobs, as the source is: nothing left that would
        // go to the network for them
        let mirror0 = InboxRepository(dir: mirror).epochPath(0)
        let config = try Command.run(["git", "--git-dir=\(mirror0)", "config", "--list"]).text
        #expect(!config.contains("promisor") && !config.contains("partialclone"), "\(config)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: mirror0 + "/objects/pack").allSatisfy { !$0.hasSuffix(".promisor") })
        for oid in gone { #expect(try Command.run(["git", "--git-dir=\(mirror0)", "cat-file", "-e", oid]).status != 0) }

        // new mail on the source, one of it damaged too: fetched with what exists
        let newest = source.epochs.last!
        let added = (0..<5).map { newMessage("hole-\($0)", to: "holes@example.org") }
        _ = try Importer(inbox: source.inbox.inbox).importSources(added.enumerated().map { .bytes($0.element, origin: "new#\($0.offset)") })
        #expect(source.epochs.last! == newest)
        let newestDir = source.inbox.inbox.repository.epochPath(newest)
        let lost = Array(try addedBlobs(newestDir).suffix(5))[2]
        try dropFromPack(newestDir, [lost])
        let fetch = try await tidings(["fetch", "holes"], dir)
        #expect(fetch.status == 0, "\(fetch.stderr)")
        #expect(fetch.stderr.contains("epoch \(newest): the source lacks 1 object") && fetch.stderr.contains(lost), "\(fetch.stderr)")
        #expect(fetch.text.contains("4 imported"), "\(fetch.text)")
        let now = try indexedMids(mirror)
        #expect(Set(now.suffix(4)) == ["hole-0@mirror.example", "hole-1@mirror.example", "hole-3@mirror.example", "hole-4@mirror.example"])
        #expect(!FileManager.default.fileExists(atPath: InboxRepository(dir: mirror).epochPath(newest) + ".partial"))

        // and the damaged mirror fetches whole new mail the ordinary way
        _ = try Importer(inbox: source.inbox.inbox).importSources([
            .bytes(newMessage("hole-after", to: "holes@example.org"), origin: "after")
        ])
        let after = try await tidings(["fetch", "holes"], dir)
        #expect(after.status == 0, "\(after.stderr)")
        #expect(!after.stderr.contains("lacks"), "\(after.stderr)")
        #expect(try indexedMids(mirror).last == "hole-after@mirror.example")
    }

    @Test func aDamagedPublicInboxHttpdSourceIsMirroredWithWhatExistsWhenItAllowsFilters() async throws {
        let src = try TemporaryInbox(name: "pih", address: "pih@example.org")
        try src.importFiles(Array(Fixtures.corpusFiles.prefix(40)).map(Fixtures.corpusPath))
        var env = src.publicInboxEnvironment
        env["http_proxy"] = ""
        let idx = try await run(["public-inbox-index", "-L", "basic", src.inbox.config.dir], env: env)
        #expect(idx.status == 0, "\(idx.stderr)")
        let epoch0 = src.inbox.repository.epochPath(0)
        let blobs = try addedBlobs(epoch0)
        let gone = [blobs[7], blobs[20]]
        let goneMids = try mids(ofBlobs: gone, in: src.inbox.config.dir)
        #expect(goneMids.count == 2)
        try dropFromPack(epoch0, gone)
        let server = try ServerProcess.publicInbox(env: env)
        defer { server.stop() }
        let dir = try temporaryDirectory("mirror-pih")
        defer { try? FileManager.default.removeItem(atPath: dir) }

        // git's default: no filters, so nothing can be taken past the damage; said plainly
        let refused = try await tidings(["clone", "\(server.url)/pih"], dir)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("uploadpack.allowFilter"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/pih"))
        #expect(((try? String(contentsOfFile: dir + "/config", encoding: .utf8)) ?? "").contains("publicinbox") == false)

        // the source's admin allows partial fetches
        #expect(try Command.run(["git", "--git-dir=\(epoch0)", "config", "uploadpack.allowFilter", "true"]).status == 0)
        let clone = try await tidings(["clone", "\(server.url)/pih"], dir)
        #expect(clone.status == 0, "\(clone.stderr)")
        #expect(clone.stderr.contains("epoch 0: the source lacks 2 objects"), "\(clone.stderr)")
        let piMids = try Command.run(["sqlite3", src.inbox.config.dir + "/msgmap.sqlite3", "SELECT mid FROM msgmap ORDER BY num"]).text
            .split(separator: "\n").map(String.init)
        #expect(Set(try indexedMids(dir + "/pih")) == Set(piMids).subtracting(goneMids))
        #expect(try indexedMids(dir + "/pih").count == piMids.count - 2)
    }
}
