import Index
import Mail

/// `MID/d/`: how the copies stored under one Message-ID differ — a line diff of each later
/// copy against the first (raw messages, headers included).
enum DiffPage {
    static func render(scope: Scope, mid: String) throws -> Reply {
        let docs = try scope.docs(mid: mid)
        guard docs.count > 1 else { return .notFoundPlain("No differing copies of this Message-ID\n") }
        let raws = try docs.map { String(decoding: try $0.inbox.raw($0.row).prefix(PageBounds.maxBytes), as: UTF8.self) }
        var w = HTMLWriter(capacity: 65536)
        Layout.start(&w, title: "diff of copies of <" + mid + ">", scope: scope, upfx: "../../")
        w.raw("<h1>")
        w.text("\(docs.count) messages have the Message-ID <\(mid)>")
        w.raw("</h1><p><a href=\"../\">back to the message</a></p>")
        let a = raws[0].split(separator: "\n", omittingEmptySubsequences: false)
        for i in 1..<docs.count {
            let b = raws[i].split(separator: "\n", omittingEmptySubsequences: false)
            w.raw("<h2>")
            w.text("copy #1 (\(docs[0].inbox.name) #\(docs[0].row.num)) → copy #\(i + 1) (\(docs[i].inbox.name) #\(docs[i].row.num))")
            w.raw("</h2><pre>")
            for op in LineDiff.diff(a, b) {
                switch op {
                case .same(let l):
                    w.text(" " + l)
                case .removed(let l):
                    w.raw("<span class=\"del\">")
                    w.text("-" + l)
                    w.raw("</span>")
                case .added(let l):
                    w.raw("<span class=\"add\">")
                    w.text("+" + l)
                    w.raw("</span>")
                case .skipped(let n):
                    w.raw("<span class=\"hunk\">@@ \(n) unchanged lines @@</span>")
                }
                w.raw("\n")
            }
            w.raw("</pre>")
        }
        Layout.end(&w, scope: scope, upfx: "../../")
        return .html(w.bytes)
    }
}

/// A small line diff (LCS), with long unchanged stretches folded.
enum LineDiff {
    enum Op: Equatable {
        case same(Substring)
        case removed(Substring)
        case added(Substring)
        case skipped(Int)
    }

    static func diff(_ a: [Substring], _ b: [Substring], context: Int = 3) -> [Op] {
        // trim the common prefix and suffix, LCS on the middle (bounded)
        var p = 0
        while p < a.count && p < b.count && a[p] == b[p] { p += 1 }
        var s = 0
        while s < a.count - p && s < b.count - p && a[a.count - 1 - s] == b[b.count - 1 - s] { s += 1 }
        let am = Array(a[p..<(a.count - s)])
        let bm = Array(b[p..<(b.count - s)])
        var mid: [Op] = []
        if am.count * bm.count > 4_000_000 {
            mid = am.map { .removed($0) } + bm.map { .added($0) }
        } else {
            let n = am.count, m = bm.count
            var t = [[Int32]](repeating: [Int32](repeating: 0, count: m + 1), count: n + 1)
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    t[i][j] = am[i] == bm[j] ? t[i + 1][j + 1] + 1 : max(t[i + 1][j], t[i][j + 1])
                }
            }
            var i = 0, j = 0
            while i < n || j < m {
                if i < n && j < m && am[i] == bm[j] {
                    mid.append(.same(am[i]))
                    i += 1
                    j += 1
                } else if j < m && (i == n || t[i][j + 1] >= t[i + 1][j]) {
                    mid.append(.added(bm[j]))
                    j += 1
                } else {
                    mid.append(.removed(am[i]))
                    i += 1
                }
            }
        }
        let all: [Op] = a[0..<p].map { .same($0) } + mid + a[(a.count - s)...].map { .same($0) }
        // fold unchanged runs longer than 2*context
        var out: [Op] = []
        var k = 0
        while k < all.count {
            guard case .same = all[k] else {
                out.append(all[k])
                k += 1
                continue
            }
            var e = k
            while e < all.count, case .same = all[e] { e += 1 }
            let run = e - k
            let lead = k == 0 ? 0 : context
            let trail = e == all.count ? 0 : context
            if run > lead + trail + 1 {
                out += all[k..<(k + lead)]
                out.append(.skipped(run - lead - trail))
                out += all[(e - trail)..<e]
            } else {
                out += all[k..<e]
            }
            k = e
        }
        return out
    }
}
