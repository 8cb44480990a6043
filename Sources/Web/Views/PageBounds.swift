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

    /// After a truncated message's body: what was left out and where to get it all.
    static func note(_ d: Doc, rawHref: String, into w: inout HTMLWriter) {
        guard isTruncated(d) else { return }
        w.raw("\n<span class=\"warn\">[-- This message is \(d.row.bytes) bytes; only its first \(maxBytes >> 20) MiB is shown. ")
        w.raw("The whole message: <a href=\"")
        w.attr(rawHref)
        w.raw("\">raw</a> --]</span>\n")
    }
}
