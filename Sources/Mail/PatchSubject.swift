/// What a subject says about a patch, read as b4's `LoreSubject` reads it: `Re:` marks a reply,
/// the leading `[…]` groups carry the version (`v3`, `PATCHv3`), the counter (`2/7`), `RFC`,
/// `RESEND`, `PATCH` and any other prefix (`net-next`); what follows is the title.
public struct PatchSubject: Sendable, Equatable {
    public var reply = false
    public var resend = false
    public var rfc = false
    public var patch = false
    public var version = 1
    public var counter = 1
    public var total = 1
    public var versionInferred = true
    public var countersInferred = true
    /// Every chunk of the bracketed prefixes, in order (`PATCH`, `net-next`, `v2`, `1/3`).
    public var prefixes: [String] = []
    /// The subject without reply marker and prefixes, whitespace collapsed.
    public var title = ""

    /// The prefixes other than version and counter (`PATCH net-next`, `RFC PATCH`).
    public var label: String {
        prefixes.filter { !PatchSubject.isVersion($0) && !PatchSubject.isCounter($0) }.joined(separator: " ")
    }

    public init(_ subject: String) {
        var s = subject.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
        if let r = PatchSubject.replyMarker(s) {
            reply = true
            s = String(s[r...])
            if !s.hasPrefix("[") { s = PatchSubject.dropLeadingSpace(s) }
        }
        s = PatchSubject.flattenNestedBrackets(s)
        while s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            let inner = s[s.index(after: s.startIndex)..<close]
            for raw in PatchSubject.splitPatchVersion(String(inner)).split(separator: " ") {
                let chunk = String(raw).trimmingCharacters(in: [",", ";"])
                if PatchSubject.isCounter(chunk) {
                    let p = chunk.split(separator: "/")
                    counter = Int(p[0]) ?? 1
                    total = Int(p[1]) ?? 1
                    countersInferred = false
                } else if PatchSubject.isVersion(chunk) {
                    version = Int(chunk.dropFirst()) ?? 1
                    versionInferred = false
                } else if chunk.lowercased().hasPrefix("rfc") {
                    rfc = true
                } else if chunk.lowercased().hasPrefix("resend") {
                    resend = true
                } else if chunk.lowercased().hasPrefix("patch") {
                    patch = true
                }
                prefixes.append(chunk)
            }
            s = PatchSubject.dropLeadingSpace(String(s[s.index(after: close)...]))
        }
        title = s
    }

    /// Where the subject goes on after `Re:`/`Aw:`/`Fwd:`, or after `xx: ` before a `[`.
    static func replyMarker(_ s: String) -> String.Index? {
        let lower = s.lowercased()
        for m in ["re:", "aw:", "fwd:"] where lower.hasPrefix(m) {
            return s.index(s.startIndex, offsetBy: m.count)
        }
        // b4: ^\w{2,3}:\s*\[
        let word = s.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
        guard (2...3).contains(word.count), s.dropFirst(word.count).hasPrefix(":") else { return nil }
        let rest = s.dropFirst(word.count + 1).drop(while: { $0 == " " })
        return rest.hasPrefix("[") ? rest.startIndex : nil
    }

    static func dropLeadingSpace(_ s: String) -> String { String(s.drop(while: { $0 == " " })) }

    /// `[PATCH [net] 1/2]` → `[PATCH net 1/2]`, as b4 removes brackets inside brackets.
    static func flattenNestedBrackets(_ s: String) -> String {
        var out = ""
        var depth = 0
        var atStart = true
        for c in s {
            if atStart && c == "[" {
                depth += 1
                if depth == 1 { out.append(c) }
                continue
            }
            if atStart && c == "]" && depth > 0 {
                depth -= 1
                if depth == 0 { out.append(c) }
                continue
            }
            if depth == 0 && c != " " { atStart = false }
            out.append(c)
        }
        return out
    }

    /// `PATCHv3` → `PATCH v3`.
    static func splitPatchVersion(_ s: String) -> String {
        var words: [String] = []
        for w in s.split(separator: " ") {
            let lower = w.lowercased()
            if lower.hasPrefix("patchv"), w.count > 6, w.dropFirst(6).allSatisfy(\.isDigitASCII) {
                words.append(String(w.prefix(5)))
                words.append(String(w.dropFirst(5)))
            } else {
                words.append(String(w))
            }
        }
        return words.joined(separator: " ")
    }

    static func isCounter(_ s: String) -> Bool {
        let p = s.split(separator: "/", omittingEmptySubsequences: false)
        return p.count == 2 && p.allSatisfy { (1...4).contains($0.count) && $0.allSatisfy(\.isDigitASCII) }
    }

    static func isVersion(_ s: String) -> Bool {
        s.count > 1 && (s.first == "v" || s.first == "V") && s.dropFirst().allSatisfy(\.isDigitASCII)
    }
}

extension Character {
    /// 0-9 only (`isNumber` also takes other scripts' digits).
    var isDigitASCII: Bool { isASCII && isNumber }
}
