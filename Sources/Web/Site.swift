import Foundation
import Index
import Mail
import Mirror
import NIOCore
import NIOPosix
import Store
import Support

/// A message row together with the inbox it is stored in. `key` is unique across inboxes.
public struct Doc: Sendable {
    public let row: OverviewRow
    public let inbox: Inbox
    public let inboxIndex: Int
    public var key: Int64 { Int64(inboxIndex) << 40 | row.num }
    public var mid: String { row.mid }
}

/// What a set of pages is built over: one inbox (`/INBOX/…`), or every inbox together
/// (`/all/…`, public-inbox's external index).
public final class Scope: Sendable {
    /// The URL segment: the inbox name, or `all`.
    public let name: String
    public let inboxes: [Inbox]
    public let isAll: Bool
    let cache: RenderCache
    let generations: Generations

    init(name: String, inboxes: [Inbox], isAll: Bool, cache: RenderCache, generations: Generations) {
        self.name = name
        self.inboxes = inboxes
        self.isAll = isAll
        self.cache = cache
        self.generations = generations
        title = Scope.title(inboxes: inboxes, isAll: isAll)
    }

    /// A cached value (see `cached`), if present.
    func cachedValue(_ key: String) -> [UInt8]? { cache.get(name + "|" + generations.tag(for: self) + "|" + key) }

    /// Stores a value for `cachedValue`.
    func store(_ key: String, _ value: [UInt8]) { cache.put(name + "|" + generations.tag(for: self) + "|" + key, value) }

    /// A rendered fragment, cached until any inbox of the scope changes. `key` must name
    /// every input of `build` other than the archive's contents.
    func cached(_ key: String, _ build: () throws -> [UInt8]) rethrows -> [UInt8] {
        if cache.isOff { return try build() }
        let k = name + "|" + generations.tag(for: self) + "|" + key
        if let hit = cache.get(k) { return hit }
        let v = try build()
        cache.put(k, v)
        return v
    }

    /// The inbox's description (config, else its `description` file), read when the server starts.
    public let title: String

    private static func title(inboxes: [Inbox], isAll: Bool) -> String {
        if isAll { return "all inboxes" }
        let c = inboxes[0].config
        if let d = c.description, !d.isEmpty { return d }
        if let d = try? String(contentsOfFile: c.dir + "/description", encoding: .utf8) {
            let t = d.trimmingASCIIWhitespace()
            if !t.isEmpty && !t.hasPrefix("Unnamed repository") { return t }
        }
        return "public inbox for \(c.primaryAddress)"
    }

    public var primaryAddress: String { inboxes[0].config.primaryAddress }

    /// Absolute base URL with a trailing slash: the configured url, else from the request host.
    public func baseURL(host: String?) -> String {
        if !isAll, var u = inboxes[0].config.url, !u.isEmpty {
            if !u.hasSuffix("/") { u += "/" }
            return u
        }
        return "http://\(host ?? "localhost")/\(name)/"
    }

    func doc(_ row: OverviewRow, _ i: Int) -> Doc { Doc(row: row, inbox: inboxes[i], inboxIndex: i) }

    /// Every stored copy of `mid`, in article order (inbox order first for `/all/`); for
    /// `/all/` identical copies in several inboxes count once.
    public func docs(mid: String) throws -> [Doc] {
        var out: [Doc] = []
        var seenHashes: [[UInt8]] = []
        for (i, ib) in inboxes.enumerated() {
            for r in try ib.index.messages(mid: mid) {
                if isAll {
                    let h = try ib.index.contentHash(num: r.num) ?? []
                    if seenHashes.contains(h) { continue }
                    seenHashes.append(h)
                }
                out.append(doc(r, i))
            }
        }
        return out
    }

    public func has(mid: String) throws -> Bool {
        for ib in inboxes where try ib.index.has(mid: mid) { return true }
        return false
    }

    /// Which of `mids` any inbox of the scope has.
    public func known(_ mids: [String]) throws -> Set<String> {
        if mids.isEmpty { return [] }
        var out = Set<String>()
        for ib in inboxes { out.formUnion(try ib.index.stored(among: mids)) }
        return out
    }

    /// The thread of `mid` (strict, then loose), merged over the scope's inboxes.
    public struct Thread: Sendable {
        public var seed: Doc
        public var strict: [Doc]
        public var loose: [Doc]
        public var all: [Doc] { strict + loose }
        public var count: Int { strict.count + loose.count }
        /// Newest received time in the thread.
        public var maxTs: Int64 { all.map(\.row.ts).max() ?? 0 }
    }

    public func thread(mid: String) throws -> Thread? {
        var seed: Doc?
        var strict: [Doc] = []
        var loose: [Doc] = []
        var seen: [String: [[UInt8]]] = [:]
        func keep(_ d: Doc) throws -> Bool {
            guard isAll else { return true }
            let h = try d.inbox.index.contentHash(num: d.row.num) ?? []
            if seen[d.mid, default: []].contains(h) { return false }
            seen[d.mid, default: []].append(h)
            return true
        }
        for (i, ib) in inboxes.enumerated() {
            guard let t = try ib.index.thread(of: mid) else { continue }
            if seed == nil { seed = doc(t.seed, i) }
            for r in t.strict where try keep(doc(r, i)) { strict.append(doc(r, i)) }
            for r in t.loose where try keep(doc(r, i)) { loose.append(doc(r, i)) }
        }
        guard let seed else { return nil }
        if inboxes.count > 1 {
            strict.sort { ($0.row.ds, $0.key) < ($1.row.ds, $1.key) }
            loose.sort { ($0.row.ds, $0.key) > ($1.row.ds, $1.key) }
        }
        return Thread(seed: seed, strict: strict, loose: loose)
    }

