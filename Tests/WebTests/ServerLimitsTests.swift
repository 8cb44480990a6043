import Foundation
import Index
import Mail
import TestSupport
import Testing

@testable import Web

/// The server cannot be stalled or exhausted (issue 8), tested on a real server on loopback
/// with raw sockets: slow and idle clients are timed out and make way for real requests,
/// oversized bodies get 413, searches are bounded and refused with 503 when overloaded.
@Suite struct ServerLimitsTests {
    let fx = WebFixture.shared
    static let page = "/test/\(URLs.mid(WebFixture.changedMid))/"

    static func tight(maxConnections: Int) -> ServerLimits {
        var l = ServerLimits(maxConnections: maxConnections)
        l.headerTimeout = .seconds(2)
        l.bodyTimeout = .seconds(2)
        l.idleTimeout = .seconds(2)
        l.busyTimeout = .milliseconds(500)
        return l
    }

    /// Slowloris: 150 sockets that each send one byte, against a cap of 50 connections. A real
    /// request still gets through at once; the server never holds more than its cap; every slow
    /// socket is closed within the header timeout.
    @Test func slowClientsAreTimedOutAndMakeWay() async throws {
        ServerLimits.raiseFileLimit()
        let server = try await LiveServer.start(site: fx.site, limits: Self.tight(maxConnections: 50))
        defer { server.stop() }
        var slow: [RawSocket] = []
        defer { slow.forEach { $0.close() } }
        for _ in 0..<150 {
            let s = try RawSocket(port: server.port)
            s.send("G")
            slow.append(s)
        }
        let start = Date()
        let r = try await RawSocket.get(port: server.port, Self.page)
        #expect(r.status == 200)
        // at once, not after the slow ones time out (generous: the whole suite runs in parallel)
        #expect(Date().timeIntervalSince(start) < 20)
        #expect(server.connections.count <= 50)
        // busy: the slow ones left get the short timeout; all are gone well within 2 s + slack
        let still = slow
        let open = try await RawSocket.offPool {
            let deadline = Date().addingTimeInterval(4)
            return still.filter { !$0.isClosed(within: max(0.01, deadline.timeIntervalSinceNow)) }.count
        }
        #expect(open == 0, "\(open) slow sockets still open")
    }

    /// An idle kept-alive connection is closed after the idle timeout; a request whose body
    /// never comes after the body timeout.
    @Test func idleAndBodyTimeouts() async throws {
        let server = try await LiveServer.start(site: fx.site, limits: Self.tight(maxConnections: 100))
        defer { server.stop() }
        let idle = try RawSocket(port: server.port)
        defer { idle.close() }
        #expect(try await RawSocket.offPool { !idle.isClosed(within: 1) })
        #expect(try await RawSocket.offPool { idle.isClosed(within: 4) })
        let body = try RawSocket(port: server.port)
        defer { body.close() }
        body.send("POST /test/?q=kvm&x=m HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx=")
        #expect(try await RawSocket.offPool { body.isClosed(within: 3.5) })
    }

