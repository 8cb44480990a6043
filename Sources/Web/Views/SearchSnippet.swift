import Index
import Mail

/// Snippets of search results: the lines of a message body with the hits, the hit words marked,
/// found the way the index found them (FTS5 word boundaries, stemmed needles).
extension SearchPage {
    /// How many hits of a page get a body snippet.
    static let snippetHits = 10

    /// The text each hit's snippet is cut from, in order: its gist from the index (`gists(of:)`),
    /// or, for an index that predates gists, its body text read from git (FTS5 keeps no text);
    /// nil when neither can be had.
    static func snippetTexts(scope: Scope, hits: ArraySlice<Doc>) -> [String?] {
        var gists: [Int: [Int64: String]?] = [:]
        for d in hits where gists[d.inboxIndex] == nil {
            let nums = hits.filter { $0.inboxIndex == d.inboxIndex }.map(\.row.num)
            gists[d.inboxIndex] = .some((try? d.inbox.index.gists(of: nums)) ?? nil)
        }
        return hits.map { d in
            if let inboxGists = gists[d.inboxIndex] ?? nil { return inboxGists[d.row.num] }
            return (try? d.inbox.raw(d.row)).map { Message.bodyText(of: $0) }
        }
    }

    /// Up to three lines of `text` with hits (or its first two unquoted lines when only headers
    /// hit), trimmed. Works on the UTF-8 bytes: one pass, stopping at the third hit.
    static func snippet(_ text: String, terms: [String]) -> [String] { snippet(text, needles: needles(terms)) }

    /// `snippet(_:terms:)` with the terms' `needles` made once for a page.
    static func snippet(_ text: String, needles: [[UInt8]]) -> [String] {
        var hits: [String] = []
        var plain: [String] = []
        var text = text
        text.withUTF8 { buf in
            let n = buf.count
            var start = 0
            // no words to find (patchid:, m:, dates): the first lines are all there is to show;
            // otherwise look no further than the first 256 KiB (a huge patch without the word)
            while start < n && start < 256 << 10 && hits.count < 3 && !(needles.isEmpty && plain.count == 2) {
                var end = start
                while end < n && buf[end] != 0x0A { end += 1 }
                var a = start
                var b = end
                while a < b && isSpace(buf[a]) { a += 1 }
                while b > a && isSpace(buf[b - 1]) { b -= 1 }
                if a < b {
                    let line = UnsafeBufferPointer(rebasing: buf[a..<b])
                    if !matches(line, needles, first: true).isEmpty {
                        hits.append(trim(line, needles))
                    } else if hits.isEmpty && plain.count < 2 && line[0] != UInt8(ascii: ">") {
                        plain.append(trim(line, needles))
                    }
                }
                start = end + 1
            }
        }
        return hits.isEmpty ? plain : hits
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    /// A line cut to about 160 characters around its first hit.
    static func trim(_ line: UnsafeBufferPointer<UInt8>, _ needles: [[UInt8]]) -> String {
        let s = String(decoding: line, as: UTF8.self)
        guard line.count > 160 else { return s }
        let chars = Array(s)
        guard chars.count > 160 else { return s }
        var start = 0
        if let first = matches(line, needles, first: true).first {
            start = max(0, String(decoding: UnsafeBufferPointer(rebasing: line[..<first.0]), as: UTF8.self).count - 60)
        }
        let end = min(chars.count, start + 160)
        return (start > 0 ? "…" : "") + String(chars[start..<end]) + (end < chars.count ? "…" : "")
    }

    /// The words of the highlight terms, lower-cased (a phrase gives each of its words).
    static func needles(_ terms: [String]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for t in terms {
            for w in Array(t.lowercased().utf8).split(whereSeparator: { !isWord($0) }) {
                let n = stem(Array(w))
                if !out.contains(n) { out.append(n) }
            }
        }
        return out
    }

    /// An English word cut back to what its inflections share, as the index's Porter stemming
    /// matches them: "migrations" finds "migrate", "leaks" finds "leaked". Needles match word
    /// starts, so a cut that is too short only marks a little more.
    static func stem(_ w: [UInt8]) -> [UInt8] {
        guard w.count >= 5 else { return w }
        for suffix in ["ations", "ation", "ings", "ing", "ions", "ion", "edly", "ed", "es", "s"] {
            let s = Array(suffix.utf8)
            if w.count - s.count >= 4 && w.suffix(s.count).elementsEqual(s) { return Array(w.dropLast(s.count)) }
        }
        return w
    }

    /// Word bytes as FTS5's unicode61 tokenizer sees them: `_` separates, so a hit inside
    /// `vhost_sw_live_migration_stop` is found and marked as the index found it.
    static func isWord(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b >= 0x80
    }

    /// Byte ranges of the words in `s` that start with one of `needles` (ASCII case-folded);
    /// with `first`, only the first.
    static func matches(_ s: [UInt8], _ needles: [[UInt8]], first: Bool = false) -> [(Int, Int)] {
        s.withUnsafeBufferPointer { matches($0, needles, first: first) }
    }

    static func matches(_ s: UnsafeBufferPointer<UInt8>, _ needles: [[UInt8]], first: Bool = false) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        var i = 0
        let n = s.count
        while i < n {
            if !isWord(s[i]) || (i > 0 && isWord(s[i - 1])) {
                i += 1
                continue
            }
            var hit = false
            for nd in needles where i + nd.count <= n {
                var ok = true
                for k in 0..<nd.count {
                    var c = s[i + k]
                    if c >= 0x41 && c <= 0x5A { c += 0x20 }
                    if c != nd[k] {
                        ok = false
                        break
                    }
                }
                if ok {
                    hit = true
                    break
                }
            }
            var j = i
            while j < n && isWord(s[j]) { j += 1 }
            if j == i { j = i + 1 }
            if hit {
                out.append((i, j))
                if first { break }
            }
            i = j
        }
        return out
    }

    /// `line`, escaped, with the words that match `terms` in `<mark>`.
    static func highlight(_ line: String, terms: [String], into w: inout HTMLWriter) {
        highlight(line, needles: needles(terms), into: &w)
    }

    static func highlight(_ line: String, needles: [[UInt8]], into w: inout HTMLWriter) {
        let bytes = Array(line.utf8)
        var pos = 0
        for (a, b) in matches(bytes, needles) {
            w.text(String(decoding: bytes[pos..<a], as: UTF8.self))
            w.raw("<mark>")
            w.text(String(decoding: bytes[a..<b], as: UTF8.self))
            w.raw("</mark>")
            pos = b
        }
        w.text(String(decoding: bytes[pos...], as: UTF8.self))
    }
}
