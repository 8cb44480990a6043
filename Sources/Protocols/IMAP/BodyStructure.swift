import Mail

/// BODY and BODYSTRUCTURE (RFC 3501 7.4.2) of a message's MIME tree; sizes are of the
/// transfer form (CRLF), as the sections a client then fetches.
enum BodyStructure {
    static func render(_ m: MIMEStructure, extensible: Bool) -> String {
        let q = IMAPToken.quote
        if m.isMultipart && !m.children.isEmpty {
            var s = "(" + m.children.map { render($0, extensible: extensible) }.joined() + " " + q(m.subtype.uppercased())
            if extensible {
                s +=
                    " " + parameters(m.parameters) + " " + disposition(m) + " " + q(m.fields.first("content-language")) + " "
                    + q(m.fields.first("content-location"))
            }
            return s + ")"
        }
        let type = m.isMultipart ? "text" : m.type
        let subtype = m.isMultipart ? "plain" : m.subtype
        var s = "(" + q(type.uppercased()) + " " + q(subtype.uppercased()) + " " + parameters(m.parameters)
        s += " " + q(m.fields.first("content-id")) + " " + q(m.fields.first("content-description"))
        s += " " + q((m.fields.first("content-transfer-encoding") ?? "7bit").uppercased())
        s += " \(m.body.count)"
        if m.isMessage, let inner = m.children.first {
            s += " " + Envelope.render(inner.fields) + " " + render(inner, extensible: extensible) + " \(lines(m))"
        } else if type == "text" {
            s += " \(lines(m))"
        }
        if extensible {
            s +=
                " " + q(m.fields.first("content-md5")) + " " + disposition(m) + " " + q(m.fields.first("content-language")) + " "
                + q(m.fields.first("content-location"))
        }
        return s + ")"
    }

    static func lines(_ m: MIMEStructure) -> Int {
        let body = m.bodyBytes
        let n = body.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        return body.last == 0x0A || body.isEmpty ? n : n + 1
    }

    static func parameters(_ p: [(String, String)]) -> String {
        p.isEmpty ? "NIL" : "(" + p.map { IMAPToken.quote($0.0.uppercased()) + " " + IMAPToken.quote($0.1) }.joined(separator: " ") + ")"
    }

    static func disposition(_ m: MIMEStructure) -> String {
        guard let d = m.fields.first("content-disposition") else { return "NIL" }
        let (value, params) = MIMEStructure.valueAndParameters(d)
        return "(" + IMAPToken.quote(value.uppercased()) + " " + parameters(params) + ")"
    }
}
