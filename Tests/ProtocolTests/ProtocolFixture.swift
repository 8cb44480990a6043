import Foundation
import Hummingbird
import Index
import Mail
import NIOCore
import Protocols
import Store
import Support
import TestSupport
import Testing
import Web

/// Tests run their bodies with `withTaskExecutorPreference(SessionExecutor.shared)`: other
/// suites block the cooperative pool's threads for minutes at times, and a conversation
/// waiting for one would time out.
///
/// Inbox `test` (every corpus and synthetic fixture, newsgroup derived from the name) and
/// inbox `other` (newsgroup `example.other` from the config: one message also in `test`), served
/// over NNTP, IMAP and HTTP on loopback ports for the whole run.
final class ProtocolFixture: @unchecked Sendable {
    let main: TemporaryInbox
    let other: TemporaryInbox
    let catalog: Catalog
    let inboxes: [Inbox]
    let searches = SearchGate()
    var nntpPort = 0
    var imapPort = 0
    var httpPort = 0
    static let serverName = "news.tidings.test"
    /// In both inboxes.
    static let crossPosted = "20191008024054.32368-1-yuehaibing@huawei.com"
    /// Only in `other`.
    static let otherOnly = """
        From: Olive Other <olive@example.org>
        To: other@example.org
        Subject: only in the other inbox
        Date: Mon, 6 Jan 2020 10:00:00 +0000
        Message-ID: <only-in-other@example.org>

        This message is in inbox other alone.

        """

    init() throws {
        main = try TemporaryInbox(name: "test", address: "test@example.org")
        try main.importFiles(Fixtures.corpusFiles.map(Fixtures.corpusPath) + Fixtures.syntheticFiles.map(Fixtures.syntheticPath))
        other = try TemporaryInbox(name: "other", address: "other@example.org")
        try Subprocess.run(["git", "config", "--file", other.config.path, "publicinbox.other.newsgroup", "example.other"])
        try other.importBytes([Fixtures.corpus("028-patch-single.eml"), Array(Self.otherOnly.utf8)])
        // reopen from the config, as `tidings serve` does
        var opened: [Inbox] = []
        for c in try main.config.inboxes() + other.config.inboxes() { opened.append(try Inbox(config: c, readOnly: true)) }
        inboxes = opened
        // as `tidings serve`: one search gate for the web site and IMAP
        catalog = Catalog(inboxes: opened, serverName: Self.serverName, searches: searches)
    }

    /// The one fixture of the run, its servers listening (started by the first test to ask).
    static func shared() async throws -> ProtocolFixture { try await holder.fixture() }
    private static let holder = Holder()

    private actor Holder {
        var task: Task<ProtocolFixture, any Error>?
        func fixture() async throws -> ProtocolFixture {
            if let task { return try await task.value }
            // off the cooperative pool: other suites block its threads for minutes at times
            let t = Task(executorPreference: SessionExecutor.shared) { () throws -> ProtocolFixture in
                let f = try ProtocolFixture()
                try await f.start()
                return f
            }
            task = t
            return try await t.value
        }
    }

    /// Starts NNTP, IMAP and HTTP servers on free loopback ports.
    private func start() async throws {
        let (ports, cont) = AsyncStream<(Int, Int)>.makeStream()
        let catalog = catalog
        Task { try await ProtocolServer(.nntp, catalog: catalog, host: "127.0.0.1", port: 0).run(bound: { cont.yield((0, $0)) }) }
        Task { try await ProtocolServer(.imap, catalog: catalog, host: "127.0.0.1", port: 0).run(bound: { cont.yield((1, $0)) }) }
        let site = Site(inboxes: inboxes, searches: searches)
        Task(executorPreference: SessionExecutor.shared) {
            let app = Application(
                responder: WebResponder(site: site),
                configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "tidings"),
                onServerRunning: { ch in cont.yield((2, ch.localAddress?.port ?? 0)) })
            try await app.runService(gracefulShutdownSignals: [])
        }
        var seen = 0
        for await (which, port) in ports {
            switch which {
            case 0: nntpPort = port
            case 1: imapPort = port
            default: httpPort = port
            }
            seen += 1
            if seen == 3 { break }
        }
    }

    var test: Inbox { inboxes.first { $0.name == "test" }! }

    /// Every article of inbox `test`, by number.
    func rows(_ inbox: Inbox? = nil) throws -> [OverviewRow] {
        try (inbox ?? test).index.articles(in: 1...Int64.max, limit: .max)
    }
}

