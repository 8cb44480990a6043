import Support

/// A message's body text read without the MIME parser, for the shapes most list mail has: one
/// `text/plain` body, or a `multipart/mixed` of `text/plain` parts (the list's footer appended as
/// a part), each in 7bit, 8bit, base64 or quoted-printable. Anything else, or anything unusual in
/// those (nesting, attachments, names, broken encodings), answers nil and the caller uses GMime.
/// What it returns equals `Message.parse(raw).bodyText` (tested on every fixture and the corpus).
enum QuickBody {
    /// The only header fields the reader looks at.
    static let fields = ["content-type", "content-transfer-encoding", "content-disposition"]

    static func text(_ raw: [UInt8]) -> String? {
        parts(raw).map { $0.compactMap(\.text).joined(separator: "\n") }
    }

    /// The leaves of those shapes exactly as `MIMETree` reads them with GMime (numbered `1`, or
    /// `1`, `2` … in a `multipart/mixed`), nil for anything else. Most list mail is parsed here:
    /// GMime's parser was the largest single cost of indexing (~16% of `index --rebuild`, perf).
    static func parts(_ raw: [UInt8]) -> [MIMEPart]? {
        let (headerEnd, bodyStart) = headerBoundary(raw)
        guard headerEnd <= ParseLimits.default.maxHeaderBytes, raw.count <= ParseLimits.default.maxBytes,
            onlyFields(raw[0..<headerEnd])
        else { return nil }
        let headers = Headers.parse(raw[0..<headerEnd], only: fields)
        guard let type = ContentType(headers) else { return nil }
        let body = raw[bodyStart...]
        if type.mime == "text/plain" {
            return part(headers, type, body, index: "1").map { [$0] }
        }
        guard type.mime == "multipart/mixed", let boundary = type.boundary, !boundary.isEmpty else { return nil }
        guard let contents = split(body, boundary: Array(("--" + boundary).utf8)) else { return nil }
        var leaves: [MIMEPart] = []
        for (i, c) in contents.enumerated() {
            let (end, start) = headerBoundary(c)
            guard onlyFields(c[..<end]) else { return nil }
            let h = Headers.parse(c[..<end], only: fields)
            // a part with no header block at all starts with its content (GMime reads it so too,
            // but whether a first line is a header is its call: leave those to it)
            guard !h.fields.isEmpty, let t = ContentType(h, default: "text/plain"), t.mime == "text/plain",
                let leaf = part(h, t, c[start...], index: String(i + 1))
            else { return nil }
            leaves.append(leaf)
        }
        return leaves.isEmpty ? nil : leaves
    }

    /// True when every line of a header block is a field (`Name:`) or continues one. `Headers`
    /// skips a junk line (`R`, `Return Path: x`), where GMime may end the header block or
    /// read it otherwise: such mail is left to GMime (found by scripts/fuzz.sh message).
    static func onlyFields(_ block: ArraySlice<UInt8>) -> Bool {
        var atLineStart = true
        var inName = false
        var first = true
        for b in block {
            if atLineStart {
                atLineStart = false
                if b == 0x0A || b == 0x0D || b == UInt8(ascii: ":") { return false }
                if b == 0x20 || b == 0x09 {
                    if first { return false }
                    continue
                }
                first = false
                inName = true
            }
            if b == 0x0A {
                if inName { return false }
                atLineStart = true
            } else if inName {
                if b == UInt8(ascii: ":") {
                    inName = false
                } else if b <= 0x20 || b >= 0x7F {
                    return false
                }
            }
        }
        return !inName
    }

    /// One `text/plain` leaf: decoded, then its charset.
    static func part(_ headers: Headers, _ type: ContentType, _ content: ArraySlice<UInt8>, index: String) -> MIMEPart? {
        // inline, or no disposition; a name or file name makes it an attachment to GMime
        let dispositions = headers.all("Content-Disposition")
        guard type.name == nil, dispositions.count <= 1 else { return nil }
        // a charset label that is one plain token reads the same to GMime (comments, spaces: its call)
        if let cs = type.charset, cs.isEmpty || !cs.utf8.allSatisfy(isTokenByte) { return nil }
        if let d = dispositions.first?.unfolded.lowercased(), d != "inline", d != "inline;" { return nil }
        let encodings = headers.all("Content-Transfer-Encoding")
        guard encodings.count <= 1 else { return nil }
        let bytes: [UInt8]
        switch encodings.first?.unfolded.lowercased() ?? "" {
        case "", "7bit", "8bit", "binary": bytes = Array(content)
        case "base64":
            guard let b = base64(content) else { return nil }
            bytes = b
        case "quoted-printable":
            guard let b = quotedPrintable(content) else { return nil }
            bytes = b
        default: return nil
        }
        let decoded = Charset.decode(bytes, charset: type.charset)
        return MIMEPart(
            index: index, contentType: type.mime, charset: type.charset, filename: nil, isAttachment: false, bytes: bytes,
            text: decoded.text, mangled: decoded.mangled)
    }

