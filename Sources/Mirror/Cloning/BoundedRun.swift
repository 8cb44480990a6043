import Foundation
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// A one-shot command whose standard output is kept only up to a bound: past it the command is
/// killed, so an upstream's endless or inflating answer costs at most the bound in memory and
/// nothing on disk (curl wrote a `config/raw` that never ended to a temporary file: 31 GB in
/// 120 s; `gzip -dc` of a 1 MB manifest gave 1 GiB, held whole).
enum BoundedRun {
    struct Outcome {
        var status: Int32
        var stdout: [UInt8]
        /// The end of standard error (at most 64 KiB).
        var stderr: [UInt8]
        /// Standard output went past the bound (the command was killed).
        var exceeded: Bool
        var errorText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Runs `arguments` with `input` on its stdin, keeping at most `maxOutput` bytes of stdout.
    static func execute(_ arguments: [String], input: [UInt8] = [], maxOutput: Int) throws -> Outcome {
        let p = try Subprocess(arguments, captureStderr: true)
        var pipes = Pipes(process: p, input: input)
        var out: [UInt8] = []
        var err: [UInt8] = []
        var exceeded = false
        while pipes.open {
            pipes.poll { fd, bytes in
                if fd == p.stdoutFD {
                    out += bytes
                    if out.count > maxOutput { exceeded = true }
                } else {
                    err += bytes
                    if err.count > 65536 { err.removeFirst(err.count - 65536) }
                }
            }
            if exceeded {
                p.signal(SIGKILL)
                break
            }
        }
        if exceeded { out.removeSubrange(maxOutput...) }
        return Outcome(status: p.wait(), stdout: out, stderr: err, exceeded: exceeded)
    }

    /// The pipes of a running command, served by one `poll`.
    struct Pipes {
        let process: Subprocess
        let input: [UInt8]
        var written = 0
        var outOpen = true
        var errOpen = true
        var buffer = [UInt8](repeating: 0, count: 65536)

        init(process: Subprocess, input: [UInt8]) {
            self.process = process
            self.input = input
            if input.isEmpty {
                process.closeStdin()
            } else {
                _ = fcntl(process.stdinFD, F_SETFL, fcntl(process.stdinFD, F_GETFL) | O_NONBLOCK)
            }
        }

        var open: Bool { outOpen || errOpen }

        /// Waits for one of the pipes, writes input or hands what was read to `take`.
        mutating func poll(_ take: (Int32, ArraySlice<UInt8>) -> Void) {
            var fds: [pollfd] = []
            if outOpen { fds.append(pollfd(fd: process.stdoutFD, events: Int16(POLLIN), revents: 0)) }
            if errOpen { fds.append(pollfd(fd: process.stderrFD, events: Int16(POLLIN), revents: 0)) }
            if process.stdinFD >= 0 { fds.append(pollfd(fd: process.stdinFD, events: Int16(POLLOUT), revents: 0)) }
            let ready = Glibc.poll(&fds, nfds_t(fds.count), 1000)
            guard ready > 0 else {
                if ready < 0 && errno != EINTR { (outOpen, errOpen) = (false, false) }
                return
            }
            for f in fds where f.revents != 0 {
                if f.fd == process.stdinFD {
                    writeSome()
                } else {
                    let n = buffer.withUnsafeMutableBufferPointer { read(f.fd, $0.baseAddress!, $0.count) }
                    if n > 0 {
                        take(f.fd, buffer[0..<n])
                    } else if n == 0 || errno != EINTR {
                        if f.fd == process.stdoutFD { outOpen = false } else { errOpen = false }
                    }
                }
            }
        }

        /// Writes what the pipe takes of the input; closes it when done or refused.
        mutating func writeSome() {
            let (p, from) = (process, written)
            let n: Int = input.withUnsafeBufferPointer { b in
                Subprocess.withoutSIGPIPE { Glibc.write(p.stdinFD, b.baseAddress! + from, min(b.count - from, 65536)) }
            }
            if n > 0 { written += n }
            if (n < 0 && errno != EAGAIN && errno != EINTR) || written == input.count { process.closeStdin() }
        }
    }
}
