/// Whether bytes begin as mail does. Input that is not mail (`/bin/ls` given as an mbox, a
/// binary on `deliver`'s stdin) was archived as one headerless message before.
public enum HeaderBlock {
    /// True when the first line is a header field, `Name: value` (RFC 5322: the name is
    /// printable ASCII without a colon; the obsolete syntax allows blanks before the colon),
    /// after an mbox `From ` line, which public-inbox strips too. Nothing else is required,
    /// so real mail with odd or broken headers later on is still mail.
    public static func startsWithField(_ raw: ArraySlice<UInt8>) -> Bool {
        var s = raw
        if s.starts(with: [0x46, 0x72, 0x6F, 0x6D, 0x20]) {  // "From "
            guard let nl = s.firstIndex(of: 0x0A) else { return false }
            s = s[(nl + 1)...]
        }
        var i = s.startIndex
        while i < s.endIndex, s[i] >= 0x21, s[i] <= 0x7E, s[i] != 0x3A { i += 1 }
        guard i > s.startIndex else { return false }
        while i < s.endIndex, s[i] == 0x20 || s[i] == 0x09 { i += 1 }
        return i < s.endIndex && s[i] == 0x3A
    }

    /// Why `raw` is not mail, for the rejection: its first bytes shown safely.
    public static func notMailReason(_ raw: ArraySlice<UInt8>) -> String {
        let shown = raw.prefix(16).map { b -> String in
            (0x20...0x7E).contains(b) && b != 0x5C ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16, uppercase: false).leftPadded(2)
        }
        return "not mail: no header block (it begins \"\(shown.joined())\")"
    }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