/// A line-oriented TCP client for protocol conversations. Its socket reads block, so they run
/// on a queue of their own, never on the threads the servers' tasks need.
final class LineClient: @unchecked Sendable {
    private let queue = DispatchQueue(label: "LineClient")
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var tv = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard r == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(fd) }

    func send(_ s: String) { send(Array(s.utf8)) }
    func send(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            off += n
        }
    }

    private func off<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in queue.async { c.resume(returning: body()) } }
    }

    /// The next line without CRLF; nil at end of stream.
    func line() async -> String? { await off { self.readLine() } }

    /// Exactly `count` bytes (an IMAP literal).
    func bytes(_ count: Int) async -> [UInt8] { await off { self.readBytes(count) } }

    /// Sends `command` and returns the first reply line.
    func ask(_ command: String) async -> String {
        send(command + "\r\n")
        return await line() ?? "<closed>"
    }

    /// Lines of a multi-line NNTP block up to the terminating ".".
    func block() async -> [String] {
        await off {
            var out: [String] = []
            while let l = self.readLine(), l != "." { out.append(l.hasPrefix("..") ? String(l.dropFirst()) : l) }
            return out
        }
    }

    private func readLine() -> String? {
        while true {
            if let lf = buffer.firstIndex(of: 0x0A) {
                var l = Array(buffer[..<lf])
                buffer.removeFirst(lf + 1)
                if l.last == 0x0D { l.removeLast() }
                return String(decoding: l, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return nil }
            buffer += chunk[..<n]
        }
    }

    private func readBytes(_ count: Int) -> [UInt8] {
        while buffer.count < count {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { break }
            buffer += chunk[..<n]
        }
        let out = Array(buffer.prefix(count))
        buffer.removeFirst(out.count)
        return out
    }

}

func tempDir(_ tag: String) throws -> String {
    let d = NSTemporaryDirectory() + "tidings-\(tag)-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

/// Runs a program (found on PATH) to the end, off the cooperative pool.
func runProgram(_ args: [String], env: [String: String] = [:], cwd: String? = nil, input: [UInt8] = []) async throws -> Command.Result {
    try await withCheckedThrowingContinuation { c in
        DispatchQueue.global().async {
            do { c.resume(returning: try Command.run(args, input: input, env: env, cwd: cwd)) } catch { c.resume(throwing: error) }
        }
    }
}

/// Runs a Python client script with arguments PORT and OUT.json; returns the JSON it wrote.
func runPython(_ script: String, port: Int) async throws -> [String: Any] {
    let dir = try tempDir("python")
    try script.write(toFile: dir + "/client.py", atomically: true, encoding: .utf8)
    let r = try await runProgram(["python3", dir + "/client.py", String(port), dir + "/out.json"])
    #expect(r.status == 0, "\(r.stderr)")
    return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out.json"))) as? [String: Any] ?? [:]
}

/// Lines of raw message bytes (LF or CRLF), without their ends.
func messageLines(_ bytes: ArraySlice<UInt8>) -> [[UInt8]] {
    var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { l -> [UInt8] in
        var a = Array(l)
        if a.last == 0x0D { a.removeLast() }
        return a
    }
    if lines.last?.isEmpty == true { lines.removeLast() }
    return lines
}

/// lei with a home of its own (XDG dirs), for one test.
func leiEnv(_ dir: String) throws -> [String: String] {
    let env = [
        "HOME": dir, "XDG_DATA_HOME": dir + "/data", "XDG_CONFIG_HOME": dir + "/config", "XDG_CACHE_HOME": dir + "/cache",
        "XDG_RUNTIME_DIR": dir + "/run",
    ]
    for d in env.values where d != dir { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
    chmod(dir + "/run", 0o700)
    return env
}
