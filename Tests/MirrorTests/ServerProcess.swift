import Foundation
import Support
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A real HTTP server process (`tidings serve` or `public-inbox-httpd`) on a free loopback
/// port, its output in a log file, ended by `stop` or when the test process exits.
final class ServerProcess: @unchecked Sendable {
    let port: Int
    let process: Subprocess
    let log: String
    var url: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, process: Subprocess, log: String) {
        self.port = port
        self.process = process
        self.log = log
    }

    /// `tidings serve` over the inboxes of `config`.
    static func tidings(config: String, extra: [String] = [], env: [String: String] = [:]) throws -> ServerProcess {
        try start(dir: (config as NSString).deletingLastPathComponent, env: env) { port in
            [Command.tidings, "serve", "--config", config, "--listen", "127.0.0.1:\(port)"] + extra
        }
    }

    /// `public-inbox-httpd` over the inboxes of the config in `env` (`PI_CONFIG`).
    static func publicInbox(env: [String: String]) throws -> ServerProcess {
        try start(dir: (env["PI_CONFIG"]! as NSString).deletingLastPathComponent, env: env) { port in
            ["public-inbox-httpd", "-l", "http://127.0.0.1:\(port)"]
        }
    }

    private static func start(dir: String, env: [String: String], _ command: (Int) -> [String]) throws -> ServerProcess {
        let log = dir + "/server-\(UUID().uuidString.prefix(8)).log"
        for _ in 0..<5 {
            let port = try freePort()
            let quoted = command(port).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            // the server ends when our end of the shell's stdin closes: on `stop`, or when the
            // test process exits without stopping it (a suite's shared server)
            let script = "exec 3<&0; \(quoted) >>'\(log)' 2>&1 </dev/null 3<&- & p=$!; (read x <&3; kill $p) & wait $p"
            let p = try Subprocess(["sh", "-c", script], environment: env)
            let s = ServerProcess(port: port, process: p, log: log)
            if s.waitUntilListening() { return s }
            s.stop()
        }
        throw Subprocess.Failure(description: "server did not start: \(String(decoding: Fixtures.bytes(log), as: UTF8.self))")
    }

    /// Waits (up to 60 s) until the port takes connections; false if the process ended.
    private func waitUntilListening() -> Bool {
        for _ in 0..<600 {
            if ServerProcess.connects(port) { return true }
            if process.hasExited() { return false }
            usleep(100_000)
        }
        return false
    }

    static func connects(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// A port nothing listens on now (the kernel's pick for port 0).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &a) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw Subprocess.Failure(description: "no free port") }
        return Int(UInt16(bigEndian: a.sin_port))
    }

    func stop() {
        process.closeStdin()
        for _ in 0..<100 where !process.hasExited() { usleep(100_000) }
        process.signal(SIGKILL)
        process.wait()
    }

    deinit { stop() }
}