    /// `docs(mid:)` and `thread(mid:)` together, as a message page needs them: for one inbox
    /// in one index read.
    public func copiesAndThread(mid: String) throws -> (docs: [Doc], thread: Thread?) {
        guard !isAll, inboxes.count == 1 else { return (try docs(mid: mid), try thread(mid: mid)) }
        let (copies, t) = try inboxes[0].index.copiesAndThread(of: mid)
        let docs = copies.map { doc($0, 0) }
        guard let t else { return (docs, nil) }
        return (docs, Thread(seed: doc(t.seed, 0), strict: t.strict.map { doc($0, 0) }, loose: t.loose.map { doc($0, 0) }))
    }

    /// Newest messages by received time (`before`/`after` inclusive), merged over inboxes.
    public func recent(before: Int64?, after: Int64?, limit: Int) throws -> [Doc] {
        var out: [Doc] = []
        for (i, ib) in inboxes.enumerated() {
            out += try ib.index.recent(before: before, after: after, limit: limit).map { doc($0, i) }
        }
        if inboxes.count > 1 {
            out.sort { ($0.row.ts, $0.key) > ($1.row.ts, $1.key) }
            if after != nil {
                // keep the `limit` oldest of the newer-than page
                out = Array(out.suffix(limit))
            } else {
                out = Array(out.prefix(limit))
            }
        }
        return out
    }

    /// Newest received time of any message.
    public func newest() -> Int64? {
        inboxes.compactMap { try? $0.index.generation().newest }.max()
    }
}

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
    public init(inboxes: [Inbox], pool: NIOThreadPool = .singleton, cacheBytes: Int = 96 << 20, search: SearchGate.Limits = .init()) {
        self.inboxes = inboxes
        let cache = RenderCache(budget: cacheBytes)
        let generations = Generations(inboxes: inboxes)
        self.cache = cache
        self.generations = generations
        var s: [String: Scope] = [:]
        for ib in inboxes where ib.name != "all" {
            s[ib.name] = Scope(name: ib.name, inboxes: [ib], isAll: false, cache: cache, generations: generations)
        }
        scopes = s
        all = Scope(name: "all", inboxes: inboxes, isAll: true, cache: cache, generations: generations)
        self.pool = pool
        searches = SearchGate(limits: search)
    }

    /// The scope a path's first segment names, if any.
    public func scope(named name: Substring) -> Scope? {
        if name == "all" { return inboxes.isEmpty ? nil : all }
        return scopes[String(name)]
    }

    /// Runs blocking work off the event loops.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    /// Runs a search within the search limits (its own threads, admission, deadline).
    func searching<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await searches.run(body)
    }

    /// A tag that changes whenever any inbox of `scope` changes (checked at most once a second).
    func generation(_ scope: Scope) -> String { generations.tag(for: scope) }
}

/// Per-inbox change counters, polled lazily.
final class Generations: @unchecked Sendable {
    private let lock = Lock()
    private let inboxes: [Inbox]
    private var tags: [String: String] = [:]
    private var checked: Double = 0
    /// Distinguishes runs of the server (pages may change with the program).
    let boot = String(UInt64(Date().timeIntervalSince1970 * 1000) & 0xFFFFFF, radix: 36)

    init(inboxes: [Inbox]) { self.inboxes = inboxes }

    func tag(for scope: Scope) -> String {
        let now = Date().timeIntervalSince1970
        let current: [String: String] = lock.withLock {
            if now - checked > 1 {
                checked = now
                for ib in inboxes {
                    if let g = try? ib.index.generation() { tags[ib.name] = "\(g.num).\(g.messages).\(g.ghosts)" }
                }
            }
            return tags
        }
        return boot + "-" + scope.inboxes.map { current[$0.name] ?? "0" }.joined(separator: "-")
    }
}

/// A cache of rendered fragments keyed by their inputs (blob ids, options, inbox generation),
/// bounded by total bytes; the oldest entries go first. What counts against the budget is what
/// an entry costs: its value stored at its exact size (a page is built with spare capacity,
/// trimmed before it is kept), its key, and the bookkeeping of both containers.
final class RenderCache: @unchecked Sendable {
    private let lock = Lock()
    private var items: [String: [UInt8]] = [:]
    private var order: [String] = []
    private var head = 0
    private var bytes = 0
    private let budget: Int
    /// Dictionary slot, order slot, array and string headers, malloc rounding.
    static let overhead = 96

    init(budget: Int) { self.budget = budget }

    /// `--cache-mb 0`: nothing is kept, so callers skip making keys.
    var isOff: Bool { budget <= 0 }

    func get(_ key: String) -> [UInt8]? { lock.withLock { items[key] } }

    static func cost(_ key: String, _ value: [UInt8]) -> Int { value.capacity + key.utf8.count + overhead }

    func put(_ key: String, _ value: [UInt8]) {
        guard value.count < budget / 8 else { return }  // also: a budget of 0 keeps nothing
        let kept = value.capacity > value.count + value.count / 16 ? value.withUnsafeBufferPointer { Array($0) } : value
        let cost = RenderCache.cost(key, kept)
        lock.withLock {
            if items[key] != nil { return }
            while bytes + cost > budget, head < order.count {
                if let old = items.removeValue(forKey: order[head]) { bytes -= RenderCache.cost(order[head], old) }
                head += 1
            }
            if head > 4096 && head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
            order.append(key)
            items[key] = kept
            bytes += cost
        }
    }
}
