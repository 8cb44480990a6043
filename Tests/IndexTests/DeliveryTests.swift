import Foundation
import Index
import Mail
import Store
import Testing
import TestSupport

/// `tidings deliver` as an MTA runs it: real processes, at the same time, on full disks, after
/// killed runs.
@Suite struct DeliveryTests {
    /// Ten distinct real messages (distinct Message-IDs).
    static let messages: [String] = Array(Fixtures.corpusFiles.prefix(10))

    @Test func concurrentDeliveriesQueueAndAllSucceed() throws {
        let t = try TemporaryInbox()
        let files = DeliveryTests.messages
        let results = Results(count: files.count)
        let configPath = t.config.path
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            let r = try? Command.run(
                [Command.tidings, "deliver", "test", "--config", configPath], input: Fixtures.corpus(files[i]))
            results.set(i, r.map { ($0.status, $0.stderr) } ?? (-1, "could not run"))
        }
        for (i, r) in results.all.enumerated() { #expect(r.0 == 0, "\(files[i]): exit \(r.0): \(r.1)") }
        let commits = try Command.run(["git", "--git-dir=\(t.inbox.repository.epochPath(0))", "rev-list", "--count", "refs/heads/master"])
        #expect(commits.text.trimmingCharacters(in: .whitespacesAndNewlines) == "\(files.count)")
        for f in files {
            let mid = try #require(Fixtures.manifest.first { $0.file == f }).messageID
            #expect(try t.inbox.index.messages(mid: mid).count == 1, "\(f) <\(mid)>")
        }
        #expect(try Delivery.emergencyMaildir(t.inbox.config).messagePaths().isEmpty)
    }

    /// ENOSPC is temporary (75), never a bounce (73); nothing is left in tmp/, and once there is
    /// room again the retried delivery succeeds. The inbox lives on a 4 MiB tmpfs of its own
    /// (a user and mount namespace: no root needed).
    @Test func fullDiskIsATemporaryFailure() throws {
        let dir = NSTemporaryDirectory() + "tidings-full-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = Fixtures.corpusPath(DeliveryTests.messages[0])
        let second = Fixtures.corpusPath(DeliveryTests.messages[1])
        let script = """
            set -u
            mount -t tmpfs -o size=4m tmpfs "$D" || exit 99
            "$T" init test "$D/test" --address test@example.org --config "$D/config" >/dev/null || exit 98
            "$T" deliver test --config "$D/config" < "$M1"; echo "first=$?"
            dd if=/dev/zero of="$D/filler" bs=4k 2>/dev/null
            "$T" deliver test --config "$D/config" < "$M2"; echo "full=$?"
            echo "tmp=$(ls "$D/test/emergency/tmp" | wc -l)"
            rm -f "$D/filler"
            "$T" deliver test --config "$D/config" < "$M2"; echo "retried=$?"
            echo "commits=$(git --git-dir="$D/test/git/0.git" rev-list --count refs/heads/master)"
            """
        let r = try Command.run(
            ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
            env: ["D": dir, "T": Command.tidings, "M1": first, "M2": second])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = Set(r.text.split(separator: "\n").map(String.init))
        for want in ["first=0", "full=75", "tmp=0", "retried=0", "commits=2"] {
            #expect(lines.contains(want), "want \(want) in \(r.text) \(r.stderr)")
        }
    }

    /// A killed delivery leaves a crash report of git fast-import and a half-written file in
    /// emergency/tmp; the next delivery removes both (but not a file a live delivery writes).
    @Test func leftoversOfKilledRunsAreRemoved() throws {
        let t = try TemporaryInbox()
        let epoch = t.inbox.repository.epochPath(0)
        // git fast-import whose input stream ends early, as when its importer is killed
        let crashed = try Command.run(
            ["git", "--git-dir=\(epoch)", "fast-import", "--quiet", "--done"], input: Array("blob\nmark :1\ndata 100\nhalf".utf8))
        #expect(crashed.status != 0)
        let reports = try FileManager.default.contentsOfDirectory(atPath: epoch).filter { $0.hasPrefix("fast_import_crash_") }
        #expect(reports.count == 1)
        // a writer that is gone, and one that still runs (this test)
        let gone = try Command.run(["sh", "-c", "echo $$"]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        let tmp = Delivery.emergencyMaildir(t.inbox.config).path + "/tmp/"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let stale = tmp + "1700000000.M1P\(gone)R1.tidings"
        let live = tmp + "1700000000.M2P\(getpid())R2.tidings"
        for p in [stale, live] { FileManager.default.createFile(atPath: p, contents: Data("Subject: half".utf8)) }

        let r = try Command.run(
            [Command.tidings, "deliver", "test", "--config", t.config.path], input: Fixtures.corpus(DeliveryTests.messages[0]))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: epoch).filter { $0.hasPrefix("fast_import_crash_") }.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(try t.inbox.index.messages(mid: Fixtures.manifest[0].messageID).count == 1)
    }
}

/// Per-index results filled in by concurrent workers.
private final class Results: @unchecked Sendable {
    private var values: [(Int32, String)]
    private let lock = NSLock()
    init(count: Int) { values = Array(repeating: (-1, ""), count: count) }
    func set(_ i: Int, _ v: (Int32, String)) { lock.withLock { values[i] = v } }
    var all: [(Int32, String)] { lock.withLock { values } }
}
