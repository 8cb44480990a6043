/// A thread as a tree for display (JWZ-style, as public-inbox's SearchThread): parents from
/// References, ghosts for referenced messages not stored, siblings by date.
public struct ThreadNode: Sendable, Equatable {
    public var mid: String
    /// Nil for a ghost: referenced but not stored.
    public var row: OverviewRow?
    public var children: [ThreadNode]

    public var isGhost: Bool { row == nil }

    /// Depth-first list of (depth, node), the order a skeleton is printed in.
    public func flattened(depth: Int = 0) -> [(depth: Int, node: ThreadNode)] {
        var out: [(Int, ThreadNode)] = [(depth, self)]
        for c in children { out += c.flattened(depth: depth + 1) }
        return out
    }

    public var count: Int { (row == nil ? 0 : 1) + children.reduce(0) { $0 + $1.count } }

    public func contains(mid: String) -> Bool { self.mid == mid || children.contains { $0.contains(mid: mid) } }
}

public enum ThreadTree {
    private final class Container {
        let mid: String
        var row: OverviewRow?
        weak var parent: Container?
        var children: [Container] = []
        init(mid: String) { self.mid = mid }

        func hasDescendant(_ other: Container) -> Bool {
            var stack = children
            var seen = Set<ObjectIdentifier>()
            while let c = stack.popLast() {
                if c === other { return true }
                if seen.insert(ObjectIdentifier(c)).inserted { stack += c.children }
            }
            return false
        }

        func add(_ child: Container) {
            if let p = child.parent { p.children.removeAll { $0 === child } }
            child.parent = self
            children.append(child)
        }

        /// Date of the first stored message breadth-first under (and including) this node.
        var topmostDate: Int64 {
            var queue = [self]
            var i = 0
            while i < queue.count {
                if let r = queue[i].row { return r.ds }
                queue += queue[i].children
                i += 1
            }
            return 0
        }
    }

    /// Builds the forest of `rows` (a thread, plus loose matches if wanted).
    public static func build(_ rows: [OverviewRow]) -> [ThreadNode] {
        var table: [String: Container] = [:]
        var all: [Container] = []
        func get(_ mid: String) -> Container {
            if let c = table[mid] { return c }
            let c = Container(mid: mid)
            table[mid] = c
            all.append(c)
            return c
        }
        var imposters: [OverviewRow] = []
        let sorted = rows.sorted { ($0.ds, $0.num) < ($1.ds, $1.num) }
        var messageContainers: [(Container, OverviewRow)] = []
        for r in sorted {
            let c = get(r.mid)
            if c.row != nil {
                imposters.append(r)
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
        func visible(_ c: Container) -> Bool { c.row != nil || !c.children.isEmpty }
        func sortTree(_ c: Container) {
            if c.children.count > 1 { c.children.sort { $0.topmostDate < $1.topmostDate } }
            for ch in c.children { sortTree(ch) }
        }
        var roots = all.filter { $0.parent == nil && visible($0) }
        roots.sort { $0.topmostDate < $1.topmostDate }
        for r in roots { sortTree(r) }
        func value(_ c: Container) -> ThreadNode {
            var kids = c.children.map(value)
            if let r = c.row {
                let same = imposters.filter { $0.mid == r.mid }
                kids = same.map { ThreadNode(mid: $0.mid, row: $0, children: []) } + kids
            }
            return ThreadNode(mid: c.mid, row: c.row, children: kids)
        }
        return roots.map(value)
    }
}
