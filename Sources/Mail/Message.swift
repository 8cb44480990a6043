/// A parsed mail message: the bytes as received plus what was read from them. Parsing never
/// fails; what could not be read is listed in `problems` and the raw bytes stay authoritative.
public struct Message: Sendable {
    /// The message exactly as stored.
    public let raw: [UInt8]
    public let headers: Headers
    /// Offset of the body in `raw`.
    public let bodyOffset: Int
    /// The message's own ids (public-inbox `mids`), first is the primary one.
    public let messageIDs: [String]
    /// Ids this message refers to, oldest ancestor first (References, then In-Reply-To). Read
    /// from the headers when asked: pages rendering a thread's messages rarely need them (6% of
    /// a thread page went to reading them up front), the index asks once.
    public var references: [String] {
        MessageID.references(
            referencesValues: headers.values("References"), inReplyToValues: headers.values("In-Reply-To"),
            ownIDs: messageIDs, addresses: (from + to + cc).map(\.email))
    }
    /// Decoded, whitespace-collapsed Subject ("" when absent).
    public let subject: String
    public let from: [Address]
    public let to: [Address]
    public let cc: [Address]
    /// The Date header, when it could be read.
    public let date: MailDate?
    /// MIME leaves in order.
    public let parts: [MIMEPart]
    /// What could not be parsed (shown raw instead).
    public let problems: [String]

    public var primaryID: String? { messageIDs.first }

    /// The first id in In-Reply-To, else the last in References (the parent, as a reader sees it).
    public var parentID: String? {
        for v in headers.values("In-Reply-To") {
            if let first = MessageID.bracketed(v).first { return MessageID.clean(first) }
        }
        return references.last
    }

    /// Body bytes (after the header block).
    public var body: ArraySlice<UInt8> { raw[bodyOffset...] }

    /// Number of lines in the body.
    public var bodyLineCount: Int {
        var n = 0
        for b in body where b == 0x0A { n += 1 }
        if let l = body.last, l != 0x0A { n += 1 }
        return n
    }

    /// The text shown as the body: inline text parts joined (HTML-only mail: its text rendition).
    public var bodyText: String { Self.bodyText(parts: parts, body: body) }

    static func bodyText(parts: [MIMEPart], body: ArraySlice<UInt8>) -> String {
        let inline = parts.filter(\.isInlineText).compactMap(\.text)
        if !inline.isEmpty { return inline.joined(separator: "\n") }
        if let html = parts.first(where: { $0.contentType == "text/html" })?.text { return HTMLText.plain(html) }
        if parts.isEmpty {
            return Charset.decode(Array(body), charset: nil).text
        }
        return ""
    }

    /// `bodyText` of `raw` without parsing anything else: the common shapes of list mail are read
    /// straight from the bytes (`QuickBody`), the rest through the MIME parser alone. For search
    /// snippets, where 25 full parses made up most of a page's cost.
    public static func bodyText(of raw: [UInt8]) -> String {
        if let text = QuickBody.text(raw) { return text }
        let (headerEnd, bodyStart) = headerBoundary(raw)
        guard headerEnd <= ParseLimits.default.maxHeaderBytes else { return parse(raw).bodyText }
        return bodyText(parts: MIMETree.parse(raw, limits: .default, quick: false).parts, body: raw[bodyStart...])
    }

    public static func parse(_ raw: [UInt8], limits: ParseLimits = .default) -> Message {
        let (headerEnd, bodyStart) = headerBoundary(raw)
        var problems: [String] = []
        var headers: Headers
        if headerEnd > limits.maxHeaderBytes {
            problems.append("header block larger than \(limits.maxHeaderBytes) bytes: shown raw")
            headers = Headers.parse(raw[0..<limits.maxHeaderBytes])
        } else {
            headers = Headers.parse(raw[0..<headerEnd])
        }
        let ids = MessageID.ids(fromMessageIDValues: headers.values("Message-ID"))
        let from = headers.values("From").flatMap(Address.parseList)
        let to = headers.values("To").flatMap(Address.parseList)
        let cc = headers.values("Cc").flatMap(Address.parseList)
        let subject = headers.all("Subject").first.map { HeaderText.decode($0.unfolded) } ?? ""
        let date = headers.first("Date").flatMap(MailDate.parse)
        var parts: [MIMEPart] = []
        if problems.isEmpty {
            let tree = MIMETree.parse(raw, limits: limits)
            parts = tree.parts
            problems += tree.problems
        }
        return Message(
            raw: raw, headers: headers, bodyOffset: bodyStart, messageIDs: ids,
            subject: subject, from: from, to: to, cc: cc, date: date, parts: parts, problems: problems)
    }

    /// True when any text part's charset label did not fit its bytes.
    public var mayBeMangled: Bool { parts.contains(where: \.mangled) }
}

/// A crude but safe HTML → text rendition, for indexing and showing HTML-only mail.
public enum HTMLText {
    public static func plain(_ html: String) -> String {
        var out = ""
        var inTag = false
        var tag = ""
        var skipping = false
        for ch in html {
            if inTag {
                if ch == ">" {
                    inTag = false
                    let t = tag.lowercased()
                    if t.hasPrefix("script") || t.hasPrefix("style") { skipping = true }
                    if t.hasPrefix("/script") || t.hasPrefix("/style") { skipping = false }
                    if t.hasPrefix("br") || t.hasPrefix("p") || t.hasPrefix("/p") || t.hasPrefix("div") || t.hasPrefix("/div")
                        || t.hasPrefix("tr") || t.hasPrefix("li")
                    {
                        out.append("\n")
                    }
                } else {
                    tag.append(ch)
                }
            } else if ch == "<" {
                inTag = true
                tag = ""
            } else if !skipping {
                out.append(ch)
            }
        }
        return out.replacingOccurrences(of: "&nbsp;", with: " ").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }
}
