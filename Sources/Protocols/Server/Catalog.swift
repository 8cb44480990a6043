import Foundation
import Index
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Store

/// The inboxes as newsreaders and mail clients see them: one newsgroup per inbox (IMAP
/// mailboxes are its slices), the server's name, and threads for blocking work (SQLite, git).
/// NNTP and IMAP share one catalog; the inboxes are the same objects the web server reads.
public final class Catalog: Sendable {
    /// One inbox as a newsgroup.
    public struct Group: Sendable {
        public let inbox: Inbox
        /// The newsgroup name (`publicinbox.NAME.newsgroup`, or derived from the inbox name).
        public let name: String
        /// Stable for the life of the inbox: when its first article arrived (UIDVALIDITY, and
        /// the group's creation time for NEWGROUPS and LIST ACTIVE.TIMES).
        public let created: Int64
        public let description: String
        /// Position in `Catalog.groups`.
        public let position: Int
    }

    /// Sorted by name.
    public let groups: [Group]
    private let byName: [String: Group]
    /// The name in greetings, `Xref:` and `Path:` (`publicinbox.nntpserver`, else the host name).
    public let serverName: String
    let pool: NIOThreadPool
    /// Where IMAP searches run: the web site's threads, admission and deadline (`tidings serve`
    /// hands both the same gate).
    let searches: SearchGate
    let watcher: InboxWatcher
    /// IMAP: the article numbers of each slice last read (see `sliceUIDs`).
    let sliceCache = NIOLockedValueBox<[String: [Int64]]>([:])

    /// Serves `inboxes`; an inbox whose newsgroup name another inbox already took is left out
    /// (with a warning on standard error).
    /// `pool` runs the blocking work and `searches` the searches; their owner (who starts the
    /// servers) shares them with `Site`.
    public init(inboxes: [Inbox], serverName: String? = nil, pool: NIOThreadPool = .singleton, searches: SearchGate = SearchGate()) {
        var seen = Set<String>()
        var gs: [(Inbox, String)] = []
        for ib in inboxes {
            let name = ib.config.newsgroupName
            guard seen.insert(name).inserted else {
                FileHandle.standardError.write(
                    Data("tidings: newsgroup \(name) of inbox \(ib.name) is taken; not served over NNTP/IMAP\n".utf8))
                continue
            }
            gs.append((ib, name))
        }
        gs.sort { $0.1 < $1.1 }
        groups = gs.enumerated().map { i, g in
            Group(
                inbox: g.0, name: g.1, created: (try? g.0.index.firstArrival()) ?? 1, description: Self.describe(g.0.config),
                position: i)
        }
        byName = Dictionary(uniqueKeysWithValues: groups.map { ($0.name, $0) })
        self.serverName = serverName ?? Self.hostName()
        self.pool = pool
        self.searches = searches
        watcher = InboxWatcher(inboxes: groups.map(\.inbox))
    }

    /// Reads `publicinbox.nntpserver` from `config`, as public-inbox-nntpd does.
    public static func serverName(config: PIConfig) -> String? {
        (try? config.values("publicinbox.nntpserver"))?.first { !$0.isEmpty }
    }

    deinit { watcher.stop() }

    public func group(named name: String) -> Group? { byName[name] }

    /// Runs blocking work (SQLite reads, `git cat-file`) off the event loops.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    /// Runs a search within the search limits (`SearchOverloaded`, `SearchTimedOut`).
    func searching<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await searches.run(body)
    }

    static func describe(_ c: InboxConfig) -> String {
        if let d = c.description, !d.isEmpty { return d }
        if let d = try? String(contentsOfFile: c.dir + "/description", encoding: .utf8) {
            let t = d.trimmingCharacters(in: .whitespacesAndNewlines)
            if !t.isEmpty && !t.hasPrefix("Unnamed repository") { return t.replacingOccurrences(of: "\n", with: " ") }
        }
        return "public inbox for \(c.primaryAddress)"
    }

    static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count) == 0 else { return "localhost" }
        return String(cString: buf)
    }
}
