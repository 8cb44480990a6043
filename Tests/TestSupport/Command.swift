import Foundation

/// Runs real programs (git, gzip, b4, lei) for tests. Standard input, output and error are
/// temporary files, never pipes: a pipe's write end leaks into any child another test spawns at
/// the same moment (lei even leaves a daemon running), and a reader waiting for end-of-file then
/// waits for that stranger. Waiting for the child's exit has no such dependency.
public enum Command {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: String
        public var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `args` (the program looked up on PATH) under `timeout 180` (or `timeout` seconds), so
    /// that a hung program fails a test instead of hanging the run.
    public static func run(
        _ args: [String], input: [UInt8] = [], env: [String: String] = [:], cwd: String? = nil, timeout: Int = 180
    ) throws -> Result {
        let dir = NSTemporaryDirectory() + "tidings-cmd-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, contents) in [("in", Data(input)), ("out", Data()), ("err", Data())] {
            FileManager.default.createFile(atPath: dir + "/" + name, contents: contents)
        }
        let stdin = try FileHandle(forReadingFrom: URL(fileURLWithPath: dir + "/in"))
        let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
        let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["timeout", "\(timeout)"] + args
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        p.environment = e
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = stderr
        try p.run()
        // reap it ourselves: Foundation may miss the exit of a program that daemonises
        var st: Int32 = 0
        let status: Int32
        if waitpid(p.processIdentifier, &st, 0) == p.processIdentifier {
            status = (st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f)
        } else {
            p.waitUntilExit()
            status = p.terminationStatus
        }
        for h in [stdin, stdout, stderr] { try? h.close() }
        let out = FileManager.default.contents(atPath: dir + "/out").map { [UInt8]($0) } ?? []
        let err = (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? ""
        return Result(status: status, stdout: out, stderr: err)
    }

    /// The `tidings` executable built beside the tests (`swift build --build-tests` builds it), or
    /// `$TIDINGS_BINARY` (to run the tests against another build).
    public static let tidings: String = {
        if let given = ProcessInfo.processInfo.environment["TIDINGS_BINARY"] { return given }
        var candidates: [String] = []
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent().path + "/tidings") }
        let arg0 = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        candidates.append(arg0.deletingLastPathComponent().path + "/tidings")
        candidates.append(arg0.deletingLastPathComponent().deletingLastPathComponent().path + "/tidings")
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        candidates.append(root.path + "/.build/debug/tidings")
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            fatalError("no tidings executable beside the tests (looked at \(candidates)); run swift build --build-tests")
        }
        return found
    }()
}
