import Mail

#if canImport(Glibc)
    import Glibc
#endif

/// A child process with pipes to its stdin and stdout (stderr passes through or is captured).
public final class Subprocess: @unchecked Sendable {
    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module
    /// does not declare; nil where the C library lacks it.
    static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let sym = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(sym, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    public let pid: pid_t
    /// Write end of the child's stdin (-1 once closed).
    public private(set) var stdinFD: Int32
    /// Read end of the child's stdout.
    public let stdoutFD: Int32
    /// Read end of the child's stderr when captured, else -1.
    public let stderrFD: Int32
    public let arguments: [String]

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public init(_ arguments: [String], environment: [String: String] = [:], captureStderr: Bool = false) throws {
        self.arguments = arguments
        var inPipe: [Int32] = [0, 0]
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [-1, -1]
        // close-on-exec: other children must not inherit our ends (a reader would never see EOF)
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        if captureStderr { guard pipe(&errPipe) == 0 else { throw Failure(description: "pipe failed") } }
        for fd in [inPipe[0], inPipe[1], outPipe[0], outPipe[1], errPipe[0], errPipe[1]] where fd >= 0 {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        if captureStderr { posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2) }
        for fd in [inPipe[0], inPipe[1], outPipe[0], outPipe[1], errPipe[0], errPipe[1]] where fd >= 0 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        // and no other descriptor: a long-lived `git cat-file` holding a copy of a client's socket
        // would keep that connection open after the server closes it (timeouts, evictions)
        _ = Subprocess.addCloseFrom?(&actions, 3)
        var env = Subprocess.currentEnvironment()
        for (k, v) in environment { env[k] = v }
        let envStrings = env.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = envStrings.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        let rc = posix_spawnp(&pid, arguments[0], &actions, nil, argv, envp)
        close(inPipe[0])
        close(outPipe[1])
        if captureStderr { close(errPipe[1]) }
        guard rc == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            throw Failure(description: "cannot run \(arguments[0]): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
        self.stdinFD = inPipe[1]
        self.stdoutFD = outPipe[0]
        self.stderrFD = errPipe[0]
        // a dead child must not kill us through SIGPIPE
        signal(SIGPIPE, SIG_IGN)
    }

    static func currentEnvironment() -> [String: String] {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return env
    }

    /// Writes every byte to the child's stdin.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { p in
            var off = 0
            while off < p.count {
                let n = Glibc.write(stdinFD, p.baseAddress! + off, p.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure(
                        description: "\(arguments.prefix(3).joined(separator: " ")): write failed: \(String(cString: strerror(errno)))")
                }
                off += n
            }
        }
    }

    public func write(_ s: String) throws { try write(Array(s.utf8)) }

    public func closeStdin() {
        if stdinFD >= 0 {
            close(stdinFD)
            stdinFD = -1
        }
    }

    /// Reads stdout to its end.
    public func readAllStdout() -> [UInt8] { Subprocess.readAll(stdoutFD) }

    public static func readAll(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBufferPointer { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    /// Waits for the child and returns its exit status.
    @discardableResult
    public func wait() -> Int32 {
        closeStdin()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        close(stdoutFD)
        if stderrFD >= 0 { close(stderrFD) }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// Runs a command to completion; returns stdout. Throws with stderr when it fails.
    @discardableResult
    public static func run(_ arguments: [String], input: [UInt8]? = nil, environment: [String: String] = [:]) throws -> [UInt8] {
        let p = try Subprocess(arguments, environment: environment, captureStderr: true)
        if let input { try p.write(input) }
        p.closeStdin()
        // drain stderr on a separate thread is overkill: git writes little there; read stdout first
        let out = p.readAllStdout()
        let err = readAll(p.stderrFD)
        let status = p.wait()
        guard status == 0 else {
            let msg = String(decoding: err, as: UTF8.self).trimmingASCIIWhitespace()
            throw Failure(description: "\(arguments.joined(separator: " ")) failed (\(status)): \(msg)")
        }
        return out
    }

    /// `run` returning trimmed stdout as text.
    public static func text(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        String(decoding: try run(arguments, environment: environment), as: UTF8.self).trimmingASCIIWhitespace()
    }
}
