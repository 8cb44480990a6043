import Foundation
import Index
import Mail
import Mirror
import NIOCore
import NIOPosix
import Store
import Support

/// Everything the server serves: the inboxes of the config, the `/all/` scope, and the pool of
/// threads for blocking work (SQLite reads, `git cat-file`), which whoever starts the server
/// owns and shares with the NNTP/IMAP `Catalog`.
public final class Site: Sendable {
    public let inboxes: [Inbox]
    let scopes: [String: Scope]
    public let all: Scope
    let pool: NIOThreadPool
    /// Searches run here, apart from page rendering (see `SearchGate`).
    let searches: SearchGate
    let cache: RenderCache
    /// Bytes that streamed pages gather at once to keep in the cache (a quarter of its budget).
    let keeping: ByteBudget
    /// The heap given back after a burst of work.
    let idleTrim = IdleTrim()
    let generations: Generations
    /// Manifest entries of the epochs, kept until their refs move.
    let manifests = ManifestCache()

    /// Opens every inbox of `config` read-only.
    public convenience init(
        config: PIConfig, pool: NIOThreadPool = .singleton, cacheBytes: Int = 96 << 20, search: SearchGate.Limits = .init()
    ) throws {
        let inboxes = try config.inboxes().map { try Inbox(config: $0, readOnly: true) }
        self.init(inboxes: inboxes, pool: pool, cacheBytes: cacheBytes, search: search)
    }

    /// `cacheBytes`: the budget of the render cache (0 turns it off); `search`: threads,
    /// admissions and time of searches.
    public convenience init(
        inboxes: [Inbox], pool: NIOThreadPool = .singleton, cacheBytes: Int = 96 << 20, search: SearchGate.Limits = .init()
    ) {
        self.init(inboxes: inboxes, pool: pool, cacheBytes: cacheBytes, searches: SearchGate(limits: search))
    }

    /// `searches`: where searches run, shared with the IMAP server (`Catalog`).
    /// `readAheadBytes`: what the thread pages being streamed may read of their next messages
    /// at once, in all (beyond it a page reads each message as it comes to it).
    public init(
        inboxes: [Inbox], pool: NIOThreadPool = .singleton, cacheBytes: Int = 96 << 20, searches: SearchGate,
        readAheadBytes: Int = 32 << 20
    ) {
        self.inboxes = inboxes
        let readingAhead = ByteBudget(limit: readAheadBytes)
        let cache = RenderCache(budget: cacheBytes)
        let generations = Generations(inboxes: inboxes)
        self.cache = cache
        keeping = ByteBudget(limit: cacheBytes / 4)
        self.generations = generations
        var s: [String: Scope] = [:]
        for ib in inboxes where ib.name != "all" {
            s[ib.name] = Scope(
                name: ib.name, inboxes: [ib], isAll: false, cache: cache, generations: generations, readingAhead: readingAhead)
        }
        scopes = s
        all = Scope(name: "all", inboxes: inboxes, isAll: true, cache: cache, generations: generations, readingAhead: readingAhead)
        self.pool = pool
        self.searches = searches
    }

    /// The scope a path's first segment names, if any.
    public func scope(named name: Substring) -> Scope? {
        if name == "all" { return inboxes.isEmpty ? nil : all }
        return scopes[String(name)]
    }

    /// Runs blocking work off the event loops.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        idleTrim.begin()
        defer { idleTrim.end() }
        return try await pool.runIfActive(body)
    }

    /// Runs a search within the search limits (its own threads, admission, deadline).
    func searching<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        idleTrim.begin()
        defer { idleTrim.end() }
        return try await searches.run(body)
    }

    /// A tag that changes whenever any inbox of `scope` changes (checked at most once a second).
    func generation(_ scope: Scope) -> String { generations.tag(for: scope) }
}
