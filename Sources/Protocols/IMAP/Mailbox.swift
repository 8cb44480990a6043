import Foundation
import Index
import NIOConcurrencyHelpers

/// A mailbox as public-inbox-imapd names them: `NEWSGROUP.N` holds article numbers
/// N×50,000+1 … (N+1)×50,000 (slices keep mail clients from loading a whole archive); the
/// newsgroup name and each dotted prefix of it are containers without messages.
struct Mailbox: Sendable {
    static let slice: Int64 = 50_000

    let name: String
    /// nil for a container.
    let group: Catalog.Group?
    let uids: [Int64]
    let uidNext: Int64
    let uidValidity: Int64

    /// The message sequence number of `uid`.
    func msn(of uid: Int64) -> Int? {
        var lo = 0
        var hi = uids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if uids[mid] < uid { lo = mid + 1 } else { hi = mid }
        }
        return lo < uids.count && uids[lo] == uid ? lo + 1 : nil
    }

    /// The UIDs a sequence set names, ascending: UIDs present in the mailbox, or messages by
    /// sequence number.
    func uids(in set: SequenceSet, byUID: Bool) -> [Int64] {
        guard let last = uids.last else { return [] }
        if byUID {
            let ranges = set.resolved(last: last)
            return uids.filter { u in ranges.contains { $0.contains(u) } }
        }
        let ranges = set.resolved(last: Int64(uids.count))
        var out: [Int64] = []
        for (i, u) in uids.enumerated() where ranges.contains(where: { $0.contains(Int64(i + 1)) }) { out.append(u) }
        return out
    }
}

extension Catalog {
    /// Every mailbox name (LIST), containers first within a name, slices in order.
    func mailboxList() throws -> [(name: String, slice: Int?)] {
        var containers = Set<String>()
        var out: [(String, Int?)] = []
        for g in groups {
            var n = g.name
            while true {
                if containers.insert(n).inserted { out.append((n, nil)) }
                guard let dot = n.lastIndex(of: ".") else { break }
                n = String(n[..<dot])
            }
            let high = try g.inbox.index.highestArticleNumber()
            for i in 0...Int(max(0, high - 1) / Mailbox.slice) { out.append((g.name + ".\(i)", i)) }
        }
        return out.sorted { ($0.0.lowercased(), $0.1 ?? -1) < ($1.0.lowercased(), $1.1 ?? -1) }.map { (Self.display($0.0), $0.1) }
    }

    /// `inbox.…` shows as `INBOX.…`, as mail clients expect.
    static func display(_ name: String) -> String {
        name == "inbox" || name.hasPrefix("inbox.") ? "INBOX" + name.dropFirst(5) : name
    }

    /// The mailbox named `name` (any case), with its UIDs now.
    func mailbox(named name: String) throws -> Mailbox? {
        let lower = name.lowercased()
        if let dot = lower.lastIndex(of: "."), let n = Int64(lower[lower.index(after: dot)...]), n >= 0,
            let g = group(named: String(lower[..<dot]))
        {
            let high = try g.inbox.index.highestArticleNumber()
            guard n <= max(0, high - 1) / Mailbox.slice else { return nil }
            return Mailbox(
                name: Self.display(lower), group: g, uids: try sliceUIDs(g, n), uidNext: high + 1, uidValidity: g.created)
        }
        guard groups.contains(where: { $0.name == lower || $0.name.hasPrefix(lower + ".") }) else { return nil }
        return Mailbox(name: Self.display(lower), group: nil, uids: [], uidNext: 1, uidValidity: 0)
    }

    /// The article numbers of slice `n`: one shared copy per slice and state of the inbox, so
    /// that many clients on one mailbox hold one array.
    func sliceUIDs(_ g: Group, _ n: Int64) throws -> [Int64] {
        let range = (n * Mailbox.slice + 1)...((n + 1) * Mailbox.slice)
        let count = try g.inbox.index.articleCount(in: range)
        let key = "\(g.position).\(n)"
        if let hit = sliceCache.withLockedValue({ $0[key] }), hit.count == count { return hit }
        let uids = try g.inbox.index.articleNumbers(in: range)
        sliceCache.withLockedValue { $0[key] = uids }
        return uids
    }
}