    static func isTokenByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x2E
            || b == 0x3A
    }

    /// The contents of the parts between `--boundary` lines (without the line break before each
    /// boundary); nil when the closing `--boundary--` is missing or a line only starts like one.
    static func split(_ body: ArraySlice<UInt8>, boundary: [UInt8]) -> [ArraySlice<UInt8>]? {
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var lineStart = body.startIndex
        while lineStart < body.endIndex {
            var lineEnd = lineStart
            while lineEnd < body.endIndex && body[lineEnd] != 0x0A { lineEnd += 1 }
            let line = body[lineStart..<lineEnd]
            if line.starts(with: boundary) {
                var rest = line.dropFirst(boundary.count)
                let closing = rest.starts(with: [0x2D, 0x2D])
                if closing { rest = rest.dropFirst(2) }
                guard rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { return nil }
                if let s = partStart {
                    // the line break before the boundary belongs to the boundary
                    var e = lineStart
                    if e > s && body[e - 1] == 0x0A { e -= 1 }
                    if e > s && body[e - 1] == 0x0D { e -= 1 }
                    parts.append(body[s..<e])
                }
                if closing { return parts }
                partStart = lineEnd < body.endIndex ? lineEnd + 1 : lineEnd
            }
            lineStart = lineEnd + 1
        }
        return nil
    }

    /// Base64 with line breaks; nil on anything but the alphabet, whitespace and final padding.
    static func base64(_ s: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(s.count * 3 / 4)
        var acc: UInt32 = 0
        var n = 0
        var padding = 0
        for c in s {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            case UInt8(ascii: "="):
                padding += 1
                continue
            case 0x20, 0x09, 0x0D, 0x0A: continue
            default: return nil
            }
            guard padding == 0 else { return nil }
            acc = acc << 6 | v
            n += 1
            if n == 4 {
                out.append(UInt8(acc >> 16 & 0xFF))
                out.append(UInt8(acc >> 8 & 0xFF))
                out.append(UInt8(acc & 0xFF))
                acc = 0
                n = 0
            }
        }
        switch n {
        case 0: break
        case 2: out.append(UInt8(acc >> 4 & 0xFF))
        case 3:
            out.append(UInt8(acc >> 10 & 0xFF))
            out.append(UInt8(acc >> 2 & 0xFF))
        default: return nil
        }
        return out
    }

    /// Quoted-printable; nil on an `=` that is neither a soft line break nor two hex digits.
    static func quotedPrintable(_ s: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            guard c == UInt8(ascii: "=") else {
                out.append(c)
                i += 1
                continue
            }
            // a soft line break: `=`, optional trailing blanks, the end of the line
            var j = i + 1
            while j < s.endIndex && (s[j] == 0x20 || s[j] == 0x09) { j += 1 }
            if j < s.endIndex && s[j] == 0x0D { j += 1 }
            if j < s.endIndex && s[j] == 0x0A {
                i = j + 1
                continue
            }
            if j == s.endIndex && j > i + 1 { return nil }
            guard i + 2 < s.endIndex, let h = Digest.hexValue(s[i + 1]), let l = Digest.hexValue(s[i + 2]) else { return nil }
            out.append(h << 4 | l)
            i += 3
        }
        return out
    }

    /// The parts of a Content-Type header this reader needs; nil when it has more than one, or
    /// parameters it would have to guess at (RFC 2231 continuations, unbalanced quotes).
    struct ContentType {
        var mime: String
        var charset: String?
        var boundary: String?
        var name: String?

        init?(_ headers: Headers, default: String = "text/plain") {
            let all = headers.all("Content-Type")
            guard all.count <= 1 else { return nil }
            guard let value = all.first?.unfolded else {
                mime = `default`
                return
            }
            var params = value.split(separator: ";", omittingEmptySubsequences: false).map { String($0).trimmingASCIIWhitespace() }
            mime = params.removeFirst().lowercased()
            guard mime.contains("/") else { return nil }
            for p in params where !p.isEmpty {
                guard let eq = p.firstIndex(of: "=") else { return nil }
                let key = String(p[..<eq]).trimmingASCIIWhitespace().lowercased()
                guard !key.hasSuffix("*") else { return nil }
                var v = String(p[p.index(after: eq)...]).trimmingASCIIWhitespace()
                if v.hasPrefix("\"") {
                    guard v.count >= 2, v.hasSuffix("\""), !v.dropFirst().dropLast().contains("\"") else { return nil }
                    v = String(v.dropFirst().dropLast())
                }
                switch key {
                case "charset": charset = v
                case "boundary": boundary = v
                case "name": name = v
                default: break
                }
            }
        }
    }
}
