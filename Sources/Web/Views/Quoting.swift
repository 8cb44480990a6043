import Store

/// Values printed into text a reader runs or loads: shell commands (`_/text/mirror/`) and git
/// config (`_/text/config/raw`). Addresses and names came from upstream configs unchecked
/// before: `a@b` followed by a newline and `touch pwned` started a new command of the page.
enum Quoting {
    /// `s` as one shell word: as it is when plain, else in single quotes.
    static func shell(_ s: String) -> String {
        if !s.isEmpty, s.first != "-", s.utf8.allSatisfy(plainBytes.contains) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static let plainBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-".utf8)

    /// The addresses fit to print as arguments of a command (`InboxConfig.isValidAddress`).
    static func commandAddresses(_ addresses: [String]) -> [String] {
        addresses.filter(InboxConfig.isValidAddress).map(shell)
    }

    /// `s` as a git config value: quoted when it has to be, `\`, `"`, newline and tab escaped,
    /// other control characters dropped (git config cannot hold them).
    static func configValue(_ s: String) -> String {
        var out = ""
        var quote = s.isEmpty || s.first == " " || s.last == " " || s.first == "\t" || s.last == "\t"
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case ";", "#":
                quote = true
                out.unicodeScalars.append(c)
            default:
                if c.value < 0x20 || c.value == 0x7f { continue }
                out.unicodeScalars.append(c)
            }
        }
        return quote ? "\"" + out + "\"" : out
    }

    /// `s` as a git config subsection name (inside `"…"`).
    static func configSubsection(_ s: String) -> String {
        let printable = s.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }
        return printable.map { $0 == "\\" || $0 == "\"" ? "\\\($0)" : String($0) }.joined()
    }
}
