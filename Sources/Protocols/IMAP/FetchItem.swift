import Foundation
import Index
import Mail

/// One data item of FETCH (RFC 3501 6.4.5), and how it is rendered for a message.
enum FetchItem: Equatable {
    case uid, flags, internalDate, size, envelope
    case structure(extensible: Bool)
    /// `BODY[…]` / `BODY.PEEK[…]` / `RFC822…`: the bytes of a section, optionally a piece.
    case section(Section)

    struct Section: Equatable {
        enum Kind: Equatable {
            case full, header, text, mime
            case fields([String], not: Bool)
        }
        var path: [Int]
        var kind: Kind
        var partial: (offset: Int, length: Int?)?
        /// The name the reply uses (`BODY[HEADER]`, `RFC822.HEADER`…), without `<offset>`.
        var name: String

        static func == (a: Section, b: Section) -> Bool {
            a.path == b.path && a.kind == b.kind && a.name == b.name && a.partial?.offset == b.partial?.offset
                && a.partial?.length == b.partial?.length
        }
    }

    var needsMessage: Bool {
        switch self {
        case .uid, .flags, .internalDate: return false
        default: return true
        }
    }

    /// The items a FETCH asks for (macros expanded, UID always first).
    static func parse(_ tokens: [IMAPToken]) -> [FetchItem]? {
        var atoms: [IMAPToken] = tokens
        if tokens.count == 1, case .list(let l) = tokens[0] { atoms = l }
        guard !atoms.isEmpty else { return nil }
        var items: [FetchItem] = [.uid]
        for t in atoms {
            guard case .atom(let a) = t else { return nil }
            let u = a.uppercased()
            let add: [FetchItem]
            switch u {
            case "UID": add = []
            case "FLAGS": add = [.flags]
            case "INTERNALDATE": add = [.internalDate]
            case "RFC822.SIZE": add = [.size]
            case "ENVELOPE": add = [.envelope]
            case "BODYSTRUCTURE": add = [.structure(extensible: true)]
            case "BODY": add = [.structure(extensible: false)]
            case "RFC822": add = [.section(Section(path: [], kind: .full, partial: nil, name: "RFC822"))]
            case "RFC822.HEADER": add = [.section(Section(path: [], kind: .header, partial: nil, name: "RFC822.HEADER"))]
            case "RFC822.TEXT": add = [.section(Section(path: [], kind: .text, partial: nil, name: "RFC822.TEXT"))]
            case "FAST": add = [.flags, .internalDate, .size]
            case "ALL": add = [.flags, .internalDate, .size, .envelope]
            case "FULL": add = [.flags, .internalDate, .size, .envelope, .structure(extensible: false)]
            default:
                guard let s = parseSection(u) else { return nil }
                add = [.section(s)]
            }
            for i in add where !items.contains(i) { items.append(i) }
        }
        return items
    }

    /// `BODY[1.2.HEADER.FIELDS (A B)]<0.100>` and `BODY.PEEK[…]` (the same: nothing is ever
    /// marked seen here).
    static func parseSection(_ u: String) -> Section? {
        var s = Substring(u)
        if s.hasPrefix("BODY.PEEK[") {
            s = s.dropFirst(9)
        } else if s.hasPrefix("BODY[") {
            s = s.dropFirst(4)
        } else {
            return nil
        }
        guard let close = s.lastIndex(of: "]") else { return nil }
        let spec = s[s.index(after: s.startIndex)..<close]
        var partial: (Int, Int?)?
        let after = s[s.index(after: close)...]
        if !after.isEmpty {
            guard after.hasPrefix("<"), after.hasSuffix(">") else { return nil }
            let nums = after.dropFirst().dropLast().split(separator: ".", omittingEmptySubsequences: false)
            guard let o = Int(nums[0]), o >= 0, nums.count <= 2 else { return nil }
            if nums.count == 2 {
                guard let l = Int(nums[1]), l > 0 else { return nil }
                partial = (o, l)
            } else {
                partial = (o, nil)
            }
        }
        var path: [Int] = []
        var rest = spec
        while let dot = rest.firstIndex(of: "."), let n = Int(rest[..<dot]) {
            path.append(n)
            rest = rest[rest.index(after: dot)...]
        }
        if let n = Int(rest) {
            path.append(n)
            rest = ""
        }
        guard path.allSatisfy({ $0 > 0 }) else { return nil }
        let kind: Section.Kind
        switch rest {
        case "": kind = .full
        case "HEADER": kind = .header
        case "TEXT": kind = .text
        case "MIME" where !path.isEmpty: kind = .mime
        default:
            let not = rest.hasPrefix("HEADER.FIELDS.NOT ")
            guard not || rest.hasPrefix("HEADER.FIELDS "),
                let open = rest.firstIndex(of: "("), rest.hasSuffix(")")
            else { return nil }
            let names = rest[rest.index(after: open)..<rest.index(before: rest.endIndex)].split(separator: " ").map(String.init)
            guard !names.isEmpty else { return nil }
            kind = .fields(names, not: not)
        }
        return Section(path: path, kind: kind, partial: partial, name: "BODY[\(spec)]")
    }

