/// The nested `<ul class=th><li>` lists of thread views: levels open and close as the entries
/// of a depth-first walk go deeper or come back up.
struct NestedList {
    private(set) var depth = 0
    private var started = false

    /// Before the entry at `level`.
    mutating func enter(_ level: Int, into w: inout HTMLWriter) {
        if level > depth {
            while depth < level {
                w.raw("<ul class=th><li>")
                depth += 1
            }
        } else {
            while depth > level {
                w.raw("</li></ul>")
                depth -= 1
            }
            if level > 0 && started { w.raw("</li><li>") }
        }
        started = true
    }

    /// After the last entry.
    mutating func close(into w: inout HTMLWriter) {
        while depth > 0 {
            w.raw("</li></ul>")
            depth -= 1
        }
    }
}
