import Foundation
import Index
import Mail
import Mirror
import NIOCore
import NIOPosix
import Store
import Support

/// What a set of pages is built over: one inbox (`/INBOX/…`), or every inbox together
/// (`/all/…`, public-inbox's external index).
public final class Scope: Sendable {
    /// The URL segment: the inbox name, or `all`.
    public let name: String
    public let inboxes: [Inbox]
    public let isAll: Bool
    let cache: RenderCache
    let generations: Generations
    /// What the thread pages streaming now hold of messages read ahead, in all (shared by
    /// every scope of the site): 1,000 pages at once each held up to 256 KiB.
    let readingAhead: ByteBudget

    init(name: String, inboxes: [Inbox], isAll: Bool, cache: RenderCache, generations: Generations, readingAhead: ByteBudget) {
        self.name = name
        self.readingAhead = readingAhead
        self.inboxes = inboxes
        self.isAll = isAll
        self.cache = cache
        self.generations = generations
        title = Scope.title(inboxes: inboxes, isAll: isAll)
    }

    /// The cache's key for `key` of this scope at `generation` (a new generation: new keys).
    private func fullKey(_ key: String, _ generation: String) -> String { name + "|" + generation + "|" + key }

    /// A cached value (see `cached`), if present.
    func cachedValue(_ key: String) -> [UInt8]? {
        if cache.isOff { return nil }
        return cache.get(fullKey(key, generations.tag(for: self)))
    }

    /// Stores a value for `cachedValue`.
    func store(_ key: String, _ value: [UInt8]) {
        if cache.isOff { return }
        cache.put(fullKey(key, generations.tag(for: self)), value)
    }

    /// The largest value the cache keeps (nil: the cache is off): a streamed page is gathered to
    /// be kept only up to this size.
    var keepLimit: Int? { cache.isOff ? nil : cache.largestValue }

    /// A rendered fragment, cached until any inbox of the scope changes. `key` must name
    /// every input of `build` other than the archive's contents.
    func cached(_ key: String, _ build: () throws -> [UInt8]) rethrows -> [UInt8] {
        try cached(key, keeping: { (try build(), true) })
    }

    /// As `cached`, but `build` also says whether what it made may be kept (not when it stands
    /// in for a message git could not give).
    func cached(_ key: String, keeping build: () throws -> (bytes: [UInt8], keep: Bool)) rethrows -> [UInt8] {
        if let hit = cachedValue(key) { return hit }
        let (v, keep) = try build()
        if keep { store(key, v) }
        return v
    }

    /// A page served from the cache until any inbox of the scope changes. `render` gets the
    /// scope's generation, the one the page is kept under, to make its ETag from (so a kept
    /// page's ETag is always its own). Its reply is kept only when it is a whole page: 200, in
    /// one piece, standing in for no missing message (`KeptPage` keeps its type and ETag with
    /// it). `key` must name every input of `render` other than the archive's contents.
    func cachedPage(_ key: String, _ render: (_ generation: String) throws -> Reply) rethrows -> Reply {
        let generation = generations.tag(for: self)
        let k = fullKey(key, generation)
        if !cache.isOff, let hit = cache.get(k), let page = KeptPage.reply(hit) { return page }
        let r = try render(generation)
        if !cache.isOff, let kept = KeptPage.bytes(r) { cache.put(k, kept) }
        return r
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
