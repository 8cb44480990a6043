import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program and measures its peak memory, as `/usr/bin/time -v` does (wait4's rusage),
/// without needing GNU time installed.
///
/// The program is started by a small Python parent with a real `fork`: a process that
/// `posix_spawn` starts shares the test process's memory until it execs, and Linux carries that
/// memory's peak into the child's `ru_maxrss` (the whole test run's 540 MiB, not the program's).
/// A forked child starts from the small parent's peak instead (about 10 MiB).
public enum PeakRSS {
    public struct Result: Sendable {
        public var status: Int32
        /// The largest resident set of the process or of any descendant it waited for, in MiB.
        public var peakMiB: Double
        public var stdout: String
        public var stderr: String
    }

    /// Runs `args` (`args[0]` an absolute path) with stdin from `input` (a path, or /dev/null),
    /// in the test process's environment.
    public static func run(_ args: [String], input: String = "/dev/null") throws -> Result {
        let dir = NSTemporaryDirectory() + "tidings-rss-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, dir + "/out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, dir + "/err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let parent = """
            import os, sys
            pid = os.fork()
            if pid == 0:
                os.execv(sys.argv[2], sys.argv[2:])
            _, status, usage = os.wait4(pid, 0)
            open(sys.argv[1], "w").write(str(usage.ru_maxrss))
            sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
            """
        let wrapped = ["/usr/bin/env", "python3", "-c", parent, dir + "/rss"] + args
        var argv: [UnsafeMutablePointer<CChar>?] = wrapped.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, wrapped[0], &actions, nil, &argv, environ)
        guard rc == 0 else { throw CocoaError(.executableLoad, userInfo: ["reason": String(cString: strerror(rc))]) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        func text(_ name: String) -> String { (try? String(contentsOfFile: dir + "/" + name, encoding: .utf8)) ?? "" }
        guard let kib = Double(text("rss")) else {
            throw CocoaError(.executableLoad, userInfo: ["reason": "no peak measured (exit \(exit)): \(text("err"))"])
        }
        return Result(status: exit, peakMiB: kib / 1024, stdout: text("out"), stderr: text("err"))
    }
}
