/// public-inbox's two times of a message: when it was received (first Received header, then
/// Date) and when it says it was written (Date, then Received). Both fall back to a given time.
extension Message {
    /// The date of the topmost Received header that has a readable one.
    public var receivedDate: MailDate? {
        for v in headers.values("Received") {
            guard let semi = v.lastIndex(of: ";") else { continue }
            if let d = MailDate.parse(String(v[v.index(after: semi)...])), d.seconds > 0 { return d }
        }
        return nil
    }

    /// The Date header when it is usable (after 1970, zone sane).
    public var usableDate: MailDate? {
        guard var d = date, d.seconds > 0 else { return nil }
        if abs(d.offsetMinutes) >= 14 * 60 { d.offsetMinutes = 0 }
        return d
    }

    /// Received time (over `ts`, git committer date): Received, else Date, else `fallback`.
    public func timestamp(fallback: MailDate) -> MailDate { receivedDate ?? usableDate ?? fallback }

    /// Written time (over `ds`, git author date, shown dates): Date, else Received, else `fallback`.
    public func datestamp(fallback: MailDate) -> MailDate { usableDate ?? receivedDate ?? fallback }

    /// The raw message with the named header fields (and their continuation lines) removed;
    /// nil when it has none of them.
    public func removingHeaders(_ names: Set<String>) -> [UInt8]? { Message.removingHeaders(names, from: raw) }

    /// `removingHeaders` on raw bytes, without parsing the message (a scan of the header block).
    public static func removingHeaders(_ names: Set<String>, from raw: [UInt8]) -> [UInt8]? {
        let lower = Set(names.map { $0.lowercased() })
        let (headerEnd, _) = headerBoundary(raw)
        var out: [UInt8] = []
        var removed = false
        var i = 0
        var dropping = false
        while i < headerEnd {
            var j = i
            while j < headerEnd && raw[j] != 0x0A { j += 1 }
            let end = j < headerEnd ? j + 1 : j
            let first = raw[i]
            if first == 0x20 || first == 0x09 {
                if dropping { removed = true } else if removed { out += raw[i..<end] }
            } else {
                var k = i
                while k < end && raw[k] != UInt8(ascii: ":") && raw[k] > 0x20 { k += 1 }
                dropping =
                    k < end && raw[k] == UInt8(ascii: ":") && lower.contains(String(decoding: raw[i..<k], as: UTF8.self).lowercased())
                if dropping {
                    if !removed {
                        out.reserveCapacity(raw.count)
                        out += raw[0..<i]
                    }
                    removed = true
                } else if removed {
                    out += raw[i..<end]
                }
            }
            i = end
        }
        guard removed else { return nil }
        out += raw[headerEnd...]
        return out
    }

    /// The raw message with one more `Message-ID:` field at the end of its header block.
    public func appendingMessageID(_ id: String) -> [UInt8] {
        let crlf = bodyOffset >= 2 && raw[bodyOffset - 2] == 0x0D
        let field = Array("Message-ID: <\(id)>".utf8) + (crlf ? [0x0D, 0x0A] : [0x0A])
        let (headerEnd, _) = headerBoundary(raw)
        if headerEnd == 0 && bodyOffset == 0 {
            // no header block at all: the field becomes the header
            return field + (crlf ? [0x0D, 0x0A] : [0x0A]) + raw
        }
        var out = Array(raw[0..<headerEnd])
        if let last = out.last, last != 0x0A { out += crlf ? [0x0D, 0x0A] : [0x0A] }
        out += field
        out += raw[headerEnd...]
        return out
    }
}

/// Headers public-inbox drops before storing a message (Import's unwanted and MDA's bad ones).
public let droppedOnImport: Set<String> = [
    "Bytes", "Lines", "Content-Length", "Status", "X-Status", "Delivered-To", "X-Original-To", "Approved",
    "Approve", "X-Approved", "X-Approve", "Urgent", "Return-Receipt-To", "Disposition-Notification-To",
    "X-Confirm-Reading-To", "X-PMRQC",
]
