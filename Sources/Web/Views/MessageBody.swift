import Mail

/// Renders a message's body for a page: each MIME leaf as text (quotes, diffs, links) or as
/// an attachment line linking to `IDX-FILENAME`, as public-inbox's `add_text_body` does.
struct MessageBody {
    /// Prefix of attachment links (`""` on the message page, `../../MID/` on thread pages).
    var attachmentPrefix: String
    /// Prefix of local message links (`../` on the message page, `../../` on thread pages).
    var midPrefix: String
    /// Message-IDs the archive has (quoted ids link only when they resolve).
    var known: Set<String>

    /// Message-IDs the body mentions, to look up before rendering.
    static func candidates(_ m: Message) -> [String] {
        var out: [String] = []
        for p in m.parts where isText(p) {
            guard let t = p.text else { continue }
            // line by line over the text's bytes
            Linkify.withBytes(Substring(t)) { b in
                var start = 0
                while start < b.count {
                    var end = start
                    while end < b.count && b[end] != UInt8(ascii: "\n") { end += 1 }
                    Linkify.candidates(UnsafeBufferPointer(rebasing: b[start..<end]), into: &out)
                    start = end + 1
                }
            }
        }
        return out
    }

    static func isText(_ p: MIMEPart) -> Bool {
        guard p.text != nil else { return false }
        return p.contentType != "text/html" && p.contentType != "text/xhtml" && p.contentType != "text/x-html"
    }

    static func isMultipart(_ m: Message) -> Bool {
        (m.headers.first("Content-Type")?.lowercased().hasPrefix("multipart/") ?? false) || m.parts.count > 1
    }

    func render(_ m: Message, into w: inout HTMLWriter) {
        let multipart = MessageBody.isMultipart(m)
        if m.parts.isEmpty {
            // unparsable MIME: show the body bytes as text
            renderText(Charset.decode(Array(m.body), charset: nil).text, into: &w)
            for p in m.problems {
                w.raw("\n<span class=\"warn\">[-- ")
                w.text(p)
                w.raw(" --]</span>\n")
            }
            return
        }
        for p in m.parts {
            let text = MessageBody.isText(p)
            if !text || p.filename != nil || multipart || p.mangled {
                guard !p.bytes.isEmpty else { continue }
                if p.index != "1" { w.raw("\n") }
                attachmentLink(p, into: &w)
                if !text { continue }
                w.raw("\n")
            }
            renderText(p.text ?? "", into: &w)
        }
        for p in m.problems {
            w.raw("\n<span class=\"warn\">[-- ")
            w.text(p)
            w.raw(" --]</span>\n")
        }
    }

    func attachmentLink(_ p: MIMEPart, into w: inout HTMLWriter) {
        w.raw("<a class=\"att\" href=\"")
        w.attr(attachmentPrefix + p.index + "-" + URLs.attachmentName(p.filename, contentType: p.contentType))
        w.raw("\">")
        if p.mangled { w.raw("[-- Warning: decoded text below may be mangled, UTF-8 assumed --]\n") }
        w.raw("[-- Attachment #")
        w.text(p.index)
        w.raw(": ")
        var type = p.contentType
        if p.mangled, let cs = p.charset { type += "; charset=" + cs }
        if let fn = p.filename, !fn.isEmpty {
            w.text(fn)
            w.raw(" --]\n[-- Type: ")
        } else {
            w.raw("Type: ")
        }
        w.text(type)
        w.raw(", Size: \(p.bytes.count) bytes --]</a>\n")
    }

    /// Text with quoted blocks, diff lines and links marked up.
    func renderText(_ text: String, into w: inout HTMLWriter) {
        let lines = BodyLines.classify(text)
        var i = 0
        while i < lines.count {
            let kind = lines[i].kind
            var j = i
            while j < lines.count && lines[j].kind == kind { j += 1 }
            let cls: String? =
                switch kind {
                case .quote: "q"
                case .added: "add"
                case .removed: "del"
                case .hunkHeader: "hunk"
                case .diffHeader: "dh"
                case .text, .context: nil
                }
            if let cls { w.raw("<span class=\"\(cls)\">") }
            for k in i..<j {
                line(lines[k].text, into: &w)
                if k < j - 1 { w.raw("\n") }
            }
            if cls != nil { w.raw("</span>") }
            w.raw("\n")
            i = j
        }
    }

    func line(_ s: Substring, into w: inout HTMLWriter) {
        Linkify.withBytes(s) { b in
            guard Linkify.mayLink(b) else { return w.text(utf8: b) }
            for piece in Linkify.pieces(b) {
                switch piece {
                case .text(let r): w.text(utf8: UnsafeBufferPointer(rebasing: b[r]))
                case .url(let r, let mid):
                    let u = String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
                    if let mid, known.contains(mid) {
                        w.link(midPrefix + URLs.relativeMid(mid) + "/", u)
                    } else {
                        w.link(u, u, attrs: "rel=\"nofollow\"")
                    }
                case .mid(let r, let mid):
                    w.raw("&lt;")
                    if known.contains(mid) {
                        w.link(midPrefix + URLs.relativeMid(mid) + "/", mid)
                    } else {
                        w.text(utf8: UnsafeBufferPointer(rebasing: b[r]))
                    }
                    w.raw("&gt;")
                }
            }
        }
    }
}
