/// What changed in a patch's diff between two versions of the patch, as `git range-diff` shows
/// it without applying anything: a diff of the two diffs, each line marked ` ` (in both), `-`
/// (only in the older diff) or `+` (only in the newer), with a few lines of context around each
/// change. `index` lines and the line numbers of hunk headers are left out first: they move with
/// any change elsewhere. The work is bounded: diffs longer than `maxInput` lines together are not
/// compared (`tooLarge`), and at most `maxLines` lines are kept (`omitted` counts the rest).
public struct Interdiff: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        /// ` `, `-` or `+`; `…` for a gap between two changes (its text is empty).
        public var mark: Character
        public var text: String
    }

    public var lines: [Line] = []
    /// Lines of the comparison beyond `maxLines`, not kept.
    public var omitted = 0
    /// The diffs were too long to compare.
    public var tooLarge = false

    /// No change to the diff.
    public var unchanged: Bool { lines.isEmpty && !tooLarge }

    public init(old: String, new: String, context: Int = 2, maxLines: Int = 300, maxInput: Int = 5000) {
        let a = Interdiff.diffLines(of: old)
        let b = Interdiff.diffLines(of: new)
        guard a != b else { return }
        guard a.count + b.count <= maxInput else {
            tooLarge = true
            return
        }
        let d = b.difference(from: a)
        var removed = Set<Int>()
        var inserted = Set<Int>()
        for c in d {
            switch c {
            case .remove(let o, _, _): removed.insert(o)
            case .insert(let o, _, _): inserted.insert(o)
            }
        }
        var ops: [Line] = []
        var (i, j) = (0, 0)
        while i < a.count || j < b.count {
            if i < a.count && removed.contains(i) {
                ops.append(Line(mark: "-", text: a[i]))
                i += 1
            } else if j < b.count && inserted.contains(j) {
                ops.append(Line(mark: "+", text: b[j]))
                j += 1
            } else {
                ops.append(Line(mark: " ", text: a[i]))
                i += 1
                j += 1
            }
        }
        // keep each change with `context` lines either side; a gap between kept runs is `…`
        var keep = [Bool](repeating: false, count: ops.count)
        for (n, op) in ops.enumerated() where op.mark != " " {
            for k in max(0, n - context)...min(ops.count - 1, n + context) { keep[k] = true }
        }
        var last = -1
        for n in ops.indices where keep[n] {
            if last >= 0 && n > last + 1 || last < 0 && n > 0 { append(Line(mark: "…", text: ""), maxLines) }
            append(ops[n], maxLines)
            last = n
        }
    }

    private mutating func append(_ l: Line, _ max: Int) {
        if lines.count < max { lines.append(l) } else if l.mark != "…" { omitted += 1 }
    }

    /// The diff lines of a message body, as compared: diff headers without `index` lines, hunk
    /// headers without line numbers (`@@ func`), and the hunks' lines.
    public static func diffLines(of body: String) -> [String] {
        var out: [String] = []
        for l in BodyLines.classify(body) {
            switch l.kind {
            case .diffHeader:
                if !l.text.hasPrefix("index ") { out.append(String(l.text)) }
            case .hunkHeader:
                let rest = l.text.dropFirst(2)
                if let end = rest.range(of: "@@") {
                    let tail = rest[end.upperBound...]
                    out.append(tail.isEmpty ? "@@" : "@@" + tail)
                } else {
                    out.append("@@")
                }
            case .added, .removed, .context:
                out.append(String(l.text))
            case .text, .quote:
                break
            }
        }
        return out
    }
}
