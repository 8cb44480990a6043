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
        if bytes.withContiguousStorageIfAvailable({ escape($0, quotes: quotes, into: &out) }) != nil { return }
        Array(bytes).withUnsafeBufferPointer { escape($0, quotes: quotes, into: &out) }
    }

    /// Bytes that pass unchanged are copied in runs; only the ones below are looked at one by one.
    @inline(__always)
    private static func needsWork(_ b: UInt8, quotes: Bool) -> Bool {
        if b < 0x20 { return b != 0x09 && b != 0x0A }
        switch b {
        case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), 0x7F, 0xEF: return true
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return quotes
        default: return false
        }
    }

    private static func escape(_ b: UnsafeBufferPointer<UInt8>, quotes: Bool, into out: inout [UInt8]) {
        let n = b.count
        var run = 0
        var i = 0
        while i < n {
            let c = b[i]
            guard needsWork(c, quotes: quotes) else {
                i += 1
                continue
            }
            if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[run..<i])) }
            i += 1
            switch c {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&#34;".utf8)
            case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
            case 0x00: out.append(contentsOf: "\\0".utf8)
            case 0x07: out.append(contentsOf: "\\a".utf8)
            case 0x08: out.append(contentsOf: "\\b".utf8)
            case 0x0B: out.append(contentsOf: "\\v".utf8)
            case 0x0C: out.append(contentsOf: "\\f".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x1B: out.append(contentsOf: "^[".utf8)
            case 0x7F: out.append(contentsOf: "\\x7f".utf8)
            case 0xEF:
                // U+FFFE and U+FFFF (EF BF BE, EF BF BF) become U+FFFD
                if i + 1 < n, b[i] == 0xBF, b[i + 1] == 0xBE || b[i + 1] == 0xBF {
                    out.append(contentsOf: "\u{FFFD}".utf8)
                    i += 2
                } else {
                    out.append(c)
                }
            default:  // the other C0 controls
                out.append(0x5C)
                out.append(UInt8(ascii: "x"))
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 15)])
            }
            run = i
        }
        if run < n { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[run..<n])) }
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
    /// Escaped element content, from UTF-8 bytes.
    @inline(__always) public mutating func text(utf8 b: UnsafeBufferPointer<UInt8>) { HTML.escape(b, quotes: false, into: &bytes) }
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