    // MARK: rendering

    /// `* MSN FETCH (…)` for one message. `message`: its transfer form, when an item needs it.
    static func render(_ items: [FetchItem], msn: Int, row: OverviewRow, message: [UInt8]?) -> [UInt8] {
        var out = Array("* \(msn) FETCH (".utf8)
        let mime = message.map { MIMEStructure($0) }
        var first = true
        for item in items {
            if !first { out.append(0x20) }
            first = false
            switch item {
            case .uid: out += Array("UID \(row.num)".utf8)
            case .flags: out += Array("FLAGS ()".utf8)
            case .internalDate: out += Array("INTERNALDATE \"\(internalDate(row.ts))\"".utf8)
            case .size: out += Array("RFC822.SIZE \(message?.count ?? row.bytes)".utf8)
            case .envelope: out += Array(("ENVELOPE " + (mime.map { Envelope.render($0.fields) } ?? "NIL")).utf8)
            case .structure(let ext):
                out += Array(((ext ? "BODYSTRUCTURE " : "BODY ") + (mime.map { BodyStructure.render($0, extensible: ext) } ?? "NIL")).utf8)
            case .section(let s):
                var data = mime.map { sectionBytes(s, $0) } ?? []
                var name = s.name
                if let p = s.partial {
                    let start = min(p.offset, data.count)
                    let end = p.length.map { min(data.count, start + $0) } ?? data.count
                    data = Array(data[start..<end])
                    name += "<\(p.offset)>"
                }
                out += Array("\(name) {\(data.count)}\r\n".utf8)
                out += data
            }
        }
        out += Array(")\r\n".utf8)
        return out
    }

    static func sectionBytes(_ s: Section, _ message: MIMEStructure) -> [UInt8] {
        guard var part = message.part(s.path) else { return [] }
        switch s.kind {
        case .full:
            return s.path.isEmpty ? message.bytes : Array(part.bodyBytes)
        case .mime:
            return part.headerWithBlankLine
        case .header, .text, .fields:
            // of a message/rfc822 part: its message
            if !s.path.isEmpty {
                guard part.isMessage, let m = part.children.first else { return [] }
                part = m
            }
            switch s.kind {
            case .text: return Array(part.bodyBytes)
            case .fields(let names, let not):
                let wanted = Set(names.map { $0.lowercased() })
                var out: [UInt8] = []
                for f in NNTPArticle.split(part.headerBytes) where wanted.contains(f.name?.lowercased() ?? "\u{0}") != not {
                    out += f.bytes
                }
                return out + [0x0D, 0x0A]
            default: return part.headerWithBlankLine
            }
        }
    }

    /// `dd-Mon-yyyy hh:mm:ss +0000` (public-inbox's INTERNALDATE: the time it was received).
    static func internalDate(_ ts: Int64) -> String {
        let c = UTCCalendar.components(ts)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(two(c.day))-\(months[c.month - 1])-\(c.year) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }
}
