import Support

/// public-inbox's content hash: what makes two messages with one Message-ID "the same".
/// It covers references, From (or Sender), Subject, Date, To, Cc addresses and every decoded
/// MIME part, and deliberately not the Message-ID, Received or list-added headers.
public enum ContentHash {
    /// `references`: `m.references` when the caller has read them already.
    public static func digest(_ m: Message, references: [String]? = nil) -> [UInt8] {
        var h = SHA256()
        feed(m, references: references ?? m.references, into: &h)
        return h.finalize()
    }

    static func feed(_ m: Message, references: [String], into h: inout SHA256) {
        let own = Set(m.messageIDs)
        for r in references where !own.contains(r) { h.update("ref\u{0}\(r)\u{0}") }
        var fromField = "From"
        var fromValues = m.headers.values("From")
        if fromValues.isEmpty {
            fromField = "Sender"
            fromValues = m.headers.values("Sender")
        }
        for v in fromValues { addAddresses(&h, fromField, v) }
        for name in ["Subject", "Date"] {
            for v in m.headers.values(name) { h.update("\(name)\u{0}\(HeaderText.decode(v))\u{0}") }
        }
        for name in ["To", "Cc"] {
            for v in m.headers.values(name) { addAddresses(&h, name, v) }
        }
        if m.parts.isEmpty {
            h.update(Array(m.body))
        }
        for p in m.parts {
            var head = "\(p.contentType)\u{0}"
            if let f = p.filename { head += "\(f)\u{0}" }
            h.update(head)
            if let t = p.text {
                // line endings and trailing whitespace are not content
                var out = [UInt8]()
                out.reserveCapacity(t.utf8.count + 1)
                var lineStart = 0
                for b in t.utf8 {
                    if b == 0x0A {
                        while out.count > lineStart, let l = out.last, l == 0x20 || l == 0x09 || l == 0x0D { out.removeLast() }
                        out.append(0x0A)
                        lineStart = out.count
                    } else {
                        out.append(b)
                    }
                }
                while out.count > lineStart, let l = out.last, l == 0x20 || l == 0x09 || l == 0x0D { out.removeLast() }
                h.update(out)
            } else {
                h.update(p.bytes)
            }
        }
    }

    static func addAddresses(_ h: inout SHA256, _ field: String, _ value: String) {
        let emails = Address.parseList(value).map(\.email)
        h.update("\(field)\u{0}\(emails.joined(separator: ","))\u{0}")
    }

    /// A Message-ID made from content (public-inbox's digest2mid): used for mail without one,
    /// and for a second message reusing an id with different content.
    public static func messageID(digest: [UInt8], date: MailDate?) -> String {
        let b64 = Digest.base64(digest, urlSafe: true).replacingOccurrences(of: "=", with: "")
        let stamp = (date ?? MailDate(seconds: 0)).compact
        return "\(stamp).\(b64)@z"
    }
}
