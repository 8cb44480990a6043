import Foundation
import Support
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Spawning real programs: what the child inherits, chatty children, dead children.
@Suite struct SubprocessTests {
    /// Descriptors open in a child, as it lists them itself (`/proc/self/fd`, minus the one
    /// `ls` opens to read that directory).
    static func childDescriptors(_ p: Subprocess) -> Set<Int> {
        let out = String(decoding: p.readAllStdout(), as: UTF8.self)
        p.wait()
        return Set(out.split(separator: "\n").compactMap { Int($0) })
    }

    /// A descriptor of ours that is not close-on-exec (as any library may open one, or a pipe
    /// another thread is just making) must not reach a long-lived child: the child would keep a
    /// pipe's write end open and its reader would never see end-of-file.
    @Test func longLivedChildrenInheritOnlyTheirPipes() throws {
        // no O_CLOEXEC; numbered far above what `ls` opens for itself (its directory is the
        // lowest free descriptor, 3, which a stray of ours would be in a quiet process)
        let devNull = open("/dev/null", O_RDONLY)
        let stray = fcntl(devNull, F_DUPFD, 200)
        close(devNull)
        #expect(stray >= 200)
        defer { close(stray) }
        let p = try Subprocess(["sh", "-c", "exec ls /proc/self/fd"])
        let fds = SubprocessTests.childDescriptors(p)
        #expect(!fds.contains(Int(stray)), "the child inherited descriptor \(stray): \(fds.sorted())")
        #expect(fds.isSuperset(of: [0, 1, 2]))
        #expect(fds.count <= 4, "\(fds.sorted())")
    }

    /// Pipes are close-on-exec from their creation: a one-shot command started by another
    /// thread while a long-lived process is being set up sees none of them.
    @Test func concurrentSpawnsShareNoPipes() throws {
        let rounds = 40
        let leaks = Counter()
        DispatchQueue.concurrentPerform(iterations: rounds) { i in
            if i % 2 == 0 {
                guard let p = try? Subprocess(["cat"]) else { return leaks.add() }
                p.closeStdin()
                _ = p.readAllStdout()  // ends only if no other child holds cat's stdout
                p.wait()
            } else {
                let r = try? Subprocess.execute(["sh", "-c", "ls /proc/self/fd | wc -l"])
                // 0, 1, 2 and the directory ls reads
                if Int((r?.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) != 4 { leaks.add() }
            }
        }
        #expect(leaks.value == 0)
    }

    /// A child that writes a lot to stderr before writing to stdout: reading stdout first and
    /// stderr afterwards waits forever (the child blocks on the full stderr pipe).
    @Test(.timeLimit(.minutes(1))) func chattyStderrDoesNotDeadlock() throws {
        let r = try Subprocess.execute(["sh", "-c", "head -c 1000000 /dev/zero | tr '\\\\0' x >&2; echo done"])
        #expect(r.status == 0)
        #expect(r.text == "done\n")
        #expect(r.stderr.count == 1_000_000)
        let out = try Subprocess.run(["sh", "-c", "head -c 300000 /dev/zero >&2; echo ok"])
        #expect(String(decoding: out, as: UTF8.self) == "ok\n")
    }

    /// Writing to a child that is gone is an error for the caller, not a SIGPIPE that kills the
    /// process; and spawning leaves the process's SIGPIPE disposition alone.
    @Test func writingToADeadChildThrowsAndSIGPIPEIsUntouched() throws {
        var before = sigaction()
        sigaction(SIGPIPE, nil, &before)
        let p = try Subprocess(["true"])
        _ = p.readAllStdout()  // end-of-file: the child has exited and closed its stdin
        var after = sigaction()
        sigaction(SIGPIPE, nil, &after)
        let handler = { (a: sigaction) in unsafeBitCast(a.__sigaction_handler.sa_handler, to: Int.self) }
        #expect(handler(after) == handler(before))
        // even with the default disposition (which kills), the write only throws
        var dfl = sigaction()
        dfl.__sigaction_handler.sa_handler = SIG_DFL
        var saved = sigaction()
        sigaction(SIGPIPE, &dfl, &saved)
        defer { sigaction(SIGPIPE, &saved, nil) }
        #expect(throws: Subprocess.Failure.self) { try p.write(Array(repeating: 0x41, count: 100_000)) }
        p.wait()
    }

    /// One-shot commands report the exit status and what the program printed on stderr.
    @Test func failuresCarryStatusAndStderr() throws {
        let r = try Subprocess.execute(["sh", "-c", "echo oops >&2; exit 3"])
        #expect(r.status == 3)
        #expect(r.errorText == "oops\n")
        #expect(throws: Subprocess.Failure.self) { try Subprocess.run(["git", "--git-dir=/nonexistent", "rev-parse", "HEAD"]) }
        #expect(throws: Subprocess.Failure.self) { try Subprocess.run(["/nonexistent/program"]) }
        #expect(try Subprocess.text(["printf", "  a b  \\n"]) == "a b")
        let input = try Subprocess.execute(["wc", "-c"], input: Array(repeating: 0x61, count: 200_000))
        #expect(input.text.trimmingCharacters(in: .whitespacesAndNewlines) == "200000")
    }
}

private final class Counter: @unchecked Sendable {
    private var n = 0
    private let lock = Lock()
    func add() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
}
