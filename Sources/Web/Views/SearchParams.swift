import Foundation
import Mail
import Support

/// The parameters of a search request (`?q=&o=&l=&r=&t=&x=`), as public-inbox's SearchQuery.
struct SearchParams: Sendable {
    static let maxLimit = 200

    var q: String
    var offset = 0
    var limit = maxLimit
    var relevance = false
    var threads = false
    /// `x=`: "" (summary), "t" (nested), "A" (Atom), "m" (mbox).
    var x = ""

    init(q: String) { self.q = q }

    init?(_ params: [(String, String)]) {
        guard let q = params.last(where: { $0.0 == "q" })?.1 else { return nil }
        self.q = q
        for (k, v) in params {
            switch k {
            case "o": offset = max(0, Int(v) ?? 0)
            case "l": limit = min(Self.maxLimit, max(1, Int(v) ?? Self.maxLimit))
            // there and not `0` is on, as public-inbox reads them (its links say `&r`, `&t`)
            case "r": relevance = v != "0"
            case "t": threads = v != "0"
            case "x": x = v
            default: break
            }
        }
    }

    /// The query string for a link to these results with `change` applied.
    func href(_ change: (inout SearchParams) -> Void) -> String {
        var p = self
        change(&p)
        var parts = ["q=" + Self.escape(p.q)]
        if p.offset > 0 { parts.append("o=\(p.offset)") }
        if p.limit != Self.maxLimit { parts.append("l=\(p.limit)") }
        if p.relevance { parts.append("r") }
        if p.threads { parts.append("t") }
        if !p.x.isEmpty { parts.append("x=" + Self.escape(p.x)) }
        return "?" + parts.joined(separator: "&")
    }

    static func escape(_ s: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 8)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: ":"):
                out.append(b)
            case UInt8(ascii: " "): out.append(UInt8(ascii: "+"))
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `application/x-www-form-urlencoded` pairs (`+` is a space; a `%` not followed
    /// by two hex digits stays as it is; invalid UTF-8 becomes U+FFFD).
    static func decode(_ query: String) -> [(String, String)] {
        query.utf8.split(whereSeparator: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: ";") }).map { pair in
            let kv = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            return (unescape(kv[0]), kv.count > 1 ? unescape(kv[1]) : "")
        }
    }

    static func unescape(_ s: Substring.UTF8View.SubSequence) -> String {
        let b = Array(s)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "+") {
                out.append(0x20)
            } else if b[i] == UInt8(ascii: "%"), i + 2 < b.count, let h = Digest.hexValue(b[i + 1]), let l = Digest.hexValue(b[i + 2]) {
                out.append(h << 4 | l)
                i += 2
            } else {
                out.append(b[i])
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
