import Foundation
import Mail

/// An article as public-inbox-nntpd sends it: the stored bytes with `Xref:`, `Newsgroups:`
/// and `Path:` set, one `Message-ID:` (others moved to `X-Alt-Message-ID:`), CRLF line ends,
/// dot-stuffed for the multi-line response.
enum NNTPArticle {
    enum Part { case article, head, body }

    /// The header fields of a message, each with its continuation lines, in order.
    struct Field {
        var name: String?
        var bytes: [UInt8]
        var value: [UInt8] {
            guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return [] }
            return Array(bytes[(colon + 1)...])
        }
    }

    static func render(raw stored: [UInt8], mid: String, xref: String, part: Part) -> [UInt8] {
        let raw = strippingMboxFrom(stored)
        let (headerEnd, bodyStart) = headerBoundary(raw)
        var out: [UInt8] = []
        out.reserveCapacity(raw.count + raw.count / 30 + 256)
        if part != .body {
            var fields = split(raw[..<headerEnd])
            setHeaders(&fields, mid: mid, xref: xref)
            for f in fields { appendLines(f.bytes[...], to: &out) }
        }
        if part == .article { out += [0x0D, 0x0A] }
        if part != .head {
            appendLines(raw[bodyStart...], to: &out)
            if !(out.count >= 2 && out[out.count - 2] == 0x0D && out[out.count - 1] == 0x0A) { out += [0x0D, 0x0A] }
        }
        return out
    }

    /// Drops an mboxrd `From ` line at the very start (old imports kept it).
    static func strippingMboxFrom(_ raw: [UInt8]) -> [UInt8] {
        var i = 0
        while i < raw.count, raw[i] == 0x0A || raw[i] == 0x0D { i += 1 }
        guard raw.count >= i + 5, raw[i..<(i + 5)].elementsEqual("From ".utf8) else { return raw }
        guard let lf = raw[i...].firstIndex(of: 0x0A) else { return [] }
        return Array(raw[(lf + 1)...])
    }

    static func split(_ header: ArraySlice<UInt8>) -> [Field] {
        var fields: [Field] = []
        var i = header.startIndex
        while i < header.endIndex {
            let lf = header[i...].firstIndex(of: 0x0A) ?? header.endIndex - 1
            let line = header[i...lf]
            if let f = line.first, f == 0x20 || f == 0x09, !fields.isEmpty {
                fields[fields.count - 1].bytes += line
            } else {
                let colon = line.firstIndex(of: UInt8(ascii: ":"))
                let name = colon.map { String(decoding: line[line.startIndex..<$0], as: UTF8.self) }
                fields.append(Field(name: name?.contains(" ") == false ? name : nil, bytes: Array(line)))
            }
            i = lf + 1
        }
        if let last = fields.last?.bytes.last, last != 0x0A { fields[fields.count - 1].bytes.append(0x0A) }
        return fields
    }

    static func setHeaders(_ fields: inout [Field], mid: String, xref: String) {
        let mids = fields.indices.filter { fields[$0].name?.lowercased() == "message-id" }
        if mids.count > 1 {
            let primary = "<\(mid)>"
            var alt = fields.filter { $0.name?.lowercased() == "x-alt-message-id" }.map { trimmed($0.value) }
            var seen = Set(alt + [primary])
            for i in mids {
                let v = trimmed(fields[i].value)
                if seen.insert(v).inserted { alt.append(v) }
            }
            set(&fields, "Message-ID", [primary])
            set(&fields, "X-Alt-Message-ID", alt)
        } else if let i = mids.first {
            // leafnode wants a Message-ID on one line
            let v = fields[i].value
            if let first = v.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }), v[first] == 0x0A || v[first] == 0x0D {
                fields[i].bytes = Array("\(fields[i].name!): \(trimmed(v))\n".utf8)
            }
        }
        set(&fields, "Xref", [xref])
        // RFC 5536 3.1.4, 3.1.5: the groups of the Xref, and a Path leafnode accepts
        let parts = xref.split(separator: " ")
        let groups = parts.dropFirst().map { $0.split(separator: ":").dropLast().joined(separator: ":") }
        set(&fields, "Newsgroups", [groups.joined(separator: ",")])
        set(&fields, "Path", ["\(parts.first ?? "")!not-for-mail"])
    }

    /// public-inbox's `header_set`: the first fields named `name` take the values in place,
    /// the other such fields go, values left over are appended.
    static func set(_ fields: inout [Field], _ name: String, _ values: [String]) {
        var left = values[...]
        var out: [Field] = []
        let lower = name.lowercased()
        for f in fields {
            guard f.name?.lowercased() == lower else {
                out.append(f)
                continue
            }
            if let v = left.popFirst() { out.append(Field(name: name, bytes: Array("\(name): \(v)\n".utf8))) }
        }
        for v in left { out.append(Field(name: name, bytes: Array("\(name): \(v)\n".utf8))) }
        fields = out
    }

    static func trimmed(_ v: [UInt8]) -> String {
        String(decoding: v.filter { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
    }

    /// Appends `bytes` line by line: CRLF line ends, a leading `.` doubled.
    static func appendLines(_ bytes: ArraySlice<UInt8>, to out: inout [UInt8]) {
        var atLineStart = true
        var prev: UInt8 = 0
        for b in bytes {
            if atLineStart && b == UInt8(ascii: ".") { out.append(b) }
            if b == 0x0A && prev != 0x0D { out.append(0x0D) }
            out.append(b)
            atLineStart = b == 0x0A
            prev = b
        }
    }
}
