import CGMime

#if canImport(Glibc)
    import Glibc
#endif

/// Decoding bytes in a declared charset to UTF-8 through iconv, never failing: where the
/// label lies or is unknown, the text is decoded as best it can be and marked as possibly mangled.
public enum Charset {
    /// The decoded text and whether it may be mangled (the bytes did not fit the label).
    public struct Decoded: Sendable, Equatable {
        public var text: String
        public var mangled: Bool
    }

    /// Decodes `bytes` labelled with `charset` (nil: unlabelled, taken as US-ASCII/UTF-8).
    public static func decode(_ bytes: [UInt8], charset label: String?) -> Decoded {
        let name = (label ?? "").trimmingASCIIWhitespace().lowercased()
        let isUTF8Label = name.isEmpty || name == "utf-8" || name == "utf8" || name == "us-ascii" || name == "ascii"
        // ASCII bytes are themselves unless the charset is a 7-bit stateful one (ISO-2022-*, UTF-7, HZ)
        let sevenBitStateful = name.hasPrefix("iso-2022") || name.hasPrefix("utf-7") || name.hasPrefix("hz")
        if isUTF8Label || (allASCII(bytes) && !sevenBitStateful) {
            if let s = String(validating: bytes, as: UTF8.self) { return Decoded(text: s, mangled: false) }
            // labelled UTF-8/ASCII but not: most such mail is Windows-1252
            if let s = iconvDecode(bytes, from: "WINDOWS-1252", lossy: false) { return Decoded(text: s, mangled: true) }
            return Decoded(text: String(decoding: bytes, as: UTF8.self), mangled: true)
        }
        let iconvName = canonicalName(name)
        if let s = iconvDecode(bytes, from: iconvName, lossy: false) { return Decoded(text: s, mangled: false) }
        // the label lies or is unknown: UTF-8 if it is that, else decode what fits
        if let s = String(validating: bytes, as: UTF8.self) { return Decoded(text: s, mangled: true) }
        if let s = iconvDecode(bytes, from: iconvName, lossy: true) { return Decoded(text: s, mangled: true) }
        return Decoded(text: String(decoding: bytes, as: UTF8.self), mangled: true)
    }

    /// A header value's raw bytes as a String: UTF-8 when valid, else Windows-1252/Latin-1.
    public static func stringFromHeaderBytes(_ bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        var v = String.UnicodeScalarView()
        for b in bytes { v.append(Unicode.Scalar(b)) }  // Latin-1: every byte is a scalar
        return String(v)
    }

    static func allASCII(_ bytes: [UInt8]) -> Bool {
        for b in bytes where b >= 0x80 { return false }
        return true
    }

    /// The iconv name for a MIME charset label (GMime's alias table: "latin1", "ks_c_5601-1987" …).
    static func canonicalName(_ label: String) -> String {
        _ = GMimeRuntime.ready
        guard let p = label.withCString({ g_mime_charset_iconv_name($0) }) else { return label }
        return String(cString: p)
    }

    /// Converts with iconv. `lossy`: an invalid sequence becomes U+FFFD and decoding goes on.
    static func iconvDecode(_ bytes: [UInt8], from charset: String, lossy: Bool) -> String? {
        let cd = iconv_open("UTF-8", charset)
        if cd == iconv_t(bitPattern: -1) { return nil }
        defer { iconv_close(cd) }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2 + 16)
        var input = bytes
        let total = input.count
        var consumed = 0
        var chunk = [UInt8](repeating: 0, count: 16384)
        while consumed < total {
            var inLeft = total - consumed
            var outLeft = chunk.count
            let rc: Int = input.withUnsafeMutableBufferPointer { ib in
                chunk.withUnsafeMutableBufferPointer { ob in
                    var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(ib.baseAddress! + consumed)
                        .assumingMemoryBound(to: CChar.self)
                    var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(ob.baseAddress!)
                        .assumingMemoryBound(to: CChar.self)
                    return iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                }
            }
            let err = rc == -1 ? errno : 0
            out += chunk[0..<(chunk.count - outLeft)]
            consumed = total - inLeft
            if rc == -1 {
                if err == E2BIG { continue }
                if !lossy { return nil }
                // EILSEQ or EINVAL (truncated input): replace one byte and go on
                out += [0xEF, 0xBF, 0xBD]
                consumed += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// GMime's one-time global initialisation.
enum GMimeRuntime {
    static let ready: Void = { g_mime_init() }()
}
