/// The two escaping helpers every byte from a message goes through on its way into a page:
/// `text` for element content, `attribute` for quoted attribute values. Both also neutralise
/// control characters (shown as `\xNN`, `^[`, as public-inbox's `ascii_html` does) and the
/// XML-invalid noncharacters U+FFFE/U+FFFF, so their output is valid in HTML and in XML (Atom).
public enum HTML {
    /// Escapes `s` for element content: `&`, `<`, `>` and control characters.
    public static func text(_ s: some StringProtocol) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 16)
        appendText(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Escapes `s` for a double- or single-quoted attribute value: also `"` and `'`.
    public static func attribute(_ s: some StringProtocol) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 16)
        appendAttribute(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    static func appendText(_ s: some StringProtocol, to out: inout [UInt8]) { escape(s.utf8, quotes: false, into: &out) }

    @inline(__always)
    static func appendAttribute(_ s: some StringProtocol, to out: inout [UInt8]) { escape(s.utf8, quotes: true, into: &out) }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func escape(_ bytes: some Collection<UInt8>, quotes: Bool, into out: inout [UInt8]) {
        var it = bytes.makeIterator()
        // a small look-behind for the 3-byte sequences EF BF BE / EF BF BF (U+FFFE, U+FFFF)
        var pendingEF = false
        var pendingEFBF = false
        while let b = it.next() {
            if pendingEFBF {
                pendingEFBF = false
                if b == 0xBE || b == 0xBF {
                    out += [0xEF, 0xBF, 0xBD]  // U+FFFD
                    continue
                }
                out += [0xEF, 0xBF]
            } else if pendingEF {
                pendingEF = false
                if b == 0xBF {
                    pendingEFBF = true
                    continue
                }
                out.append(0xEF)
            }
            switch b {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\"") where quotes: out.append(contentsOf: "&#34;".utf8)
            case UInt8(ascii: "'") where quotes: out.append(contentsOf: "&#39;".utf8)
            case 0x09, 0x0A: out.append(b)
            case 0x00: out += [0x5C, 0x30]  // \0
            case 0x07: out += [0x5C, UInt8(ascii: "a")]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0B: out += [0x5C, UInt8(ascii: "v")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x1B: out += [UInt8(ascii: "^"), UInt8(ascii: "[")]
            case 0x7F: out.append(contentsOf: "\\x7f".utf8)
            case 0x01...0x1F: out += [0x5C, UInt8(ascii: "x"), hex[Int(b >> 4)], hex[Int(b & 15)]]
            case 0xEF: pendingEF = true
            default: out.append(b)
            }
        }
        if pendingEFBF { out += [0xEF, 0xBF] } else if pendingEF { out.append(0xEF) }
    }
}

/// Builds a page as UTF-8 bytes: literal markup through `raw`, message data only through
/// `text` and `attr` (the `HTML` escaping helpers).
public struct HTMLWriter: Sendable {
    public var bytes: [UInt8] = []

    public init(capacity: Int = 8192) { bytes.reserveCapacity(capacity) }

    /// Literal markup written by this program (never message data).
    @inline(__always) public mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }
    /// Escaped element content.
    @inline(__always) public mutating func text(_ s: some StringProtocol) { HTML.appendText(s, to: &bytes) }
    /// Escaped attribute value (the caller writes the surrounding quotes).
    @inline(__always) public mutating func attr(_ s: some StringProtocol) { HTML.appendAttribute(s, to: &bytes) }
    public mutating func append(_ other: HTMLWriter) { bytes.append(contentsOf: other.bytes) }
    public mutating func append(bytes b: [UInt8]) { bytes.append(contentsOf: b) }

    /// `<a href="HREF">TEXT</a>` with both escaped.
    public mutating func link(_ href: String, _ label: some StringProtocol, attrs: String = "") {
        raw("<a href=\"")
        attr(href)
        raw("\"")
        if !attrs.isEmpty { raw(" " + attrs) }
        raw(">")
        text(label)
        raw("</a>")
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }
}
