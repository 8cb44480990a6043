import Foundation

/// A trailer line (`Reviewed-by: Name <addr>`), as b4 reads them from a follow-up.
public struct Trailer: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public var line: String { "\(name): \(value)" }

    /// The address of a person trailer (`Name <addr>` or a bare address), lowercased.
    public var email: String? {
        if let lt = value.lastIndex(of: "<"), let gt = value.lastIndex(of: ">"), lt < gt {
            return value[value.index(after: lt)..<gt].lowercased()
        }
        return value.split(separator: " ").first(where: { $0.contains("@") }).map { $0.lowercased() }
    }

    /// The same trailer (name case-insensitive, value as written).
    public func same(_ o: Trailer) -> Bool { name.lowercased() == o.name.lowercased() && value == o.value }
}

/// The trailers a reply gives to the patch (or cover letter) it answers, found as b4 finds them
/// (`LoreMessage.find_trailers` for follow-ups): `Name: value` lines of unquoted text above the
/// signature, a person trailer with an address, a link trailer with a URL, `Fixes:` with a
/// commit id; headers pasted into the body (`Cc:`, `From:`, `Subject:`…) and `change-id:` are
/// not trailers of a reply. Unlike b4, a trailer offered on a condition ("with that fixed,
/// feel free to add …", "if you fix X: …") is left out: it is given only once X is done.
public enum Trailers {
    static let ignored: Set<String> = ["phone", "mail", "email", "e-mail", "prerequisite-message-id"]
    static let headers: Set<String> = ["subject", "date", "from"]
    static let links: Set<String> = ["link", "buglink", "closes"]
    static let nonPerson: Set<String> = links.union(["fixes", "subject", "date", "obsoleted-by", "change-id", "base-commit"])
    /// b4 drops these from follow-ups: they are usually mail headers pasted into the body.
    static let notFromReplies: Set<String> = [
        "from", "author", "cc", "to", "date", "subject", "subscribe", "unsubscribe", "base-commit", "change-id", "message-id",
    ]

    /// The trailers a follow-up gives, from its classified body lines.
    public static func inReply(_ lines: [BodyLines.Line]) -> [Trailer] {
        var out: [Trailer] = []
        var others = 0
        var conditional = false
        var i = 0
        while i < lines.count {
            let l = lines[i]
            i += 1
            if l.kind != .text {
                if l.kind == .quote { conditional = false }
                continue
            }
            let text = l.text
            if text == "-- " { break }
            guard var (name, value) = split(text) else {
                if !text.allSatisfy({ $0 == " " || $0 == "\t" }) {
                    others += 1
                    conditional = isConditional(text)
                }
                continue
            }
            // "Reviewed-by: Long Name\n<addr>" wrapped by a mail client
            if !value.contains("<"), i < lines.count, lines[i].kind == .text, lines[i].text.hasPrefix("<"), lines[i].text.hasSuffix(">") {
                value += " " + lines[i].text
                i += 1
            }
            let lname = name.lowercased()
            if ignored.contains(lname) || (others > 0 && headers.contains(lname)) { continue }
            guard lname.allSatisfy(\.isASCII) else { continue }
            let person = hasAddress(value)
            if !person && !nonPerson.contains(lname) { continue }
            if (value.contains("http://") || value.contains("https://")) && !links.contains(lname) { continue }
            if lname == "fixes" && value.prefix(while: \.isHexDigit).count < 6 { continue }
            if let hash = value.range(of: " #", options: .backwards), !value[hash.upperBound...].contains("#") {
                value = String(value[..<hash.lowerBound]).trimmingTrailingSpace
            }
            if notFromReplies.contains(lname) { continue }
            if person, let gt = value.firstIndex(of: ">"), value.contains("<") {
                // b4 keeps `Name <addr>` of a person trailer: "(because …" after it is not part of it
                value = String(value[...gt])
            }
            if conditional { continue }
            out.append(Trailer(name: name, value: value))
        }
        return out
    }

