import CGMime

/// One leaf of a message's MIME tree, decoded: its type, names, bytes and (for text) UTF-8 text.
public struct MIMEPart: Sendable, Equatable {
    /// public-inbox's part number: "1" for a single-part body, "2", "1.2" … in a multipart tree.
    public var index: String
    /// Lower-cased `type/subtype`.
    public var contentType: String
    public var charset: String?
    public var filename: String?
    /// True when Content-Disposition says attachment.
    public var isAttachment: Bool
    /// The content with its transfer encoding undone.
    public var bytes: [UInt8]
    /// For text parts: the content decoded to UTF-8.
    public var text: String?
    /// The charset label did not fit the bytes: the text may be mangled.
    public var mangled: Bool

    public var isText: Bool { contentType.hasPrefix("text/") }
    /// Text shown inline as the message body (not an attachment).
    public var isInlineText: Bool {
        (contentType == "text/plain" || contentType == "text/x-patch" || contentType == "text/x-diff")
            && !(isAttachment && filename != nil)
    }
}

/// Limits against hostile mail: past them a message is kept and served raw, not parsed further.
public struct ParseLimits: Sendable {
    public var maxParts = 1000
    public var maxDepth = 20
    public var maxHeaderBytes = 1 << 20
    public var maxBytes = 128 << 20
    public init() {}
    public static let `default` = ParseLimits()
}

/// Walks GMime's MIME tree of a message into `MIMEPart`s.
enum MIMETree {
    struct Result {
        var parts: [MIMEPart] = []
        var problems: [String] = []
    }

    /// `quick`: the shapes most list mail has are read without GMime (`QuickBody.parts`).
    static func parse(_ raw: [UInt8], limits: ParseLimits, quick: Bool = true) -> Result {
        var result = Result()
        guard raw.count <= limits.maxBytes else {
            result.problems.append("message larger than \(limits.maxBytes) bytes: shown raw")
            return result
        }
        if quick, limits.maxDepth >= 1, let leaves = QuickBody.parts(raw), leaves.count <= limits.maxParts {
            result.parts = leaves
            return result
        }
        _ = GMimeRuntime.ready
        let stream: UnsafeMutablePointer<GMimeStream>? = raw.withUnsafeBufferPointer { p in
            g_mime_stream_mem_new_with_buffer(
                UnsafeRawPointer(p.baseAddress!).assumingMemoryBound(to: CChar.self), p.count)
        }
        guard let stream else {
            result.problems.append("out of memory")
            return result
        }
        defer { tg_unref(UnsafeMutableRawPointer(stream)) }
        guard let parser = g_mime_parser_new_with_stream(stream) else { return result }
        defer { tg_unref(UnsafeMutableRawPointer(parser)) }
        g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE)
        guard let message = g_mime_parser_construct_message(parser, nil) else {
            result.problems.append("no MIME structure could be read")
            return result
        }
        defer { tg_unref(UnsafeMutableRawPointer(message)) }
        guard let top = g_mime_message_get_mime_part(message) else { return result }
        var count = 0
        walk(top, index: [], into: &result, depth: 0, count: &count, limits: limits)
        return result
    }

    private static func walk(
        _ obj: UnsafeMutablePointer<GMimeObject>, index: [Int], into result: inout Result, depth: Int,
        count: inout Int, limits: ParseLimits
    ) {
        if depth > limits.maxDepth {
            result.problems.append("MIME nesting deeper than \(limits.maxDepth): inner parts not shown")
            return
        }
        if count >= limits.maxParts {
            if !result.problems.contains(where: { $0.hasPrefix("more than") }) {
                result.problems.append("more than \(limits.maxParts) MIME parts: the rest not shown")
            }
            return
        }
        if tg_is_multipart(obj) != 0 {
            let mp = tg_as_multipart(obj)
            let n = g_mime_multipart_get_count(mp)
            if n <= 0 { return }
            for i in 0..<n {
                guard let child = g_mime_multipart_get_part(mp, i) else { continue }
                walk(child, index: index + [Int(i) + 1], into: &result, depth: depth + 1, count: &count, limits: limits)
            }
            return
        }
        if tg_is_message_part(obj) != 0 {
            // message/rfc822: the attached message itself is one part, then its contents
            count += 1
            let idx = index.isEmpty ? [1] : index
            if let inner = g_mime_message_part_get_message(tg_as_message_part(obj)),
                let innerTop = g_mime_message_get_mime_part(inner)
            {
                walk(innerTop, index: idx, into: &result, depth: depth + 1, count: &count, limits: limits)
            }
            return
        }
        guard tg_is_part(obj) != 0 else { return }
        count += 1
        let part = tg_as_part(obj)
        let ct = g_mime_object_get_content_type(obj)
        var mime = "text/plain"
        var charset: String?
        if let ct {
            if let m = g_mime_content_type_get_mime_type(ct) {
                mime = String(cString: m).lowercased()
                g_free(m)
            }
            if let c = g_mime_content_type_get_parameter(ct, "charset") { charset = String(cString: c) }
        }
        let filename = g_mime_part_get_filename(part).map { String(cString: $0) }
        let disposition = g_mime_object_get_disposition(obj).map { String(cString: $0).lowercased() }
        var bytes: [UInt8] = []
        if let wrapper = g_mime_part_get_content(part), let mem = g_mime_stream_mem_new() {
            _ = g_mime_data_wrapper_write_to_stream(wrapper, mem)
            if let arr = g_mime_stream_mem_get_byte_array(tg_as_stream_mem(mem)), arr.pointee.len > 0 {
                bytes = Array(UnsafeBufferPointer(start: arr.pointee.data, count: Int(arr.pointee.len)))
            }
            tg_unref(UnsafeMutableRawPointer(mem))
        }
        var text: String?
        var mangled = false
        if mime.hasPrefix("text/") || mime == "message/delivery-status" {
            let d = Charset.decode(bytes, charset: charset)
            text = d.text
            mangled = d.mangled
        }
        let idx = index.isEmpty ? "1" : index.map(String.init).joined(separator: ".")
        result.parts.append(
            MIMEPart(
                index: idx, contentType: mime, charset: charset, filename: filename,
                isAttachment: disposition == "attachment", bytes: bytes, text: text, mangled: mangled))
    }
}

/// RFC 2047 decoding of unstructured header text (Subject, names), any charset iconv knows.
public enum HeaderText {
    public static func decode(_ raw: String) -> String {
        // fast path: nothing encoded and plain ASCII/UTF-8
        if !raw.contains("=?") { return collapseWhitespace(raw) }
        _ = GMimeRuntime.ready
        guard let p = raw.withCString({ g_mime_utils_header_decode_text(nil, $0) }) else { return raw }
        defer { g_free(p) }
        return collapseWhitespace(String(cString: p))
    }

    /// Runs of spaces, tabs and line breaks as one space, none at either end.
    public static func collapseWhitespace(_ s: String) -> String {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        let u = s.utf8
        // most subjects and names have nothing to collapse
        var clean = true
        var prevSpace = true  // a leading space is collapsed
        for b in u {
            let sp = isSpace(b)
            if sp && (prevSpace || b != 0x20) {
                clean = false
                break
            }
            prevSpace = sp
        }
        if clean && !prevSpace { return s }
        if clean && u.isEmpty { return s }
        var out: [UInt8] = []
        out.reserveCapacity(u.count)
        var lastSpace = false
        for b in u {
            if isSpace(b) {
                if !lastSpace && !out.isEmpty { out.append(0x20) }
                lastSpace = true
            } else {
                out.append(b)
                lastSpace = false
            }
        }
        if lastSpace, !out.isEmpty { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }
}
