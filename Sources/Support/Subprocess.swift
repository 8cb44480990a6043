import CSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A long-lived child process with pipes to its stdin and stdout (stderr passes through or is
/// captured): `git fast-import`, `git cat-file --batch`, `gzip -dc`. One-shot commands go through
/// `Subprocess.execute`/`run`/`text`, which read stdout and stderr together.
///
/// The pipes are created close-on-exec atomically (`pipe2(O_CLOEXEC)`) and the child closes every
/// descriptor above 2 when it starts, so no other child (spawned by another thread at the same
/// moment) inherits our ends: a reader waiting for end-of-file would wait for that stranger.
/// Writes never raise SIGPIPE in this process (it is blocked around the write and a pending one
/// consumed), so a child that died shows up as an error, and nothing changes the process-wide
/// signal disposition. The child starts with default signal handling.
public final class Subprocess: @unchecked Sendable {
    public let pid: pid_t
    /// Write end of the child's stdin (-1 once closed).
    public private(set) var stdinFD: Int32
    /// Read end of the child's stdout.
    public let stdoutFD: Int32
    /// Read end of the child's stderr when captured, else -1.
    public let stderrFD: Int32
    public let arguments: [String]
    private var exitStatus: Int32?
    private var closed = false

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public init(
        _ arguments: [String], environment: [String: String] = [:], captureStderr: Bool = false, workingDirectory: String? = nil
    ) throws {
        self.arguments = arguments
        var inPipe: [Int32] = [-1, -1]
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        func closeAll() { for fd in inPipe + outPipe + errPipe where fd >= 0 { close(fd) } }
        guard csupport_pipe_cloexec(&inPipe) == 0, csupport_pipe_cloexec(&outPipe) == 0,
            !captureStderr || csupport_pipe_cloexec(&errPipe) == 0
        else {
            let e = errno
            closeAll()
            throw Failure(description: "pipe: \(String(cString: strerror(e)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        if captureStderr { posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2) }
        csupport_spawn_addclosefrom(&actions, 3)
        if let workingDirectory { csupport_spawn_addchdir(&actions, workingDirectory) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attr, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, arguments[0], &actions, &attr, argv, envp)
        close(inPipe[0])
        close(outPipe[1])
        if captureStderr { close(errPipe[1]) }
        guard rc == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            if captureStderr { close(errPipe[0]) }
            throw Failure(description: "cannot run \(arguments[0]): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
        self.stdinFD = inPipe[1]
        self.stdoutFD = outPipe[0]
        self.stderrFD = errPipe[0]
    }

    deinit { wait() }

    /// Writes every byte to the child's stdin.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { p in try write(p) }
    }

    public func write(_ s: String) throws {
        var s = s
        try s.withUTF8 { p in try write(p) }
    }

    /// Writes every byte of `p` to the child's stdin (a `ByteBuffer`'s readable bytes, unbuffered).
    public func write(_ p: UnsafeRawBufferPointer) throws {
        try write(p.bindMemory(to: UInt8.self))
    }

    private func write(_ p: UnsafeBufferPointer<UInt8>) throws {
        let failure: Int32 = Subprocess.withoutSIGPIPE {
            var off = 0
            while off < p.count {
                let n = Glibc.write(stdinFD, p.baseAddress! + off, p.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                off += n
            }
            return 0
        }
        if failure != 0 {
            throw Failure(description: "\(arguments.prefix(3).joined(separator: " ")): write failed: \(String(cString: strerror(failure)))")
        }
    }

    /// Runs `body` (which writes to a pipe) with SIGPIPE blocked on this thread, and discards the
    /// SIGPIPE a write to a closed pipe raised, so that `body` sees EPIPE instead of dying.
    public static func withoutSIGPIPE<T>(_ body: () -> T) -> T {
        var pipeSet = sigset_t()
        sigemptyset(&pipeSet)
        sigaddset(&pipeSet, SIGPIPE)
        var pending = sigset_t()
        sigpending(&pending)
        let wasPending = sigismember(&pending, SIGPIPE) == 1
        var old = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSet, &old)
        let result = body()
        if !wasPending {
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) == 1 {
                var zero = timespec(tv_sec: 0, tv_nsec: 0)
                while sigtimedwait(&pipeSet, nil, &zero) < 0 && errno == EINTR {}
            }
        }
        pthread_sigmask(SIG_SETMASK, &old, nil)
        return result
    }

    public func closeStdin() {
        if stdinFD >= 0 {
            close(stdinFD)
            stdinFD = -1
        }
    }

    /// Reads what the child's stdout has now, at most `max` bytes, waiting for at least one;
    /// empty at end-of-file. For streaming a large output piece by piece.
    public func readStdout(max: Int = 65536) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: max)
        while true {
            let n = buf.withUnsafeMutableBufferPointer { read(stdoutFD, $0.baseAddress!, $0.count) }
            if n >= 0 {
                buf.removeSubrange(n...)
                return buf
            }
            if errno == EINTR { continue }
            throw Failure(description: "\(arguments.prefix(3).joined(separator: " ")): read failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Sends `signal` to the child if it has not been reaped yet (a reader that went away
    /// ends the child instead of leaving it blocked on a full pipe).
    public func signal(_ signal: Int32 = SIGTERM) {
        if exitStatus == nil { Glibc.kill(pid, signal) }
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

    /// Closes our ends of the pipes, waits for the child and returns its exit status (128 + signal
    /// when killed). Read what you need first: a child still writing then gets EPIPE instead of
    /// waiting for us forever. Later calls return the same status.
    @discardableResult
    public func wait() -> Int32 {
        closeStdin()
        if !closed {
            closed = true
            close(stdoutFD)
            if stderrFD >= 0 { close(stderrFD) }
        }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return record(status)
    }

    /// True once the child has exited (reaping it), without waiting.
    public func hasExited() -> Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return false }
        record(status)
        return true
    }

    @discardableResult
    private func record(_ status: Int32) -> Int32 {
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exitStatus = code
        return code
    }
}
