import Foundation
import Support

/// Runs real programs (git, gzip, b4, lei, tidings) for tests, through the runner production uses
/// (`Subprocess.execute`: swift-subprocess, output and error read concurrently, no descriptor of
/// ours left open in the child, so a daemon a program starts cannot hold our pipes).
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
        let r = try Subprocess.execute(["timeout", "\(timeout)"] + args, input: input, environment: env, workingDirectory: cwd)
        return Result(status: r.status, stdout: r.stdout, stderr: r.errorText)
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