    /// A 100 MB POST gets 413 with a reason after the head, not 500 after reading megabytes.
    @Test func oversizedBodyIs413() async throws {
        var limits = Self.tight(maxConnections: 100)
        limits.bodyTimeout = .seconds(60)  // the answer, not a timeout, must end this request
        let server = try await LiveServer.start(site: fx.site, limits: limits)
        defer { server.stop() }
        let s = try RawSocket(port: server.port)
        defer { s.close() }
        let r = try await RawSocket.offPool {
            s.send("POST /test/?q=kvm&x=m HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
            s.send([UInt8](repeating: UInt8(ascii: "a"), count: 64 << 10))  // a first part; the rest never comes
            return RawSocket.parse(s.readAll(timeout: 15))
        }
        #expect(r.status == 413)
        #expect(String(decoding: r.body, as: UTF8.self).contains("at most"))
        #expect(try await RawSocket.offPool { s.isClosed(within: 5) })
    }

    /// A 100 MB body sent to pages that take none (a thread page, an unknown inbox, a POST with
    /// no query) is not read to be dropped: the answer comes after the head and the connection
    /// closes, while the client has sent a sliver of the body.
    @Test func unreadLargeBodyClosesInsteadOfDraining() async throws {
        var limits = Self.tight(maxConnections: 100)
        limits.bodyTimeout = .seconds(60)  // the answer, not a timeout, must end these requests
        let server = try await LiveServer.start(site: fx.site, limits: limits)
        defer { server.stop() }
        let cases = [
            ("POST", Self.page + "T/", 405), ("GET", Self.page, 200), ("POST", "/nowhere/", 405), ("POST", Self.page, 404),
        ]
        for (method, path, status) in cases {
            let s = try RawSocket(port: server.port)
            defer { s.close() }
            let r = try await RawSocket.offPool {
                s.send("\(method) \(path) HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
                s.send([UInt8](repeating: UInt8(ascii: "a"), count: 256 << 10))  // the rest never comes
                return RawSocket.parse(s.readAll(timeout: 15))
            }
            #expect(r.status == status, "\(method) \(path)")
            #expect(r.head.lowercased().contains("connection: close"), "\(method) \(path)")
            #expect(try await RawSocket.offPool { s.isClosed(within: 5) }, "\(method) \(path)")
        }
        // a small body is still read and dropped, and the connection kept for the next request
        let s = try RawSocket(port: server.port)
        defer { s.close() }
        let both = try await RawSocket.offPool {
            s.send("POST \(Self.page)T/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
            s.send("GET \(Self.page) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return String(decoding: s.readAll(timeout: 15), as: UTF8.self)
        }
        #expect(both.hasPrefix("HTTP/1.1 405"))
        #expect(both.contains("HTTP/1.1 200"))
    }

    /// Queries over the term limits are refused with the reason; searches beyond the admitted
    /// number get 503 with Retry-After while pages are served.
    @Test func searchesAreBoundedAndRefusedWhenOverloaded() async throws {
        let site = Site(inboxes: [fx.main.inbox], search: .init(threads: 1, admitted: 1, timeout: .seconds(5)))
        let server = try await LiveServer.start(site: site, limits: Self.tight(maxConnections: 100))
        defer { server.stop() }
        let wild = (0..<1000).map { "w\($0)x*" }.joined(separator: "+OR+")
        let bad = try await RawSocket.get(port: server.port, "/test/?q=" + wild)
        #expect(bad.status == 400)
        #expect(String(decoding: bad.body, as: UTF8.self).contains("wildcard terms; at most \(SearchLimits.maxWildcards)"))
        // one search holds the only admission: the next is refused at once
        let busy = Task { try await site.searches.run { Thread.sleep(forTimeInterval: 3) } }
        try await Task.sleep(for: .milliseconds(200))
        let refused = try await RawSocket.get(port: server.port, "/test/?q=kvm")
        #expect(refused.status == 503)
        #expect(refused.head.lowercased().contains("retry-after:"))
        #expect(String(decoding: refused.body, as: UTF8.self).contains("searches"))
        let page = try await RawSocket.get(port: server.port, Self.page)
        #expect(page.status == 200)
        try await busy.value
        #expect(try await RawSocket.get(port: server.port, "/test/?q=kvm").status == 200)
    }

    /// `<javascript:alert(document.domain)//@x>` never becomes a link with a scheme.
    @Test func midLinksAreNeverSchemes() async throws {
        let inbox = try TemporaryInbox(name: "js", address: "js@example.org")
        let mail = """
            From: A <a@example.org>
            To: js@example.org
            Subject: hostile id
            Date: Mon, 2 Mar 2020 10:00:00 +0000
            Message-ID: <javascript:alert(document.domain)//@x>

            See <javascript:alert(document.domain)//@x> again.

            """
        try inbox.importBytes([Array(mail.utf8)])
        let server = try await LiveServer.start(site: Site(inboxes: [inbox.inbox]), limits: Self.tight(maxConnections: 100))
        defer { server.stop() }
        for path in ["/js/", "/js/new.html", "/js/?q=hostile", "/js/?q=hostile&x=t", "/js/new.atom"] {
            let r = try await RawSocket.get(port: server.port, path)
            #expect(r.status == 200, "\(path)")
            let html = String(decoding: r.body, as: UTF8.self)
            #expect(!html.lowercased().contains("href=\"javascript"), "\(path)")
            if !path.hasSuffix(".atom") {
                #expect(html.contains("href=\"./javascript:alert(document.domain)%2F%2F@x/"), "\(path)")
            }
        }
    }

    /// A huge Subject gives a bounded download file name.
    @Test func downloadNamesAreBounded() async throws {
        let inbox = try TemporaryInbox(name: "long", address: "long@example.org")
        let subject = String(repeating: "word ", count: 200_000)
        let mail = "From: a@example.org\nSubject: \(subject)\nMessage-ID: <long@x>\nDate: Mon, 2 Mar 2020 10:00:00 +0000\n\nbody\n"
        try inbox.importBytes([Array(mail.utf8)])
        let server = try await LiveServer.start(site: Site(inboxes: [inbox.inbox]), limits: Self.tight(maxConnections: 100))
        defer { server.stop() }
        for path in ["/long/long@x/raw", "/long/long@x/t.mbox.gz"] {
            let r = try await RawSocket.get(port: server.port, path)
            #expect(r.status == 200, "\(path)")
            let line = r.head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-disposition:") }
            #expect(line != nil && line!.count < 200, "\(path): \(line?.count ?? -1) bytes")
            #expect(line?.contains("filename=word-word-") == true, "\(path)")
        }
    }
}

/// A message of several MiB renders on pages as its first MiB and a link to `raw`; `raw`
/// serves every byte.
@Suite struct LargeMessageTests {
    @Test func hugeBodiesAreTruncatedOnPages() async throws {
        let inbox = try TemporaryInbox(name: "big", address: "big@example.org")
        let line = String(repeating: "0123456789abcdef", count: 4) + "\n"
        let body = String(repeating: line, count: 6 << 20 / line.utf8.count)
        let mail = "From: a@example.org\nSubject: big one\nMessage-ID: <big@x>\nDate: Mon, 2 Mar 2020 10:00:00 +0000\n\n" + body
        try inbox.importBytes([Array(mail.utf8)])
        let server = try await LiveServer.start(
            site: Site(inboxes: [inbox.inbox], cacheBytes: 0), limits: ServerLimitsTests.tight(maxConnections: 100))
        defer { server.stop() }
        for path in ["/big/big@x/", "/big/big@x/T/", "/big/big@x/t/", "/big/new.html", "/big/new.atom", "/big/?q=big&x=t"] {
            let start = Date()
            let r = try await RawSocket.get(port: server.port, path, timeout: 30)
            #expect(r.status == 200, "\(path)")
            #expect(r.body.count < 2 << 20, "\(path): \(r.body.count) bytes")
            #expect(String(decoding: r.body, as: UTF8.self).contains("only its first 1 MiB is shown"), "\(path)")
            #expect(Date().timeIntervalSince(start) < 15, "\(path)")
        }
        let raw = try await RawSocket.get(port: server.port, "/big/big@x/raw", timeout: 30)
        #expect(raw.status == 200)
        #expect(String(decoding: raw.body, as: UTF8.self).contains(String(body.suffix(200))))
    }

    /// A client that asks for a large download and stops reading is cut off after the idle
    /// timeout: the server does not hold the rest of the answer for it forever. The client's
    /// receive buffer is fixed small (no autotuning), so at most the server's socket buffer
    /// (`net.ipv4.tcp_wmem`, 4 MiB at most by default) reaches it.
    @Test func aClientThatStopsReadingIsCutOff() async throws {
        let inbox = try TemporaryInbox(name: "att", address: "att@example.org")
        let line = String(repeating: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo", count: 2) + "\n"
        let payload = String(repeating: line, count: 16 << 20 / line.utf8.count)
        let mail =
            "From: a@example.org\nSubject: an image\nMessage-ID: <att@x>\nDate: Mon, 2 Mar 2020 10:00:00 +0000\n"
            + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nSee attached.\n"
            + "--b\nContent-Type: application/octet-stream; name=\"dump.bin\"\nContent-Transfer-Encoding: base64\n\n"
            + payload + "--b--\n"
        try inbox.importBytes([Array(mail.utf8)])
        let server = try await LiveServer.start(
            site: Site(inboxes: [inbox.inbox], cacheBytes: 0), limits: ServerLimitsTests.tight(maxConnections: 100))
        defer { server.stop() }
        let connections = server.connections
        let (received, seconds) = try await RawSocket.offPool { () -> (Int, Double) in
            let s = try RawSocket(port: server.port, receiveBuffer: 4096)
            defer { s.close() }
            s.send("GET /att/att@x/raw HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            // not reading until the server has let the connection go (its buffers full, then the
            // 2 s idle timeout): watched on the server's side, since the client cannot see a close
            // behind the unread data. Under load the server may take a while to fill them.
            Thread.sleep(forTimeInterval: 1)
            let patience = Date().addingTimeInterval(60)
            while connections.count > 0 && Date() < patience { Thread.sleep(forTimeInterval: 0.2) }
            let start = Date()
            let got = s.readAll(timeout: 30).count
            return (got, Date().timeIntervalSince(start))
        }
        // cut off: far less than the message arrived, and the connection ended (no 30 s wait)
        #expect(received > 0)
        #expect(received < mail.utf8.count / 2, "\(received) of \(mail.utf8.count) bytes")
        #expect(seconds < 20, "the connection was not closed")
        // a reader that keeps reading gets every byte
        let whole = try await RawSocket.get(port: server.port, "/att/att@x/raw", timeout: 60)
        #expect(whole.status == 200)
        // the message between its mboxrd From line and a blank line (a Bool: no 16 MB in a failure report)
        let intact = whole.body.count - mail.utf8.count < 100 && String(decoding: whole.body, as: UTF8.self).contains(mail)
        #expect(intact, "\(whole.body.count) bytes for a message of \(mail.utf8.count)")
    }
}
