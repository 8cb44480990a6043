import Foundation
import Protocols
import Synchronization
import Testing

/// Clients that try to take the server from everyone else over NNTP and IMAP (issue 18): each
/// must get its answer (or its refusal) promptly while the server stays open to others. Bounds
/// are generous (CI is two loaded cores); before the fixes each case ran for minutes.
@Suite(.serialized) struct HostileClientTests {
    /// 200 `%` in an IMAP LIST pattern and 400 `*` in an NNTP LIST ACTIVE wildmat (415 bytes)
    /// answer correctly within seconds.
    @Test func manyWildcardsListAtOnce() async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) {
            let fx = try await ProtocolFixture.shared()
            let clock = ContinuousClock()
            let imap = try LineClient(port: fx.imapPort)
            _ = await imap.line()
            #expect(await imap.ask("a LOGIN anonymous anonymous").hasPrefix("a OK"))
            let start = clock.now
            #expect(await imap.ask("b LIST \"\" \"\(String(repeating: "%", count: 200))x\"") == "b OK List done")
            #expect(await imap.ask("c LIST \"\" \"\(String(repeating: "%", count: 200))t\"") == "* LIST (\\HasChildren) \".\" test")
            #expect(await imap.line() == "c OK List done")
            #expect(await imap.ask("d LIST \"\" \"\(String(repeating: "%", count: 1100))\"").hasPrefix("d BAD LIST pattern too long"))
            let nntp = try LineClient(port: fx.nntpPort)
            _ = await nntp.line()
            #expect(await nntp.ask("LIST ACTIVE \(String(repeating: "*", count: 400))a").hasPrefix("215"))
            #expect(await nntp.block() == [])
            #expect(await nntp.ask("LIST ACTIVE \(String(repeating: "*", count: 400))st").hasPrefix("215"))
            #expect(await nntp.block().map { $0.split(separator: " ")[0] } == ["test"])
            #expect(clock.now - start < .seconds(15))
        }
    }

    /// 3,990 nested parentheses (under the 8,000-byte line limit), 1,900 NOTs and 300 words get
    /// a BAD at once; before, each nested SEARCH cost 2.3-5.2 s and hundreds of MB.
    @Test func deepSearchesAreRefusedAtOnce() async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) {
            let fx = try await ProtocolFixture.shared()
            let clock = ContinuousClock()
            let c = try LineClient(port: fx.imapPort)
            _ = await c.line()
            #expect(await c.ask("a LOGIN anonymous anonymous").hasPrefix("a OK"))
            #expect(await c.ask("b EXAMINE test.0").hasPrefix("* "))
            while let l = await c.line(), !l.hasPrefix("b ") {}
            let start = clock.now
            let nested = String(repeating: "(", count: 3990) + "ALL" + String(repeating: ")", count: 3990)
            #expect(await c.ask("s1 SEARCH \(nested)").contains("BAD lists nested too deeply"))
            let nots = String(repeating: "NOT ", count: 1900) + "ALL"
            #expect(await c.ask("s2 SEARCH \(nots)").hasPrefix("s2 BAD search keys nested too deeply"))
            let ors = String(repeating: "OR ALL ", count: 1000) + "ALL"
            #expect(await c.ask("s3 SEARCH \(ors)").hasPrefix("s3 BAD search keys nested too deeply"))
            let words = (0..<300).map { "FROM w\($0)" }.joined(separator: " ")
            #expect(await c.ask("s4 SEARCH \(words)") == "s4 BAD the query has 300 terms; at most 256 are allowed")
            // what stays under the caps is still answered
            let shallow = String(repeating: "(", count: 30) + "NOT FROM nosuchsender" + String(repeating: ")", count: 30)
            #expect(await c.ask("s5 SEARCH \(shallow)").hasPrefix("* SEARCH 1 2 3"))
            #expect(await c.line() == "s5 OK Search done")
            #expect(clock.now - start < .seconds(20))
        }
    }

    /// Four IMAP and NNTP clients send hostile LIST patterns and deep searches over and over;
    /// meanwhile the web site answers a page, and the NNTP server a command.
    @Test func webAndNewsAnswerWhileHostileClientsHammer() async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) {
            let fx = try await ProtocolFixture.shared()
            let stop = Flag()
            let hammers = (0..<4).map { i in
                Task.detached {
                    let imap = i % 2 == 0
                    guard let c = try? LineClient(port: imap ? fx.imapPort : fx.nntpPort) else { return 0 }
                    _ = await c.line()
                    if imap {
                        _ = await c.ask("a LOGIN x y")
                        _ = await c.ask("b EXAMINE test.0")
                        while let l = await c.line(), !l.hasPrefix("b ") {}
                    }
                    // every hammer asks at least once, however late it got going on a loaded machine
                    var answered = 0
                    repeat {
                        if imap {
                            let nested = String(repeating: "(", count: 3990) + "ALL" + String(repeating: ")", count: 3990)
                            guard await c.ask("s SEARCH \(nested)").contains("BAD") else { return answered }
                            guard await c.ask("l LIST \"\" \"\(String(repeating: "%", count: 200))x\"") == "l OK List done" else {
                                return answered
                            }
                        } else {
                            guard await c.ask("LIST ACTIVE \(String(repeating: "*", count: 400))a").hasPrefix("215") else {
                                return answered
                            }
                            _ = await c.block()
                        }
                        answered += 1
                    } while !stop.isSet
                    return answered
                }
            }
            // let the hammers get going, then ask the other doors
            try await Task.sleep(for: .seconds(1))
            let clock = ContinuousClock()
            let start = clock.now
            let web = try LineClient(port: fx.httpPort)
            #expect(await web.ask("GET /test/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n") == "HTTP/1.1 200 OK")
            let news = try LineClient(port: fx.nntpPort)
            _ = await news.line()
            #expect(await news.ask("DATE").hasPrefix("111 "))
            #expect(clock.now - start < .seconds(20))
            stop.set()
            for h in hammers { #expect(await h.value > 0) }
        }
    }
}

/// A flag one task sets and others poll.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
