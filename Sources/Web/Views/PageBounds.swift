import Index
import Mail

/// How much of one message a page renders. A message of tens or hundreds of megabytes (a
/// mailing list's occasional giant patch or attachment) would otherwise be parsed and escaped
/// whole into every page that shows it (`new.atom`, `new.html`, `T/`, `t/`, search results):
/// seconds of work and gigabytes of memory per request. Pages parse and show only the first
/// `maxBytes` of such a message, with a note linking to `raw` (which serves every byte).
enum PageBounds {
    /// Bytes of a raw message rendered on a page (headers included).
    static let maxBytes = 1 << 20

    /// The message as pages show it: parsed from at most `maxBytes` of its raw bytes, cut at a
    /// line end.
    static func message(_ d: Doc) throws -> Message { message(try d.inbox.raw(d.row)) }

    static func message(_ raw: [UInt8]) -> Message {
        guard raw.count > maxBytes else { return Message.parse(raw) }
        var cut = maxBytes
        while cut > 0 && raw[cut - 1] != 0x0A { cut -= 1 }
        return Message.parse(Array(raw[0..<(cut > 0 ? cut : maxBytes)]))
    }

    /// Whether pages show only part of the message.
    static func isTruncated(_ d: Doc) -> Bool { d.row.bytes > maxBytes }

    /// In place of a message git cannot give (its blob missing from a partial mirror, a damaged
    /// pack): what happened, so one bad object costs only itself.
    static func unavailable(_ error: Error, into w: inout HTMLWriter) {
        w.raw("<span class=\"warn\">[-- This message is not available from git: ")
        w.text("\(error)")
        w.raw(" --]</span>\n")
    }

    /// `d`'s message, or when git cannot give it, `placeholder` and why.
    static func messageOrPlaceholder(_ d: Doc) -> (message: Message, unavailable: Error?) {
        do {
            return (try message(d), nil)
        } catch {
            return (placeholder(d.row), error)
        }
    }

    /// `d`'s body as pages show it (`MessageBody`), or why git cannot give it.
    static func body(_ m: Message, unavailable: Error?, _ body: MessageBody, into w: inout HTMLWriter) {
        if let unavailable { return PageBounds.unavailable(unavailable, into: &w) }
        body.render(m, into: &w)
    }

    /// A message made of what the index knows of one git cannot give (From, Subject,
    /// Message-ID; no body), for the page's header block and reply instructions.
    static func placeholder(_ row: OverviewRow) -> Message {
        var h = "From: " + (row.fromName.isEmpty ? row.fromAddr : "\(row.fromName) <\(row.fromAddr)>") + "\n"
        h += "Subject: " + row.subject + "\nMessage-ID: <" + row.mid + ">\n"
        if let parent = row.lastRef { h += "In-Reply-To: <" + parent + ">\n" }
        return Message.parse(Array((h.replacingOccurrences(of: "\r", with: " ") + "\n").utf8))
    }

    /// After a truncated message's body: what was left out and where to get it all.
    static func note(_ d: Doc, rawHref: String, into w: inout HTMLWriter) {
        guard isTruncated(d) else { return }
        w.raw("\n<span class=\"warn\">[-- This message is \(d.row.bytes) bytes; only its first \(maxBytes >> 20) MiB is shown. ")
        w.raw("The whole message: <a href=\"")
        w.attr(rawHref)
        w.raw("\">raw</a> --]</span>\n")
    }
}
