/// public-inbox's Message-ID rules: which ids a message has, which it refers to, and how an id
/// is written in a URL.
public enum MessageID {
    /// Ids longer than this are truncated (own ids) or ignored (references), as public-inbox does.
    public static let maxLength = 244

    /// Every `<…>` in the given header values; a value without brackets counts whole.
    /// CR, LF and TAB are removed, duplicates dropped, over-long ids truncated.
    public static func ids(fromMessageIDValues values: [String]) -> [String] {
        var found: [String] = []
        for v in values {
            let inBrackets = bracketed(v)
            if inBrackets.isEmpty {
                let t = v.trimmingASCIIWhitespace()
                if !t.isEmpty { found.append(t) }
            } else {
                found += inBrackets
            }
        }
        var seen = Set<String>()
        var out: [String] = []
        for raw in found {
            var id = clean(raw)
            if id.utf8.count > maxLength { id = truncateUTF8(id, to: maxLength) }
            if id.isEmpty { continue }
            if seen.insert(id).inserted { out.append(id) }
        }
        return out
    }

    /// The ids a message refers to: `<…>` in References then In-Reply-To, without duplicates,
    /// without the message's own ids, without the message's addresses (old git-send-email put
    /// addresses or "y"/"n" answers there), and without ids longer than `maxLength`.
    public static func references(
        referencesValues: [String], inReplyToValues: [String], ownIDs: [String], addresses: [String]
    ) -> [String] {
        var seen = Set(ownIDs)
        seen.insert("y")
        seen.insert("n")
        for a in addresses { seen.insert(a) }
        var out: [String] = []
        for v in referencesValues + inReplyToValues {
            for raw in bracketed(v) {
                let id = clean(raw)
                if id.isEmpty || id.utf8.count > maxLength { continue }
                if seen.insert(id).inserted { out.append(id) }
            }
        }
        return out
    }

    /// The contents of every `<…>` in `value`.
    static func bracketed(_ value: String) -> [String] {
        var out: [String] = []
        var current: [Unicode.Scalar]? = nil
        for s in value.unicodeScalars {
            if s == "<" {
                current = []
            } else if s == ">" {
                if let c = current, !c.isEmpty {
                    var str = String.UnicodeScalarView()
                    str.append(contentsOf: c)
                    out.append(String(str))
                }
                current = nil
            } else if current != nil {
                current!.append(s)
            }
        }
        return out
    }

    static func clean(_ id: String) -> String {
        String(String.UnicodeScalarView(id.unicodeScalars.filter { $0 != "\n" && $0 != "\r" && $0 != "\t" }))
    }

    static func truncateUTF8(_ s: String, to n: Int) -> String {
        var bytes = Array(s.utf8.prefix(n))
        while !bytes.isEmpty, String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Characters kept as they are in a URL path segment; everything else is %XX.
    static let urlSafe: [Bool] = {
        var t = [Bool](repeating: false, count: 256)
        for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@".utf8 { t[Int(b)] = true }
        return t
    }()
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// A Message-ID as it appears in a URL (public-inbox's mid_escape).
    public static func urlEscape(_ id: String) -> String {
        let hex = hexDigits
        let safe = urlSafe
        var out = [UInt8]()
        out.reserveCapacity(id.utf8.count + 8)
        for b in id.utf8 {
            if safe[Int(b)] {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes %XX escapes in a URL path segment (invalid escapes stay as they are).
    public static func urlUnescape(_ s: String) -> String {
        let bytes = Array(s.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        func val(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x41 + 10
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let h = val(bytes[i + 1]), let l = val(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return Charset.stringFromHeaderBytes(out)
    }
}
