import Foundation
import Mail

/// ENVELOPE (RFC 3501 7.4.2): date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to,
/// message-id; header values as the message has them (undecoded), names of addresses with
/// 8-bit text re-encoded as RFC 2047 words.
enum Envelope {
    static func render(_ h: Headers) -> String {
        let q = IMAPToken.quote
        let from = addresses(h, "from")
        return "("
            + [
                q(h.first("date")), q(h.first("subject")), from,
                h.first("sender") == nil ? from : addresses(h, "sender"),
                h.first("reply-to") == nil ? from : addresses(h, "reply-to"),
                addresses(h, "to"), addresses(h, "cc"), addresses(h, "bcc"), q(h.first("in-reply-to")), q(h.first("message-id")),
            ].joined(separator: " ") + ")"
    }

    static func addresses(_ h: Headers, _ name: String) -> String {
        let values = h.values(name)
        guard !values.isEmpty else { return "NIL" }
        let list = values.flatMap { Address.parseList($0) }
        guard !list.isEmpty else { return "NIL" }
        return "("
            + list.map { a in
                let at = a.email.lastIndex(of: "@")
                let user = at.map { String(a.email[..<$0]) } ?? a.email
                let host = at.map { String(a.email[a.email.index(after: $0)...]) }
                let q = IMAPToken.quote
                return "(\(a.name.isEmpty ? "NIL" : q(encodedWord(a.name))) NIL \(q(user)) \(host.map(q) ?? "NIL"))"
            }.joined() + ")"
    }

    /// `=?UTF-8?B?…?=` for text with 8-bit characters; ASCII as it is.
    static func encodedWord(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 >= 0x80 }) else { return s }
        return "=?UTF-8?B?" + Data(s.utf8).base64EncodedString() + "?="
    }
}
