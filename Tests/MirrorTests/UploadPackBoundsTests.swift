import Foundation
import Support
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The processes descending from `root`, with their command lines (from /proc).
func descendants(of root: pid_t) -> [(pid: pid_t, command: [String])] {
    var parent: [pid_t: pid_t] = [:]
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
            let close = stat.range(of: ") ", options: .backwards)
        else { continue }
        let fields = stat[close.upperBound...].split(separator: " ")
        if fields.count > 1, let ppid = pid_t(fields[1]) { parent[pid] = ppid }
    }
    func descends(_ p: pid_t) -> Bool {
        var p = p
        for _ in 0..<64 {
            guard let up = parent[p] else { return false }
            if up == root { return true }
            p = up
        }
        return false
    }
    return parent.keys.filter(descends).map { pid in
        let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
        return (pid, raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
    }
}

/// What one request may cost `tidings serve`'s git: a gzip negotiation inflating past the
/// bound is refused before git sees it; each git process runs under a CPU limit.
@Suite(.serialized) struct UploadPackBoundsTests {
    @Test func aGzipNegotiationInflatingPastTheBoundGets413() async throws {
        let source = try MirrorSource(name: "bounds")
        let server = try ServerProcess.tidings(config: source.configPath)
        defer { server.stop() }
        let dir = try temporaryDirectory("bounds")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tip = try #require(source.tip(0))
        // 20 MB of "have" lines, 20 KB of gzip: git inflated such bodies itself, without a bound
        let have = "0032have " + String(repeating: "1", count: 40) + "\n"
        let body = "0032want \(tip)\n0000" + String(repeating: have, count: 400_000) + "0009done\n"
        let gz = try Command.run(["gzip", "-c"], input: Array(body.utf8))
        FileManager.default.createFile(atPath: dir + "/req.gz", contents: Data(gz.stdout))
        let t0 = Date()
        let r = try await run(
            [
                "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@" + dir + "/req.gz",
                "-H", "Content-Type: application/x-git-upload-pack-request", "-H", "Content-Encoding: gzip",
                "\(server.url)/bounds/git/0.git/git-upload-pack",
            ], timeout: 60)
        #expect(r.text == "413", "\(r.text) \(r.stderr)")
        #expect(Date().timeIntervalSince(t0) < 10)
        // a small gzip negotiation still gets its pack (ServingTests.aGzippedNegotiationGetsThePack)
    }

    @Test func eachGitProcessRunsUnderTheCPULimit() async throws {
        let source = try MirrorSource(name: "cpu")
        let server = try ServerProcess.tidings(config: source.configPath, extra: ["--git-cpu-seconds", "7"])
        defer { server.stop() }
        // a POST whose body never ends holds one git process
        let script = """
            import socket, sys, time
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
            s.sendall(b"POST /cpu/0/git-upload-pack HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/x-git-upload-pack-request\\r\\nContent-Length: 100\\r\\n\\r\\n0032")
            time.sleep(20)
            """
        let client = try Subprocess(["python3", "-c", script, "\(server.port)"], environment: ["http_proxy": ""])
        defer {
            client.signal(SIGKILL)
            client.wait()
        }
        var backend: pid_t?
        for _ in 0..<100 {
            backend = descendants(of: server.process.pid).first { $0.command.starts(with: ["git", "http-backend"]) }?.pid
            if backend != nil { break }
            usleep(100_000)
        }
        let pid = try #require(backend, "no git http-backend under the server")
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
        let cpu = limits.split(separator: "\n").first { $0.hasPrefix("Max cpu time") }.map(String.init) ?? ""
        #expect(cpu.split(separator: " ").filter { !$0.isEmpty }.prefix(5) == ["Max", "cpu", "time", "7", "7"], "\(cpu)")
    }
}
