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
        for p in pieces(line) {
            switch p {
            case .url(_, let mid?): out.append(mid)
            case .mid(_, let m): out.append(m)
            default: break
            }
        }
    }

    static func pieces(_ line: Substring) -> [Piece] {
        let u = line.utf8
        // fast path: nothing that could start a link
        var maybe = false
        for b in u where b == UInt8(ascii: ":") || b == UInt8(ascii: "<") || b == UInt8(ascii: "/") {
            maybe = true
            break
        }
        if !maybe { return [.text(line)] }
        var out: [Piece] = []
        var textStart = line.startIndex
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if c == "<" {
                if let close = line[i...].firstIndex(of: ">") {
                    let inner = line[line.index(after: i)..<close]
                    if inner.contains("@"), inner.utf8.count <= MessageID.maxLength,
                        !inner.contains(where: { $0 == " " || $0 == "\t" || $0 == "<" })
                    {
                        if textStart < i { out.append(.text(line[textStart..<i])) }
                        out.append(.mid(inner, String(inner)))
                        i = line.index(after: close)
                        textStart = i
                        continue
                    }
                }
            } else if c == ":" || c == "m" {
                if let (start, end, mid) = matchURL(line, at: i), start >= textStart {
                    if textStart < start { out.append(.text(line[textStart..<start])) }
                    out.append(.url(line[start..<end], mid: mid))
                    i = end
                    textStart = end
                    continue
                }
            }
            i = line.index(after: i)
        }
        if textStart < line.endIndex { out.append(.text(line[textStart...])) }
        return out
    }

    /// At a `:` of `scheme://`, or at the `m` of a bare `mid.gmane.org/`.
    private static func matchURL(_ line: Substring, at i: Substring.Index) -> (Substring.Index, Substring.Index, String?)? {
        var start: Substring.Index
        if line[i] == "m" {
            guard line[i...].hasPrefix("mid.gmane.org/") else { return nil }
            if i > line.startIndex {
                let p = line[line.index(before: i)]
                if p.isLetter || p.isNumber || p == "/" || p == "." { return nil }
            }
            start = i
        } else {
            guard line[i...].hasPrefix("://") else { return nil }
            start = i
            while start > line.startIndex {
                let p = line[line.index(before: start)]
                guard p.isASCII, p.isLetter else { break }
                start = line.index(before: start)
            }
            guard schemes.contains(line[start..<i].lowercased()[...]) else { return nil }
        }
        var end = start
        while end < line.endIndex {
            let c = line[end]
            if c == " " || c == "\t" || c == "<" || c == ">" || c == "\"" || c == "\u{A0}" || (c.isASCII && c.asciiValue! < 0x20) { break }
            end = line.index(after: end)
        }
        // trailing punctuation is not part of the URL; unbalanced closing brackets neither
        while end > start {
            let l = line[line.index(before: end)]
            if ".,;:!?'".contains(l) {
                end = line.index(before: end)
            } else if l == ")" || l == "]" {
                let open: Character = l == ")" ? "(" : "["
                let s = line[start..<end]
                if s.filter({ $0 == open }).count < s.filter({ $0 == l }).count { end = line.index(before: end) } else { break }
            } else {
                break
            }
        }
        let url = line[start..<end]
        guard url.count > (line[i] == "m" ? 14 : 3 + (line.distance(from: start, to: i))) else { return nil }
        return (start, end, midInURL(url))
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
