import Dispatch
import Foundation
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// One `git http-backend` serving one smart-HTTP request: the request body is written to its
/// stdin and its output read back piece by piece as the client takes it, so neither a large
/// negotiation nor a pack is ever held whole. Reads and writes block on threads of their own
/// (`GitBackend.io`), never on the server's event loops or its page-rendering pool. The process
/// holds a slot of `GitProcesses` until `finish` or `abort`.
public final class GitBackend: @unchecked Sendable {
    /// The CGI head: status and headers, as `git http-backend` printed them.
    public struct Head: Sendable {
        public var status: Int
        public var headers: [(String, String)]
    }

    let process: Subprocess
    let slots: GitProcesses
    private let lock = Lock()
    private var released = false
    /// Body bytes read together with the head.
    private var pending: [UInt8] = []

    /// Blocking pipe I/O runs here: one thread per blocked read or write, bounded by the number
    /// of git processes (at most two each).
    static let io = DispatchQueue(label: "tidings.git-io", attributes: .concurrent)

    /// Starts `git http-backend` for `request`, under `slots.cpuSeconds` of CPU (set by
    /// util-linux's `prlimit`, which then runs git in its place; git's upload-pack and
    /// pack-objects inherit the limit); throws `GitBusy` when every slot is taken.
    public static func start(_ request: GitRequest, slots: GitProcesses) throws -> GitBackend {
        guard slots.acquire() else { throw GitBusy(limit: slots.limit) }
        do {
            let command = ["prlimit", "--cpu=\(slots.cpuSeconds)", "git", "http-backend"]
            let p = try Subprocess(command, environment: request.environment)
            if request.method != "POST" { p.closeStdin() }
            return GitBackend(process: p, slots: slots)
        } catch {
            slots.release()
            throw error
        }
    }

    init(process: Subprocess, slots: GitProcesses) {
        self.process = process
        self.slots = slots
    }

    deinit { abort() }

    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            io.async {
                do { c.resume(returning: try body()) } catch { c.resume(throwing: error) }
            }
        }
    }

    /// Writes part of the request body.
    public func write(_ bytes: [UInt8]) async throws {
        let p = process
        try await GitBackend.blocking { try p.write(bytes) }
    }

    /// Ends the request body.
    public func finishInput() { lock.withLock { process.closeStdin() } }

    /// Reads the CGI head (up to the blank line). A missing or oversized head is an error.
    public func head() async throws -> Head {
        var buffer: [UInt8] = []
        while true {
            if let end = GitBackend.headEnd(buffer) {
                let head = try GitBackend.parseHead(buffer[..<end.start])
                pending = Array(buffer[end.bodyStart...])
                return head
            }
            guard buffer.count < 65536 else { throw Subprocess.Failure(description: "git http-backend: head too long") }
            let p = process
            let more = try await GitBackend.blocking { try p.readStdout() }
            guard !more.isEmpty else {
                throw Subprocess.Failure(description: "git http-backend ended before its head (\(buffer.count) bytes)")
            }
            buffer += more
        }
    }

    /// The next piece of the body; nil at its end.
    public func next() async throws -> [UInt8]? {
        if !pending.isEmpty {
            defer { pending = [] }
            return pending
        }
        let p = process
        let more = try await GitBackend.blocking { try p.readStdout(max: 128 << 10) }
        return more.isEmpty ? nil : more
    }

    /// Waits for the process to end and frees its slot; returns its exit status.
    @discardableResult
    public func finish() async -> Int32 {
        let p = process
        let status = (try? await GitBackend.blocking { p.wait() }) ?? -1
        release()
        return status
    }

    /// Ends the process (the client went away or the request failed) and frees its slot.
    public func abort() {
        guard !isReleased else { return }
        process.signal(SIGTERM)
        let p = process
        GitBackend.io.async { p.wait() }
        release()
    }

    private var isReleased: Bool { lock.withLock { released } }

    private func release() {
        let first: Bool = lock.withLock {
            defer { released = true }
            return !released
        }
        if first { slots.release() }
    }

    /// Where the head ends (`\r\n\r\n`, or `\n\n` from a sloppier CGI).
    static func headEnd(_ b: [UInt8]) -> (start: Int, bodyStart: Int)? {
        var i = 0
        while i < b.count {
            if b[i] == 10 {
                if i + 1 < b.count && b[i + 1] == 10 { return (i, i + 2) }
                if i + 2 < b.count && b[i + 1] == 13 && b[i + 2] == 10 { return (i, i + 3) }
            }
            i += 1
        }
        return nil
    }

    static func parseHead(_ bytes: ArraySlice<UInt8>) throws -> Head {
        var status = 200
        var headers: [(String, String)] = []
        // split on bytes: "\r\n" is one Character to Swift's String
        for raw in bytes.split(separator: 10) {
            let line = String(decoding: raw.last == 13 ? raw.dropLast() : raw, as: UTF8.self)
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "status" {
                status = Int(value.prefix { $0.isNumber }) ?? 500
            } else {
                headers.append((name, value))
            }
        }
        return Head(status: status, headers: headers)
    }
}
