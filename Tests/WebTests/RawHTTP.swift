import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A bare TCP client for tests that need what HTTP libraries hide: half-sent requests, bodies
/// larger than the server accepts, many idle sockets, whether the server closed a socket.
/// Everything that waits for the server runs off the cooperative pool (`offPool`): the server
/// under test answers on that pool.
struct RawSocket: Sendable {
    let fd: Int32

    /// Connects to 127.0.0.1:`port`; `receiveBuffer` fixes the socket's receive buffer (no
    /// autotuning to tens of megabytes), so that a client that stops reading stalls the server.
    init(port: Int, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        if var size = receiveBuffer {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard r == 0 else {
            let e = errno
            Glibc.close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: e) ?? .ECONNREFUSED)
        }
    }

    /// Sends all of `bytes`; false when the server has closed the connection.
    @discardableResult func send(_ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            off += n
        }
        return true
    }

    @discardableResult func send(_ s: String) -> Bool { send(Array(s.utf8)) }

    /// Reads until the server closes the connection or `timeout` seconds pass.
    func readAll(timeout: Double) -> [UInt8] {
        var out: [UInt8] = []
        let end = Date().addingTimeInterval(timeout)
        var buf = [UInt8](repeating: 0, count: 65536)
        while Date() < end {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(max(1, end.timeIntervalSinceNow * 1000))
            guard poll(&p, 1, ms) > 0 else { break }
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    /// Whether the server closed the connection (or reset it) within `timeout` seconds; any
    /// bytes it sent first are skipped.
    func isClosed(within timeout: Double) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        var buf = [UInt8](repeating: 0, count: 4096)
        repeat {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(max(0, end.timeIntervalSinceNow * 1000))
            guard poll(&p, 1, ms) > 0 else { return false }
            if recv(fd, &buf, buf.count, Int32(MSG_DONTWAIT)) <= 0 { return true }
        } while Date() < end
        return false
    }

    func close() { _ = Glibc.close(fd) }

    /// `GET path` with `Connection: close`: status code, header block, body.
    static func get(port: Int, _ path: String, timeout: Double = 60) async throws -> (status: Int, head: String, body: [UInt8]) {
        try await offPool {
            let s = try RawSocket(port: port)
            defer { s.close() }
            s.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return parse(s.readAll(timeout: timeout))
        }
    }

    /// Runs blocking socket work on a thread of its own.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            Thread.detachNewThread { c.resume(with: Result { try body() }) }
        }
    }

    static func parse(_ r: [UInt8]) -> (status: Int, head: String, body: [UInt8]) {
        let sep: [UInt8] = [13, 10, 13, 10]
        var i = 0
        while i + 4 <= r.count && Array(r[i..<i + 4]) != sep { i += 1 }
        let head = String(decoding: r[0..<min(i, r.count)], as: UTF8.self)
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        let body = i + 4 <= r.count ? Array(r[(i + 4)...]) : []
        return (status, head, head.lowercased().contains("transfer-encoding: chunked") ? dechunk(body) : body)
    }

    /// The payload of a `Transfer-Encoding: chunked` body.
    static func dechunk(_ b: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            var j = i
            while j + 1 < b.count && !(b[j] == 13 && b[j + 1] == 10) { j += 1 }
            guard let size = Int(String(decoding: b[i..<j], as: UTF8.self).split(separator: ";").first ?? "", radix: 16), size > 0,
                j + 2 + size <= b.count
            else { break }
            out += b[(j + 2)..<(j + 2 + size)]
            i = j + 2 + size + 2
        }
        return out
    }
}
