import Foundation
import Mail

/// The MIME structure of a message in its transfer form (CRLF line ends), by byte ranges:
/// what BODYSTRUCTURE describes and what `BODY[1.2.MIME]`-style sections cut out.
struct MIMEStructure {
    let bytes: [UInt8]
    let header: Range<Int>
    let body: Range<Int>
    let type: String
    let subtype: String
    /// Content-Type parameters, names lower case, in order.
    let parameters: [(String, String)]
    let fields: Headers
    /// Parts of a multipart; the message of a message/rfc822 part.
    let children: [MIMEStructure]

    var isMultipart: Bool { type == "multipart" }
    var isMessage: Bool { type == "message" && (subtype == "rfc822" || subtype == "global" || subtype == "news") }

    /// The message `raw` as IMAP serves it: an mbox `From ` line dropped, LF turned into CRLF.
    static func transferForm(_ raw: [UInt8]) -> [UInt8] {
        let stored = NNTPArticle.strippingMboxFrom(raw)
        var out: [UInt8] = []
        out.reserveCapacity(stored.count + stored.count / 30)
        var prev: UInt8 = 0
        for b in stored {
            if b == 0x0A && prev != 0x0D { out.append(0x0D) }
            out.append(b)
            prev = b
        }
        return out
    }

    /// Multiparts and attached messages deeper than this are leaves: parsing, BODYSTRUCTURE and
    /// sections recurse once per level, and a message may nest thousands.
    static let maxDepth = 20

    init(_ bytes: [UInt8]) { self.init(bytes, 0..<bytes.count, defaultType: ("text", "plain"), depth: 0) }

    init(_ bytes: [UInt8], _ range: Range<Int>, defaultType: (String, String), depth: Int) {
        self.bytes = bytes
        let slice = bytes[range]
        let (headerEnd, bodyStart) = headerBoundary(slice)
        header = range.lowerBound..<headerEnd
        body = bodyStart..<range.upperBound
        fields = Headers.parse(bytes[header])
        let (t, s, params) = Self.contentType(fields.first("content-type"), default: defaultType)
        (type, subtype, parameters) = (t, s, params)
        var kids: [MIMEStructure] = []
        if depth < Self.maxDepth {
            if t == "multipart", let boundary = params.first(where: { $0.0 == "boundary" })?.1, !boundary.isEmpty {
                let childDefault = s == "digest" ? ("message", "rfc822") : ("text", "plain")
                for r in Self.split(bytes, body, boundary: Array(("--" + boundary).utf8)) {
                    kids.append(MIMEStructure(bytes, r, defaultType: childDefault, depth: depth + 1))
                }
            } else if t == "message" && (s == "rfc822" || s == "global" || s == "news") {
                kids = [MIMEStructure(bytes, body, defaultType: ("text", "plain"), depth: depth + 1)]
            }
        }
        children = kids
    }

    /// Type, subtype (lower case) and parameters of a Content-Type value.
    static func contentType(_ value: String?, default d: (String, String)) -> (String, String, [(String, String)]) {
        guard let value, !value.isEmpty else { return (d.0, d.1, d == ("text", "plain") ? [("charset", "us-ascii")] : []) }
        let (first, params) = valueAndParameters(value)
        let ts = first.lowercased().split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard ts.count == 2, !ts[0].isEmpty, !ts[1].isEmpty else { return ("text", "plain", [("charset", "us-ascii")]) }
        return (ts[0], ts[1], params)
    }

    /// `value; name=param; …` (Content-Type, Content-Disposition): the value and parameters
    /// (names lower case, quotes removed).
    static func valueAndParameters(_ field: String) -> (String, [(String, String)]) {
        let pieces = splitParameters(field)
        var params: [(String, String)] = []
        for p in pieces.dropFirst() {
            guard let eq = p.firstIndex(of: "=") else { continue }
            let k = p[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var v = p[p.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 {
                v = String(v.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            if !k.isEmpty { params.append((k, v)) }
        }
        return (pieces[0], params)
    }

    /// `a; b="c;d"; e` → ["a", "b=\"c;d\"", "e"].
    static func splitParameters(_ s: String) -> [String] {
        var out: [String] = []
        var cur = ""
        var quoted = false
        for c in s {
            if c == "\"" { quoted.toggle() }
            if c == ";" && !quoted {
                out.append(cur)
                cur = ""
            } else {
                cur.append(c)
            }
        }
        out.append(cur)
        return out.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The ranges of a multipart body's parts: between `--boundary` lines, each part's last CRLF
    /// belonging to the delimiter after it.
    static func split(_ bytes: [UInt8], _ body: Range<Int>, boundary: [UInt8]) -> [Range<Int>] {
        var starts: [(lineStart: Int, next: Int, closing: Bool)] = []
        var i = body.lowerBound
        while i < body.upperBound {
            let lf = bytes[i..<body.upperBound].firstIndex(of: 0x0A) ?? body.upperBound
            let line = bytes[i..<lf]
            if line.starts(with: boundary) {
                let rest = line.dropFirst(boundary.count)
                let closing = rest.starts(with: [0x2D, 0x2D])
                let tail = closing ? rest.dropFirst(2) : rest
                if tail.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    starts.append((i, min(lf + 1, body.upperBound), closing))
                    if closing { break }
                }
            }
            i = lf + 1
        }
        var parts: [Range<Int>] = []
        for (k, s) in starts.enumerated() where !s.closing {
            var end = k + 1 < starts.count ? starts[k + 1].lineStart : body.upperBound
            if k + 1 < starts.count {
                if end > s.next, bytes[end - 1] == 0x0A { end -= 1 }
                if end > s.next, bytes[end - 1] == 0x0D { end -= 1 }
            }
            parts.append(s.next..<max(s.next, end))
        }
        return parts
    }

    /// The part a section number names (`1`, `1.2`…); for a message/rfc822 part, numbers go on
    /// into its message. A loop, not a recursion: a client's section may name thousands of levels.
    func part(_ path: [Int]) -> MIMEStructure? {
        var node = self
        for n in path {
            if node.isMessage, let m = node.children.first { node = m }
            if !node.isMultipart {
                // part 1 of a single-part message is its body (and part 1 of that, …)
                guard n == 1 else { return nil }
                continue
            }
            guard n >= 1, n <= node.children.count else { return nil }
            node = node.children[n - 1]
        }
        return node
    }

    var headerBytes: ArraySlice<UInt8> { bytes[header] }
    var bodyBytes: ArraySlice<UInt8> { bytes[body] }
    /// The header with the empty line after it, as `BODY[HEADER]` sends it.
    var headerWithBlankLine: [UInt8] {
        var h = Array(bytes[header])
        if !h.isEmpty && h.last != 0x0A { h += [0x0D, 0x0A] }
        return h + [0x0D, 0x0A]
    }
}
