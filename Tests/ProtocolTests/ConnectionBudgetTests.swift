import Foundation
import Hummingbird
import Index
import NIOCore
import NIOEmbedded
import Protocols
import Support
import TestSupport
import Testing
import Web

/// HTTP, NNTP and IMAP share one budget of connections (issue 18: 1,000 idle NNTP or IMAP
/// connections took all 1,024 descriptors and every front door timed out): idle newsreaders
/// and mail clients are closed to make room, and clients that never log in or pick a group
/// are dropped after the short timeout.
@Suite(.serialized) struct ConnectionBudgetTests {
    /// HTTP, NNTP and IMAP servers on loopback sharing `budget`.
    final class Servers: @unchecked Sendable {
        let http: Int, nntp: Int, imap: Int
        let tasks: [Task<Void, any Error>]
        /// Kept until the servers stop (its directory goes with it).
        let box: TemporaryInbox

        init(budget: ConnectionBudget, unsettled: TimeAmount) async throws {
            box = try TemporaryInbox(name: "budget", address: "budget@example.org")
            try box.importBytes([Fixtures.corpus("028-patch-single.eml")])
            let inbox = try Inbox(config: box.inbox.config, readOnly: true)
            let catalog = Catalog(inboxes: [inbox], serverName: "budget.test")
            let (ports, cont) = AsyncStream<(Int, Int)>.makeStream()
            var tasks: [Task<Void, any Error>] = []
            for (i, kind) in [ProtocolServer.Kind.nntp, .imap].enumerated() {
                let server = ProtocolServer(
                    kind, catalog: catalog, host: "127.0.0.1", port: 0, idleTimeout: .seconds(120), unsettledTimeout: unsettled,
                    budget: budget)
                tasks.append(Task(executorPreference: SessionExecutor.shared) { try await server.run(bound: { cont.yield((i, $0)) }) })
            }
            let app = makeApplication(
                site: Site(inboxes: [inbox], cacheBytes: 0), host: "127.0.0.1", port: 0, limits: ServerLimits(), budget: budget,
                onServerRunning: { ch in cont.yield((2, ch.localAddress?.port ?? 0)) })
            tasks.append(Task(executorPreference: SessionExecutor.shared) { try await app.runService(gracefulShutdownSignals: []) })
            var found = [0, 0, 0]
            var seen = 0
            for await (which, port) in ports {
                found[which] = port
                seen += 1
                if seen == 3 { break }
            }
            (nntp, imap, http) = (found[0], found[1], found[2])
            self.tasks = tasks
        }

        func stop() { for t in tasks { t.cancel() } }
    }

    /// A budget of 24 connections and 60 idle newsreaders and mail clients: the web site
    /// still answers, a new IMAP client still logs in, and the first idle clients were closed
    /// to make room (their sockets read end of stream).
    @Test func idleClientsMakeRoomForNewOnes() async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) {
            let budget = ConnectionBudget(maxConnections: 24)
            let s = try await Servers(budget: budget, unsettled: .seconds(120))
            defer { s.stop() }
            var idle: [LineClient] = []
            for i in 0..<60 {
                let c = try LineClient(port: i % 2 == 0 ? s.nntp : s.imap)
                #expect(await c.line() != nil)
                idle.append(c)
            }
            #expect(budget.count <= 24)
            let web = try LineClient(port: s.http)
            #expect(await web.ask("GET /budget/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n") == "HTTP/1.1 200 OK")
            let mail = try LineClient(port: s.imap)
            #expect(await mail.line()?.hasPrefix("* OK") == true)
            #expect(await mail.ask("a LOGIN x y").hasPrefix("a OK"))
            #expect(await mail.ask("b NOOP") == "b OK Noop done")
            // the longest idle went first
            #expect(await idle[0].line() == nil)
            #expect(await idle[1].line() == nil)
            #expect(budget.count <= 24)
        }
    }

    /// Before LOGIN (IMAP) or GROUP (NNTP) a silent client is dropped after the short timeout;
    /// after, the protocol's own applies.
    @Test func unsettledClientsAreDroppedSooner() async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) {
            let s = try await Servers(budget: ConnectionBudget(maxConnections: 100), unsettled: .seconds(2))
            defer { s.stop() }
            // the clients that settle do so first, each at once (a loaded machine must not make
            // them miss the 2 s), then the silent ones come
            let loggedIn = try LineClient(port: s.imap)
            #expect(await loggedIn.line() != nil)
            #expect(await loggedIn.ask("a LOGIN x y").hasPrefix("a OK"))
            let reader = try LineClient(port: s.nntp)
            #expect(await reader.line() != nil)
            #expect(await reader.ask("MODE READER").hasPrefix("201 "))
            let silentIMAP = try LineClient(port: s.imap)
            let silentNNTP = try LineClient(port: s.nntp)
            for c in [silentIMAP, silentNNTP] { #expect(await c.line() != nil) }
            // well past the 2 s (ticks of a second, a loaded machine)
            try await Task.sleep(for: .seconds(6))
            #expect(await silentIMAP.line() == nil)
            #expect(await silentNNTP.line() == nil)
            #expect(await loggedIn.ask("b NOOP") == "b OK Noop done")
            #expect(await reader.ask("DATE").hasPrefix("111 "))
        }
    }

    /// At the cap, a connection whose client never settled is closed before a settled session
    /// that has waited longer (an IDLE mail client, a newsreader in its group list): a flood
    /// of sockets cannot push out the readers.
    @Test func unsettledConnectionsGoBeforeSettledOnes() throws {
        let budget = ConnectionBudget(maxConnections: 3)
        let channels = (0..<4).map { _ in EmbeddedChannel() }
        defer { for c in channels { _ = try? c.finish() } }
        for c in channels { try c.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait() }
        // each waits for its client from when it opened, in this order
        let settled = try #require(budget.open(channels[0]))
        settled.setSettled()
        Thread.sleep(forTimeInterval: 0.01)
        _ = try #require(budget.open(channels[1]))
        Thread.sleep(forTimeInterval: 0.01)
        _ = try #require(budget.open(channels[2]))
        // the settled session waited longest; the unsettled one that waited longest goes
        #expect(budget.open(channels[3]) != nil)
        #expect(channels[0].isActive)
        #expect(!channels[1].isActive)
        #expect(channels[2].isActive)
        #expect(budget.count == 3)
    }
}
