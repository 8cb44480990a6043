import Mail

/// Finds links in a line of message text: URLs (http, https, ftp, nntp, git …), bare
/// `mid.gmane.org/…`, and `<Message-ID>` references. A URL that names a Message-ID this
/// archive has (`lore.kernel.org/r/…`, `…/INBOX/MID/`, `mid.gmane.org/…`) links locally.
enum Linkify {
    enum Piece {
        case text(Substring)
        case url(Substring, mid: String?)
        /// `<mid>`: written as `&lt;` link `&gt;`.
        case mid(Substring, String)
    }

    static let schemes: [Substring] = ["https", "http", "ftp", "ftps", "nntp", "news", "git", "gopher", "imap", "imaps"]

    /// Message-IDs a line may link to (to ask the index about them in one go).
    static func candidates(_ line: Substring, into out: inout [String]) {
        guard mayLink(line) else { return }
        for p in pieces(line) {
            switch p {
            case .url(_, let mid?): out.append(mid)
            case .mid(_, let m): out.append(m)
            default: break
            }
        }
    }

    /// Whether a line has a byte that could start a link (`:`, `<`, `/`); most lines do not.
    static func mayLink(_ line: Substring) -> Bool {
        line.utf8.contains(where: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "/") })
    }

    static func pieces(_ line: Substring) -> [Piece] {
        let u = line.utf8
        // fast path: nothing that could start a link
        if !mayLink(line) { return [.text(line)] }
        // the scan works on the UTF-8 bytes; every cut is at an ASCII byte (a scalar boundary)
        return u.withContiguousStorageIfAvailable { scan(line, $0) } ?? scan(line, Array(u))
    }

    private static func scan(_ line: Substring, _ b: some RandomAccessCollection<UInt8>) -> [Piece] {
        let u = line.utf8
        let base = b.startIndex
        func sub(_ from: Int, _ to: Int) -> Substring {
            line[u.index(u.startIndex, offsetBy: from)..<u.index(u.startIndex, offsetBy: to)]
        }
        @inline(__always) func at(_ k: Int) -> UInt8 { b[b.index(base, offsetBy: k)] }
        let n = b.count
        var out: [Piece] = []
        var textStart = 0
        var i = 0
        while i < n {
            let c = at(i)
            if c == UInt8(ascii: "<") {
                var close = i + 1
                while close < n && at(close) != UInt8(ascii: ">") { close += 1 }
                if close < n {
                    var at_ = false
                    var bad = false
                    for k in (i + 1)..<close {
                        let x = at(k)
                        if x == UInt8(ascii: "@") { at_ = true }
                        if x == UInt8(ascii: " ") || x == UInt8(ascii: "\t") || x == UInt8(ascii: "<") {
                            bad = true
                            break
                        }
                    }
                    if at_ && !bad && close - i - 1 <= MessageID.maxLength {
                        if textStart < i { out.append(.text(sub(textStart, i))) }
                        let inner = sub(i + 1, close)
                        out.append(.mid(inner, String(inner)))
                        i = close + 1
                        textStart = i
                        continue
                    }
                }
            } else if c == UInt8(ascii: ":") || c == UInt8(ascii: "m") {
                if let (start, end) = matchURL(b, n, at: i), start >= textStart {
                    if textStart < start { out.append(.text(sub(textStart, start))) }
                    let url = sub(start, end)
                    out.append(.url(url, mid: midInURL(url)))
                    i = end
                    textStart = end
                    continue
                }
            }
            i += 1
        }
        if textStart < n { out.append(.text(sub(textStart, n))) }
        return out
    }

    private static let gmane = Array("mid.gmane.org/".utf8)

    @inline(__always) private static func isASCIILetter(_ x: UInt8) -> Bool { (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A }

    /// At a `:` of `scheme://`, or at the `m` of a bare `mid.gmane.org/`: the URL's byte range.
    private static func matchURL(_ b: some RandomAccessCollection<UInt8>, _ n: Int, at i: Int) -> (Int, Int)? {
        let base = b.startIndex
        @inline(__always) func at(_ k: Int) -> UInt8 { b[b.index(base, offsetBy: k)] }
        var start: Int
        let bare = at(i) == UInt8(ascii: "m")
        if bare {
            guard i + gmane.count <= n, (0..<gmane.count).allSatisfy({ at(i + $0) == gmane[$0] }) else { return nil }
            if i > 0 {
                // not inside a word or a path (a non-ASCII byte counts as a letter)
                let p = at(i - 1)
                if p >= 0x80 || isASCIILetter(p) || (p >= 0x30 && p <= 0x39) || p == UInt8(ascii: "/") || p == UInt8(ascii: ".") {
                    return nil
                }
            }
            start = i
        } else {
            guard i + 2 < n, at(i + 1) == UInt8(ascii: "/"), at(i + 2) == UInt8(ascii: "/") else { return nil }
            start = i
            while start > 0 && isASCIILetter(at(start - 1)) { start -= 1 }
            guard start < i else { return nil }
            let scheme = String(decoding: (start..<i).map { at($0) | 0x20 }, as: UTF8.self)
            guard schemes.contains(Substring(scheme)) else { return nil }
        }
        var end = start
        while end < n {
            let c = at(end)
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "<") || c == UInt8(ascii: ">")
                || c == UInt8(ascii: "\"") || c < 0x20 || (c == 0xC2 && end + 1 < n && at(end + 1) == 0xA0)
            {
                break
            }
            end += 1
        }
        // trailing punctuation is not part of the URL; unbalanced closing brackets neither
        while end > start {
            let l = at(end - 1)
            if l == UInt8(ascii: ".") || l == UInt8(ascii: ",") || l == UInt8(ascii: ";") || l == UInt8(ascii: ":")
                || l == UInt8(ascii: "!") || l == UInt8(ascii: "?") || l == UInt8(ascii: "'")
            {
                end -= 1
            } else if l == UInt8(ascii: ")") || l == UInt8(ascii: "]") {
                let open = l == UInt8(ascii: ")") ? UInt8(ascii: "(") : UInt8(ascii: "[")
                var opens = 0
                var closes = 0
                for k in start..<end {
                    let x = at(k)
                    if x == open { opens += 1 } else if x == l { closes += 1 }
                }
                if opens < closes { end -= 1 } else { break }
            } else {
                break
            }
        }
        guard end - start > (bare ? 14 : 3 + (i - start)) else { return nil }
        return (start, end)
    }

    /// The Message-ID a URL names, if it looks like an archive link.
    static func midInURL(_ url: Substring) -> String? {
        var rest = url
        if let r = rest.range(of: "://") { rest = rest[r.upperBound...] }
        if let q = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<q] }
        let segs = rest.split(separator: "/", omittingEmptySubsequences: true)
        guard segs.count >= 2 else { return nil }
        for seg in segs.dropFirst() {
            let m = URLs.unescapeMid(seg)
            if m.contains("@"), m.utf8.count <= MessageID.maxLength { return m }
        }
        return nil
    }
}
