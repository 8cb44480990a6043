import Mail

/// Finds links in a line of message text: URLs (http, https, ftp, nntp, git …), bare
/// `mid.gmane.org/…`, and `<Message-ID>` references. A URL that names a Message-ID this
/// archive has (`lore.kernel.org/r/…`, `…/INBOX/MID/`, `mid.gmane.org/…`) links locally.
enum Linkify {
    /// A run of a line, by byte offsets into it.
    enum Piece {
        case text(Range<Int>)
        case url(Range<Int>, mid: String?)
        /// `<mid>`: the range inside the brackets, written as `&lt;` link `&gt;`.
        case mid(Range<Int>, String)
    }

    static let schemes: [[UInt8]] = ["https", "http", "ftp", "ftps", "nntp", "news", "git", "gopher", "imap", "imaps"].map {
        Array($0.utf8)
    }

    /// Runs `body` on the UTF-8 bytes of `line` (contiguous for every native string; copied
    /// otherwise).
    @inline(__always)
    static func withBytes<R>(_ line: Substring, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = line.utf8.withContiguousStorageIfAvailable(body) { return r }
        return Array(line.utf8).withUnsafeBufferPointer(body)
    }

    /// Message-IDs a line may link to (to ask the index about them in one go).
    static func candidates(_ line: Substring, into out: inout [String]) {
        withBytes(line) { candidates($0, into: &out) }
    }

    static func candidates(_ b: UnsafeBufferPointer<UInt8>, into out: inout [String]) {
        // a Message-ID has an `@` (in a URL maybe as `%40`): a line without either names none
        guard mayLink(b), b.contains(where: { $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "%") }) else { return }
        for p in pieces(b) {
            switch p {
            case .url(_, let mid?): out.append(mid)
            case .mid(_, let m): out.append(m)
            default: break
            }
        }
    }

    /// Whether a line has a byte that could start a link (`:`, `<`, `/`); most lines do not.
    @inline(__always)
    static func mayLink(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in b where c == UInt8(ascii: ":") || c == UInt8(ascii: "<") || c == UInt8(ascii: "/") { return true }
        return false
    }

    /// The line cut into text, URLs and `<Message-ID>`s. Every cut is at an ASCII byte (a
    /// scalar boundary).
    static func pieces(_ b: UnsafeBufferPointer<UInt8>) -> [Piece] {
        let n = b.count
        if !mayLink(b) { return [.text(0..<n)] }
        var out: [Piece] = []
        var textStart = 0
        var i = 0
        while i < n {
            let c = b[i]
            if c == UInt8(ascii: "<") {
                var close = i + 1
                while close < n && b[close] != UInt8(ascii: ">") { close += 1 }
                if close < n {
                    var at_ = false
                    var bad = false
                    for k in (i + 1)..<close {
                        let x = b[k]
                        if x == UInt8(ascii: "@") { at_ = true }
                        if x == UInt8(ascii: " ") || x == UInt8(ascii: "\t") || x == UInt8(ascii: "<") {
                            bad = true
                            break
                        }
                    }
                    if at_ && !bad && close - i - 1 <= MessageID.maxLength {
                        if textStart < i { out.append(.text(textStart..<i)) }
                        out.append(
                            .mid((i + 1)..<close, String(decoding: UnsafeBufferPointer(rebasing: b[(i + 1)..<close]), as: UTF8.self)))
                        i = close + 1
                        textStart = i
                        continue
                    }
                }
            } else if c == UInt8(ascii: ":") || c == UInt8(ascii: "m") {
                if let (start, end) = matchURL(b, n, at: i), start >= textStart {
                    if textStart < start { out.append(.text(textStart..<start)) }
                    out.append(.url(start..<end, mid: midInURL(UnsafeBufferPointer(rebasing: b[start..<end]))))
                    i = end
                    textStart = end
                    continue
                }
            }
            i += 1
        }
        if textStart < n { out.append(.text(textStart..<n)) }
        return out
    }

    private static let gmane = Array("mid.gmane.org/".utf8)

    @inline(__always) private static func isASCIILetter(_ x: UInt8) -> Bool { (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A }

    /// At a `:` of `scheme://`, or at the `m` of a bare `mid.gmane.org/`: the URL's byte range.
    private static func matchURL(_ b: UnsafeBufferPointer<UInt8>, _ n: Int, at i: Int) -> (Int, Int)? {
        @inline(__always) func at(_ k: Int) -> UInt8 { b[k] }
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
            let len = i - start
            guard
                schemes.contains(where: { sch in
                    sch.count == len && (0..<len).allSatisfy { at(start + $0) | 0x20 == sch[$0] }
                })
            else { return nil }
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

    /// The Message-ID a URL names, if it looks like an archive link: the first path segment
    /// after the host that holds an `@` once unescaped.
    static func midInURL(_ url: UnsafeBufferPointer<UInt8>) -> String? {
        var lo = 0
        var hi = url.count
        // after `://`
        var k = 0
        while k + 2 < hi {
            if url[k] == UInt8(ascii: ":") && url[k + 1] == UInt8(ascii: "/") && url[k + 2] == UInt8(ascii: "/") {
                lo = k + 3
                break
            }
            k += 1
        }
        // before `?` or `#`
        for j in lo..<hi where url[j] == UInt8(ascii: "?") || url[j] == UInt8(ascii: "#") {
            hi = j
            break
        }
        // segments between `/`, empty ones skipped; the first is the host
        var segments = 0
        var j = lo
        while j < hi {
            while j < hi && url[j] == UInt8(ascii: "/") { j += 1 }
            guard j < hi else { break }
            let start = j
            var at = false
            while j < hi && url[j] != UInt8(ascii: "/") {
                if url[j] == UInt8(ascii: "@") || url[j] == UInt8(ascii: "%") { at = true }
                j += 1
            }
            segments += 1
            if segments >= 2 && at {
                let m = URLs.unescapeMid(Substring(String(decoding: UnsafeBufferPointer(rebasing: url[start..<j]), as: UTF8.self)))
                if m.contains("@"), m.utf8.count <= MessageID.maxLength { return m }
            }
        }
        return nil
    }
}
