import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One-shot commands: input, standard output and standard error are served together by one
/// `poll` loop, so a child that fills one pipe while we would be waiting on another cannot
/// stall, and a large input cannot block against unread output. Once the child has exited, what
/// is left in the pipes is read and the run ends, even if a daemon it started still holds them.
extension Subprocess {
    /// What a finished command printed and how it ended.
    public struct Outcome: Sendable {
        /// The exit status, or 128 + the signal that killed it.
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: [UInt8]
        public var text: String { String(decoding: stdout, as: UTF8.self) }
        public var errorText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Runs `arguments` (the program looked up on PATH) to its end with `input` on its stdin.
    /// Throws only when it cannot be started.
    public static func execute(
        _ arguments: [String], input: [UInt8] = [], environment: [String: String] = [:], workingDirectory: String? = nil
    ) throws -> Outcome {
        let p = try Subprocess(arguments, environment: environment, captureStderr: true, workingDirectory: workingDirectory)
        var out: [UInt8] = []
        var err: [UInt8] = []
        var written = 0
        if input.isEmpty { p.closeStdin() } else { _ = fcntl(p.stdinFD, F_SETFL, fcntl(p.stdinFD, F_GETFL) | O_NONBLOCK) }
        var outOpen = true
        var errOpen = true
        var buffer = [UInt8](repeating: 0, count: 65536)
        /// Reads what `fd` has now; false at end-of-file or error.
        func drain(_ fd: Int32, into sink: inout [UInt8], blocking: Bool) -> Bool {
            let n = buffer.withUnsafeMutableBufferPointer { read(fd, $0.baseAddress!, $0.count) }
            if n > 0 {
                sink += buffer[0..<n]
                return true
            }
            return n < 0 && (errno == EINTR || (!blocking && errno == EAGAIN))
        }
        var exited = false
        while outOpen || errOpen {
            var fds: [pollfd] = []
            if outOpen { fds.append(pollfd(fd: p.stdoutFD, events: Int16(POLLIN), revents: 0)) }
            if errOpen { fds.append(pollfd(fd: p.stderrFD, events: Int16(POLLIN), revents: 0)) }
            if p.stdinFD >= 0 { fds.append(pollfd(fd: p.stdinFD, events: Int16(POLLOUT), revents: 0)) }
            // wake up now and then to notice a child that exited while a daemon holds its pipes
            let ready = poll(&fds, nfds_t(fds.count), exited ? 0 : 200)
            if ready < 0 && errno != EINTR { break }
            if ready == 0 {
                if exited { break }  // the child is gone and the pipes are empty
                exited = p.hasExited()
                continue
            }
            for f in fds where f.revents != 0 {
                if f.fd == p.stdinFD {
                    let failed: Bool = input.withUnsafeBufferPointer { b in
                        Subprocess.withoutSIGPIPE {
                            let n = Glibc.write(p.stdinFD, b.baseAddress! + written, min(b.count - written, 65536))
                            if n > 0 { written += n }
                            return n < 0 && errno != EAGAIN && errno != EINTR
                        }
                    }
                    if failed || written == input.count { p.closeStdin() }  // done, or the child stopped reading
                } else if f.fd == p.stdoutFD {
                    outOpen = drain(p.stdoutFD, into: &out, blocking: true)
                } else {
                    errOpen = drain(p.stderrFD, into: &err, blocking: true)
                }
            }
        }
        return Outcome(status: p.wait(), stdout: out, stderr: err)
    }

    /// Runs a command to completion; returns stdout. Throws with stderr when it fails.
    @discardableResult
    public static func run(_ arguments: [String], input: [UInt8]? = nil, environment: [String: String] = [:]) throws -> [UInt8] {
        let r = try execute(arguments, input: input ?? [], environment: environment)
        guard r.status == 0 else {
            let msg = r.errorText.trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(description: "\(arguments.joined(separator: " ")) failed (\(r.status)): \(msg)")
        }
        return r.stdout
    }

    /// `run` returning trimmed stdout as text.
    public static func text(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        String(decoding: try run(arguments, environment: environment), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
