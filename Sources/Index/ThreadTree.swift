/// A thread as a tree for display (JWZ-style, as public-inbox's SearchThread): parents from
/// References, ghosts for referenced messages not stored, siblings by date. At most
/// `ThreadTree.maxDepth` levels deep (`ThreadTree.build` keeps no deeper node), and every walk of
/// it is a loop: one message with 7,000 References was a ghost chain that overflowed the stack.
public struct ThreadNode: Sendable, Equatable {
    public var mid: String
    /// Nil for a ghost: referenced but not stored.
    public var row: OverviewRow?
    public var children: [ThreadNode]

    public var isGhost: Bool { row == nil }

    /// Depth-first list of (depth, node), the order a skeleton is printed in.
    public func flattened(depth: Int = 0) -> [(depth: Int, node: ThreadNode)] {
        var out: [(depth: Int, node: ThreadNode)] = []
        var stack = [(depth, self)]
        while let (d, n) = stack.popLast() {
            out.append((d, n))
            for c in n.children.reversed() { stack.append((d + 1, c)) }
        }
        return out
    }

    /// Stored messages in the tree (ghosts not counted).
    public var count: Int {
        var n = 0
        var stack = [self]
        while let node = stack.popLast() {
            if node.row != nil { n += 1 }
            stack += node.children
        }
        return n
    }

    public func contains(mid: String) -> Bool {
        var stack = [self]
        while let node = stack.popLast() {
            if node.mid == mid { return true }
            stack += node.children
        }
        return false
    }
}

public enum ThreadTree {
    /// The deepest level kept (roots are level 0). A reply further down is kept at this level,
    /// after its nearest ancestor above it, and a ghost further down is left out, so that a
    /// page of a reply chain of any length indents at most 200 columns and shows at most this
    /// many ghosts for one chain of References (100,000 References: 100 ghosts, not 100,000
    /// lines indented up to 200,000 columns). public-inbox does not cap its indentation.
    public static let maxDepth = 100

    private final class Container {
        let mid: String
        var row: OverviewRow?
        weak var parent: Container?
        var children: [Container] = []
        /// Distance to, and date of, the first stored message breadth-first under (and
        /// including) this node, before any children are sorted (`computeTopmost`).
        var topmostDepth = Int.max
        var topmostDate: Int64 = 0
        init(mid: String) { self.mid = mid }

        /// Whether `other` is below this node. Walks up from `other` and down from here in
        /// turns, so it costs the shorter walk: a message of a long reply chain is deep, and in
        /// date order has no replies yet (a 100,000-message chain: 2 steps each, not 100,000).
        func hasDescendant(_ other: Container) -> Bool {
            var up = other.parent
            var down = children
            while true {
                guard let u = up else { return false }
                if u === self { return true }
                up = u.parent
                guard let d = down.popLast() else { return false }
                if d === other { return true }
                down += d.children
            }
        }

        func add(_ child: Container) {
            if let p = child.parent { p.children.removeAll { $0 === child } }
            child.parent = self
            children.append(child)
        }
    }

    /// Builds the forest of `rows` (a thread, plus loose matches if wanted).
    public static func build(_ rows: [OverviewRow]) -> [ThreadNode] {
        var table: [String: Container] = [:]
        var all: [Container] = []
        // containers hold their children: released one by one, not as a chain (a release
        // that frees a child frees its children in turn, as deep as the chain)
        defer { for c in all { c.children = [] } }
        func get(_ mid: String) -> Container {
            if let c = table[mid] { return c }
            let c = Container(mid: mid)
            table[mid] = c
            all.append(c)
            return c
        }
        var imposters: [String: [OverviewRow]] = [:]
        let sorted = rows.sorted { ($0.ds, $0.num) < ($1.ds, $1.num) }
        var messageContainers: [(Container, OverviewRow)] = []
        for r in sorted {
            let c = get(r.mid)
            if c.row != nil {
                imposters[r.mid, default: []].append(r)
                continue
            }
            c.row = r
            messageContainers.append((c, r))
        }
        for (c, r) in messageContainers {
            var prev: Container?
            for ref in r.refs {
                let rc = get(ref)
                if let p = prev, rc.parent == nil, rc !== p, !rc.hasDescendant(p) { p.add(rc) }
                prev = rc
            }
            if let p = prev, p !== c, !c.hasDescendant(p) { p.add(c) }
        }
        var roots = all.filter { $0.parent == nil && ($0.row != nil || !$0.children.isEmpty) }
        computeTopmost(roots)
        roots.sort { $0.topmostDate < $1.topmostDate }
        sortChildren(roots)
        return nodes(roots, imposters: imposters)
    }

    /// Sets `topmostDepth` and `topmostDate` of every node under `roots`, children first: a
    /// node's is its own when stored, else that of the child whose is nearest (the first such
    /// child on a tie, as a breadth-first walk meets them). Done once, not per comparison.
    private static func computeTopmost(_ roots: [Container]) {
        for c in preorder(roots).reversed() {
            if let r = c.row {
                c.topmostDepth = 0
                c.topmostDate = r.ds
                continue
            }
            for ch in c.children where ch.topmostDepth != Int.max && ch.topmostDepth + 1 < c.topmostDepth {
                c.topmostDepth = ch.topmostDepth + 1
                c.topmostDate = ch.topmostDate
            }
        }
    }

    /// Sorts every node's children by `topmostDate`. Each sort compares values computed
    /// before any sorting, as a recursive walk sorting parents first would have met them.
    private static func sortChildren(_ roots: [Container]) {
        for c in preorder(roots) where c.children.count > 1 {
            c.children.sort { $0.topmostDate < $1.topmostDate }
        }
    }

    /// Every node under `roots`, depth-first, parents before their children.
    private static func preorder(_ roots: [Container]) -> [Container] {
        var out: [Container] = []
        var stack = Array(roots.reversed())
        while let c = stack.popLast() {
            out.append(c)
            stack += c.children.reversed()
        }
        return out
    }

    /// The display forest: nodes depth-first with imposters (other messages stored under the
    /// same Message-ID) first among the children of the one threaded, nodes below `maxDepth`
    /// moved up to it (ghosts there left out), then built children first.
    private static func nodes(_ roots: [Container], imposters: [String: [OverviewRow]]) -> [ThreadNode] {
        // (mid, row, index of the parent in `flat`) depth-first
        var flat: [(mid: String, row: OverviewRow?, parent: Int?)] = []
        // (node, its level, index in `flat` its children hang from)
        var stack: [(Container, Int, Int?)] = roots.reversed().map { ($0, 0, nil) }
        while let (c, level, parent) = stack.popLast() {
            var under = parent
            if c.row != nil || level < maxDepth {
                flat.append((c.mid, c.row, parent))
                if level < maxDepth { under = flat.count - 1 }
            }
            if let r = c.row {
                for i in imposters[r.mid] ?? [] { flat.append((i.mid, i, under)) }
            }
            for ch in c.children.reversed() { stack.append((ch, min(level + 1, maxDepth), under)) }
        }
        // children are after their parent in `flat`: from the end, each node is complete when
        // reached, and is moved into its parent's list (built in reverse, reversed once)
        var kids = [[ThreadNode]](repeating: [], count: flat.count)
        var forest: [ThreadNode] = []
        for i in flat.indices.reversed() {
            var mine: [ThreadNode] = []
            swap(&mine, &kids[i])
            let node = ThreadNode(mid: flat[i].mid, row: flat[i].row, children: mine.reversed())
            if let p = flat[i].parent { kids[p].append(node) } else { forest.append(node) }
        }
        return forest.reversed()
    }
}
