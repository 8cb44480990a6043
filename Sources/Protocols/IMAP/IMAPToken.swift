/// A piece of an IMAP command (RFC 3501 9): an atom (which keeps `[…]` sections and `<…>`
/// partial specifiers whole, spaces included), a quoted string or literal, or a list.
indirect enum IMAPToken: Equatable {
    case atom(String)
    case string(String)
    case list([IMAPToken])

    /// The text of an atom or string.
    var text: String? {
        switch self {
        case .atom(let s), .string(let s): return s
        case .list: return nil
        }
    }

    struct ParseError: Error { let message: String }

    /// Deepest nesting of lists in a command. No command needs more than a few levels; 3,990
    /// levels of a SEARCH (under the 8,000-byte line limit) took 2.3-5.2 s each, and four such
    /// clients for 30 s put web pages at p50 14.5 s.
    static let maxDepth = 64

    /// Splits the rest of a command line. Literals have already been read into the line as
    /// `{N}` CRLF followed by N bytes (see `IMAPSession`).
    static func parse(_ bytes: [UInt8]) throws -> [IMAPToken] {
        var i = 0
        var stack: [[IMAPToken]] = [[]]
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case 0x20:
                i += 1
            case UInt8(ascii: "("):
                guard stack.count <= maxDepth else { throw ParseError(message: "lists nested too deeply (over \(maxDepth))") }
                stack.append([])
                i += 1
            case UInt8(ascii: ")"):
                guard stack.count > 1 else { throw ParseError(message: "unbalanced )") }
                let l = stack.removeLast()
                stack[stack.count - 1].append(.list(l))
                i += 1
            case UInt8(ascii: "\""):
                var s: [UInt8] = []
                i += 1
                while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count { i += 1 }
                    s.append(bytes[i])
                    i += 1
                }
                guard i < bytes.count else { throw ParseError(message: "unterminated string") }
                i += 1
                stack[stack.count - 1].append(.string(String(decoding: s, as: UTF8.self)))
            case UInt8(ascii: "{"):
                guard let close = bytes[i...].firstIndex(of: UInt8(ascii: "}")),
                    let n = Int(String(decoding: bytes[(i + 1)..<close].filter { $0 != UInt8(ascii: "+") }, as: UTF8.self)),
                    // `{-2}` read past the line and `{9223372036854775807}` overflowed: both
                    // trapped, taking the server down (found writing the fuzz target imap)
                    n >= 0, n <= bytes.count - close - 3, bytes[close + 1] == 0x0D, bytes[close + 2] == 0x0A
                else { throw ParseError(message: "bad literal") }
                let start = close + 3
                stack[stack.count - 1].append(.string(String(decoding: bytes[start..<(start + n)], as: UTF8.self)))
                i = start + n
            default:
                var s: [UInt8] = []
                var depth = 0
                while i < bytes.count {
                    let c = bytes[i]
                    if depth == 0 && (c == 0x20 || c == UInt8(ascii: "(") || c == UInt8(ascii: ")")) { break }
                    if c == UInt8(ascii: "[") || c == UInt8(ascii: "<") { depth += 1 }
                    if (c == UInt8(ascii: "]") || c == UInt8(ascii: ">")) && depth > 0 { depth -= 1 }
                    s.append(c)
                    i += 1
                }
                stack[stack.count - 1].append(.atom(String(decoding: s, as: UTF8.self)))
            }
        }
        guard stack.count == 1 else { throw ParseError(message: "unbalanced (") }
        return stack[0]
    }

    /// A string as IMAP sends it: NIL, a quoted string, or a literal when it holds characters
    /// a quoted string cannot (public-inbox's `_esc`, plus 8-bit text).
    static func quote(_ s: String?) -> String {
        guard let s else { return "NIL" }
        if s.utf8.contains(where: {
            $0 >= 0x80 || $0 == 0x0D || $0 == 0x0A || $0 == 0x22 || $0 == 0x5C || $0 == 0x7B || $0 == 0x25 || $0 == 0x2A || $0 == 0x5B
        }) {
            return "{\(s.utf8.count)}\r\n" + s
        }
        return "\"" + s + "\""
    }
}
