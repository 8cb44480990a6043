import Index
import Mail

/// A thread laid out for display: the JWZ forest of its strict and loose messages, with the
/// root holding the requested message first (public-inbox's `thread_results`), and the walk
/// order every view (skeleton, next/prev, flat and nested pages) shares.
struct ThreadModel {
    struct Entry {
        var level: Int
        var node: ThreadNode
        var doc: Doc?
        /// Index of the parent entry in `entries` (nil for roots).
        var parent: Int?
        var children: [Int] = []
        /// Position among its parent's children.
        var siblingIndex: Int = 0
    }

    let thread: Scope.Thread
    let docs: [Int64: Doc]
    /// Depth-first, roots in display order.
    var entries: [Entry] = []
    /// Index in `entries` of the root before which the loose-matches note is printed.
    var looseNoteAt: Int?
    var roots: [Int] = []

    init(thread: Scope.Thread, current mid: String) {
        self.thread = thread
        var docs: [Int64: Doc] = [:]
        var rows: [OverviewRow] = []
        for d in thread.all {
            var r = d.row
            r.num = d.key
            rows.append(r)
            docs[d.key] = d
        }
        self.docs = docs
        var forest = ThreadTree.build(rows)
        if forest.count > 1, let i = forest.firstIndex(where: { $0.contains(mid: mid) }), i != 0 {
            let found = forest.remove(at: i)
            forest = [found] + forest.reversed()
        }
        var note = false
        if forest.count > 1, !thread.loose.isEmpty { note = true }
        for (ri, root) in forest.enumerated() {
            if ri == 1 && note { looseNoteAt = entries.count }
            roots.append(entries.count)
            add(root, siblingIndex: ri)
        }
    }

    /// Appends the entries of `root`'s tree depth-first, in a loop (no recursion over a thread).
    private mutating func add(_ root: ThreadNode, siblingIndex: Int) {
        var stack: [(node: ThreadNode, level: Int, parent: Int?, siblingIndex: Int)] = [(root, 0, nil, siblingIndex)]
        while let (n, level, parent, k) = stack.popLast() {
            let idx = entries.count
            entries.append(Entry(level: level, node: n, doc: n.row.flatMap { docs[$0.num] }, parent: parent, siblingIndex: k))
            if let p = parent { entries[p].children.append(idx) }
            for (k, c) in n.children.enumerated().reversed() { stack.append((c, level + 1, idx, k)) }
        }
    }

    /// Entries of real messages (no ghosts), in walk order.
    var messages: [Int] { entries.indices.filter { entries[$0].doc != nil } }

    func index(ofKey key: Int64) -> Int? { entries.firstIndex { $0.doc?.key == key } }

    /// `2024-01-01  9:00 ` + indent + "` " (public-inbox's skeleton prefix).
    static func prefix(_ level: Int) -> String {
        level == 0 ? "" : String(repeating: "  ", count: level - 1) + "` "
    }

    /// A skeleton line's start: `shortTime` of `ds`, a space and `prefix(level)`, written as bytes.
    static func linePrefix(ds: Int64, level: Int, into w: inout HTMLWriter) {
        URLs.shortTime(ds, into: &w.bytes)
        w.bytes.append(UInt8(ascii: " "))
        guard level > 0 else { return }
        for _ in 1..<level { w.raw("  ") }
        w.raw("` ")
    }

    /// public-inbox's subject normalisation for display, `(no subject)` when empty.
    static func normalizedSubject(_ s: String) -> String {
        let n = SubjectPath.normalized(s)
        return n.isEmpty ? "(no subject)" : n
    }

    /// A normalised subject's words (split at spaces, on bytes).
    static func words(_ s: String) -> [Substring] {
        s.utf8.split(separator: UInt8(ascii: " ")).map { Substring($0) }
    }

    /// public-inbox's `dedupe_subject`: drops the words a line shares with the previous one.
    /// Returns the words left and whether some were omitted.
    static func dedupe(prev: inout [Substring], subject: [Substring]) -> (words: [Substring], omitted: Bool) {
        var p = prev
        var s = subject
        var prevPop: [Substring] = []
        var curPop: [Substring] = []
        var omitted = false
        while let pl = p.last, let sl = s.last, pl == sl {
            prevPop.append(p.removeLast())
            curPop.append(s.removeLast())
            omitted = true
        }
        if let l = s.last, isRe(l) { s.removeLast() }
        if curPop.count == 1 {
            omitted = false
            p += prevPop.reversed()
            s += curPop.reversed()
        }
        prev = subject
        return (s, omitted)
    }

    /// Whether a word starts with `re:` in any case.
    private static func isRe(_ word: Substring) -> Bool {
        var it = word.utf8.makeIterator()
        guard let r = it.next(), let e = it.next(), let c = it.next() else { return false }
        return r | 0x20 == UInt8(ascii: "r") && e | 0x20 == UInt8(ascii: "e") && c == UInt8(ascii: ":")
    }
}