    /// `Name: value` (b4: `^\s*(\w\S+):\s+(\S.*)`).
    public static func split(_ line: Substring) -> (String, String)? {
        let s = line.drop(while: { $0 == " " || $0 == "\t" })
        guard let colon = s.firstIndex(of: ":") else { return nil }
        let name = s[..<colon]
        guard name.count >= 2, let f = name.first, f.isLetter || f.isNumber || f == "_",
            !name.contains(where: { $0 == " " || $0 == "\t" })
        else { return nil }
        let after = s[s.index(after: colon)...]
        guard let sp = after.first, sp == " " || sp == "\t" else { return nil }
        let value = after.drop(while: { $0 == " " || $0 == "\t" })
        guard !value.isEmpty else { return nil }
        return (String(name), String(value).trimmingTrailingSpace)
    }

    /// b4: `\S+@\S+\.\S+`.
    static func hasAddress(_ v: String) -> Bool {
        for word in v.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            guard let at = word.firstIndex(of: "@"), at > word.startIndex else { continue }
            let domain = word[word.index(after: at)...]
            if let dot = domain.firstIndex(of: "."), dot > domain.startIndex, domain.index(after: dot) < domain.endIndex { return true }
        }
        return false
    }

    /// Prose that makes the trailers after it depend on something still to be done.
    /// Compared as bytes, ASCII letters lowercased: every marker is ASCII (Foundation's
    /// `contains` on each prose line of every reply was ~12% of an index run's CPU).
    static func isConditional(_ line: Substring) -> Bool {
        var l: [UInt8] = [0x20]
        l.reserveCapacity(line.utf8.count + 2)
        for b in line.utf8 { l.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b) }
        l.append(0x20)
        return conditionMarkers.contains { m in
            guard m.count <= l.count, let first = m.first else { return false }
            var i = 0
            let last = l.count - m.count
            while i <= last {
                if l[i] == first && l[i..<(i + m.count)].elementsEqual(m) { return true }
                i += 1
            }
            return false
        }
    }

    static let conditionMarkers: [[UInt8]] = [
        " if ", " once ", " provided ", " assuming ", " as long as ", " after fixing", " after addressing", " with that fixed",
        " with this fixed", " with those fixed", " with these fixed", " with the above", " with that addressed",
        " with those addressed", " with this addressed", " with that changed", " with that nit", " with those nits",
        " with the nit", " with the typo", " with the comment", " with the fix", " fixed,", " addressed,", " addressed:", " fixed:",
    ].map { Array($0.utf8) }
}

extension String {
    var trimmingTrailingSpace: String {
        var s = Substring(self)
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s = s.dropLast() }
        return String(s)
    }
}

extension Trailer {
    /// Whether a person trailer was given by the sender of the reply (b4's `get_trailers`: the
    /// same address, `+tag` and one subdomain level aside, or the same name); non-person trailers
    /// always count. A `Reviewed-by` for someone else is not collected.
    public func given(by from: Address?) -> Bool {
        guard value.contains("@"), let ours = email else { return true }
        guard let from else { return false }
        let theirs = from.email.lowercased()
        if ours == theirs { return true }
        func untagged(_ s: String) -> String {
            guard let at = s.firstIndex(of: "@") else { return s }
            let local = s[..<at]
            return String(local.split(separator: "+", maxSplits: 1).first ?? local) + s[at...]
        }
        let (a, b) = (untagged(ours), untagged(theirs))
        if a == b { return true }
        let pa = a.split(separator: "@", maxSplits: 1)
        let pb = b.split(separator: "@", maxSplits: 1)
        if pa.count == 2, pb.count == 2, pa[0] == pb[0] {
            let (da, db) = (pa[1], pb[1])
            let dots = abs(da.filter { $0 == "." }.count - db.filter { $0 == "." }.count)
            if dots == 1 && (da.hasSuffix("." + db) || db.hasSuffix("." + da)) { return true }
        }
        let name = value.split(separator: "<").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let fromName = from.name.lowercased()
        return !name.isEmpty && name == fromName
    }
}
