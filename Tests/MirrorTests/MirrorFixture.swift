import Foundation
import Index
import Store
import Support
import TestSupport
import Testing

/// The source archive the mirroring tests clone: inbox `test` with every corpus fixture, written
/// in small epochs (three or more) so that every path crosses epoch boundaries.
final class MirrorSource: @unchecked Sendable {
    let inbox: TemporaryInbox
    /// Smaller than the fixtures together: several epochs.
    static let rotateBytes = 120_000

    init(name: String = "test") throws {
        inbox = try TemporaryInbox(name: name, address: "\(name)@example.org")
        let importer = Importer(inbox: inbox.inbox)
        importer.rotateBytes = MirrorSource.rotateBytes
        _ = try importer.importSources(Fixtures.corpusFiles.map { .file(path: Fixtures.corpusPath($0)) })
    }

    var epochs: [Int] { inbox.inbox.repository.epochs() }
    var configPath: String { inbox.config.path }

    func tip(_ n: Int) -> String? { inbox.inbox.repository.tip(n) }
}

/// Runs a program off the cooperative pool (git, curl, public-inbox, grok-pull, lei, tidings).
func run(_ args: [String], env: [String: String] = [:], cwd: String? = nil, timeout: Int = 300) async throws -> Command.Result {
    try await withCheckedThrowingContinuation { c in
        DispatchQueue.global().async {
            do { c.resume(returning: try Command.run(args, env: env, cwd: cwd, timeout: timeout)) } catch { c.resume(throwing: error) }
        }
    }
}

func temporaryDirectory(_ tag: String) throws -> String {
    let d = NSTemporaryDirectory() + "tidings-\(tag)-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

/// Message-IDs of an inbox's index, in article order.
func indexedMids(_ dir: String) throws -> [String] {
    let r = try Command.run(["sqlite3", ArchiveIndex.path(forInbox: dir), "SELECT mid FROM over ORDER BY num"])
    #expect(r.status == 0, "\(r.stderr)")
    return r.text.split(separator: "\n").map(String.init)
}

/// Each message's thread (the Message-IDs of its strict thread), for comparing two indexes.
func threads(_ ic: InboxConfig, _ mids: [String]) throws -> [String: Set<String>] {
    let ib = try Inbox(config: ic, readOnly: true)
    var out: [String: Set<String>] = [:]
    for m in mids { out[m] = Set(try ib.index.thread(of: m)?.strict.map(\.mid) ?? []) }
    return out
}

/// The environment of a private `tidings`/public-inbox run: its own config and home.
func isolated(_ dir: String) -> [String: String] {
    ["PI_CONFIG": dir + "/config", "HOME": dir, "PI_DIR": dir + "/.pi", "http_proxy": "", "https_proxy": "", "GIT_TERMINAL_PROMPT": "0"]
}

/// A source inbox served by `tidings serve`, and an empty directory for its mirror; the server
/// stops and the directory goes at the end.
final class MirrorScene {
    let source: MirrorSource
    let server: ServerProcess
    let dir: String

    init(_ name: String) throws {
        source = try MirrorSource(name: name)
        server = try ServerProcess.tidings(config: source.configPath)
        dir = try temporaryDirectory("mirror-\(name)")
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// The `tidings` command line with its config in `dir` (and `dir` as home).
func tidings(_ args: [String], _ dir: String) async throws -> Command.Result {
    try await run([Command.tidings] + args + ["--config", dir + "/config"], env: isolated(dir), cwd: dir)
}
