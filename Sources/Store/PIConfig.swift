import Mail
import Support

/// One inbox as the public-inbox config file describes it.
public struct InboxConfig: Sendable, Equatable {
    public var name: String
    public var dir: String
    public var addresses: [String]
    public var url: String?
    public var description: String?
    /// Tidings' limit on the size of mail taken in (`publicinbox.NAME.maxMessageSize`, else
    /// `tidings.maxMessageSize`; git's k/m/g suffixes; 0 for none). Nil: the default.
    public var maxMessageSize: Int?
    /// `publicinbox.NAME.newsgroup`: the NNTP group (and IMAP mailbox stem) when set.
    public var newsgroup: String?

    public init(
        name: String, dir: String, addresses: [String], url: String? = nil, description: String? = nil, maxMessageSize: Int? = nil,
        newsgroup: String? = nil
    ) {
        self.name = name
        self.dir = dir
        self.addresses = addresses
        self.url = url
        self.description = description
        self.maxMessageSize = maxMessageSize
        self.newsgroup = newsgroup
    }

    /// Tidings' limit when the config names none: above what MTAs commonly accept (10 to 50 MB),
    /// far below what stalls a page (public-inbox itself has no limit).
    public static let defaultMaxMessageSize = 32 << 20

    /// The size limit in force for mail taken in (nil: none). Messages already in git may be
    /// larger: pages bound what they render of them by the overview's byte count.
    public var ingestLimit: Int? {
        let v = maxMessageSize ?? InboxConfig.defaultMaxMessageSize
        return v == 0 ? nil : v
    }

    /// A git config integer: digits with an optional k, m or g suffix (powers of 1024).
    public static func parseSize(_ text: String) -> Int? {
        var t = text.trimmingASCIIWhitespace().lowercased()
        var scale = 1
        if let last = t.last, let s = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30][String(last)] {
            scale = s
            t.removeLast()
        }
        guard let n = Int(t), n >= 0 else { return nil }
        return n.multipliedReportingOverflow(by: scale).overflow ? nil : n * scale
    }

    public var primaryAddress: String { addresses.first ?? "\(name)@localhost" }

    /// The configured newsgroup, else one derived from the inbox name: lower case (IMAP
    /// mailbox names are case-insensitive), characters public-inbox refuses turned into `-`, and
    /// a trailing `.DIGITS` (which would read as an IMAP slice) kept apart with `_`.
    public var newsgroupName: String {
        if let g = newsgroup, Self.isValidNewsgroup(g) { return g }
        var g = String(name.lowercased().map { Self.newsgroupCharacters.contains($0) ? $0 : "-" })
        if g.isEmpty { g = "inbox" }
        if let dot = g.lastIndex(of: "."), g[g.index(after: dot)...].allSatisfy(\.isNumber) { g += "_" }
        return g
    }

    static let newsgroupCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789/_.-~@+=:")

    /// Whether `address` is one plain mail address, `LOCAL@DOMAIN` (RFC 5322 atext and dots;
    /// domain labels of letters, digits and `-`), at most 254 bytes. Nothing else is taken from
    /// an upstream's config: addresses such as `--global`, `-c core.sshCommand=touch pwned` or
    /// one holding a newline were stored and then printed into shell commands and config text.
    public static func isValidAddress(_ address: String) -> Bool {
        let u = Array(address.utf8)
        guard u.count <= 254, let at = u.lastIndex(of: UInt8(ascii: "@")), at > 0, at < u.count - 1 else { return false }
        let local = u[..<at]
        let domain = u[(at + 1)...]
        guard local.first != UInt8(ascii: "-"), local.first != UInt8(ascii: "."), local.allSatisfy(addressLocalBytes.contains) else {
            return false
        }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != UInt8(ascii: "-") && label.allSatisfy(domainBytes.contains)
        }
    }

    static let domainBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-".utf8)
    static let addressLocalBytes = domainBytes.union("!#$%&'*+/=?^_`{|}~.".utf8)

    /// Whether public-inbox would serve `name` as a newsgroup and IMAP mailbox: RFC 3977
    /// wildmat-exact and IMAP ATOM-CHAR safe, lower case, not ending in a slice number.
    public static func isValidNewsgroup(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first.isNumber, name.allSatisfy({ newsgroupCharacters.contains($0) }) else {
            return false
        }
        if let dot = name.lastIndex(of: "."), name[name.index(after: dot)...].allSatisfy(\.isNumber) { return false }
        return true
    }
}

/// public-inbox's own config file (`$PI_CONFIG`, default `~/.public-inbox/config`), read and
/// written through `git config` so that both tools share one file.
public struct PIConfig: Sendable {
    public let path: String

    public init(path: String? = nil) {
        self.path = path ?? PIConfig.defaultPath()
    }

    public static func defaultPath() -> String {
        func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        if let p = env("PI_CONFIG"), !p.isEmpty { return p }
        if let d = env("PI_DIR"), !d.isEmpty { return d + "/config" }
        return (env("HOME") ?? "/root") + "/.public-inbox/config"
    }

    public struct NotFound: Error, CustomStringConvertible {
        public let name: String
        public let path: String
        public init(name: String, path: String) {
            self.name = name
            self.path = path
        }
        public var description: String { "no inbox named \"\(name)\" in \(path) (tidings init creates one)" }
    }

    /// Every key and value of the file in file order, as git reads it (includes, quoting,
    /// continuation lines); keys as git prints them (section and variable names in lower case).
    /// A file that does not exist has none; one git cannot read is an error.
    public func entries() throws -> [(key: String, value: String)] {
        guard fileExists(path) else { return [] }
        return PIConfig.parseList(try Subprocess.run(["git", "config", "--file", path, "--null", "--list"]))
    }

    /// The keys and values of `git config --null --list` output, in order.
    public static func parseList(_ out: [UInt8]) -> [(key: String, value: String)] {
        out.split(separator: 0).compactMap { entry in
            // a key without a value (`[s] flag`) is printed without the newline
            guard let nl = entry.firstIndex(of: 0x0A) else { return (String(decoding: entry, as: UTF8.self), "") }
            return (String(decoding: entry[entry.startIndex..<nl], as: UTF8.self), String(decoding: entry[(nl + 1)...], as: UTF8.self))
        }
    }

    /// Every `[publicinbox "NAME"]` section with an inboxdir (or v1 mainrepo), in file order.
    public func inboxes() throws -> [InboxConfig] {
        var order: [String] = []
        var byName: [String: InboxConfig] = [:]
        var globalMax: Int?
        for (key, value) in try entries() {
            if key.lowercased() == "tidings.maxmessagesize" { globalMax = InboxConfig.parseSize(value) }
            guard key.lowercased().hasPrefix("publicinbox."), let lastDot = key.lastIndex(of: ".") else { continue }
            let nameStart = key.index(key.startIndex, offsetBy: 12)
            guard nameStart < lastDot else { continue }
            let name = String(key[nameStart..<lastDot])
            let field = key[key.index(after: lastDot)...].lowercased()
            if byName[name] == nil {
                order.append(name)
                byName[name] = InboxConfig(name: name, dir: "", addresses: [])
            }
            switch field {
            case "inboxdir", "mainrepo": byName[name]!.dir = value
            case "address": byName[name]!.addresses.append(value)
            case "url": byName[name]!.url = value
            case "description": byName[name]!.description = value
            case "maxmessagesize": byName[name]!.maxMessageSize = InboxConfig.parseSize(value)
            case "newsgroup": byName[name]!.newsgroup = value
            default: break
            }
        }
        return order.compactMap { byName[$0] }.filter { !$0.dir.isEmpty }.map { c in
            var c = c
            c.maxMessageSize = c.maxMessageSize ?? globalMax
            return c
        }
    }

    public func inbox(named name: String) throws -> InboxConfig {
        guard let found = try inboxes().first(where: { $0.name == name }) else { throw NotFound(name: name, path: path) }
        return found
    }

    /// Records an inbox, as `public-inbox-init` does (values after `--`: never options to git).
    public func add(_ inbox: InboxConfig) throws {
        let dir = NSStringPath(s: path).deletingLastComponent
        if !dir.isEmpty { try Subprocess.run(["mkdir", "-p", dir]) }
        let section = "publicinbox.\(inbox.name)"
        try? Subprocess.run(["git", "config", "--file", path, "--unset-all", "--", "\(section).address"])
        for a in inbox.addresses {
            try Subprocess.run(["git", "config", "--file", path, "--add", "--", "\(section).address", a])
        }
        if let url = inbox.url { try Subprocess.run(["git", "config", "--file", path, "--", "\(section).url", url]) }
        try Subprocess.run(["git", "config", "--file", path, "--", "\(section).inboxdir", inbox.dir])
        if let d = inbox.description {
            try Subprocess.run(["git", "config", "--file", path, "--", "\(section).description", d])
        }
        if let g = inbox.newsgroup { try Subprocess.run(["git", "config", "--file", path, "--", "\(section).newsgroup", g]) }
    }

    /// Every value of `key` (e.g. `publicinbox.nntpserver`), in file order.
    public func values(_ key: String) throws -> [String] {
        guard fileExists(path) else { return [] }
        guard let out = try? Subprocess.run(["git", "config", "--file", path, "--null", "--get-all", key]) else { return [] }
        return out.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Path helpers without Foundation.
struct NSStringPath {
    let s: String
    var deletingLastComponent: String {
        guard let slash = s.lastIndex(of: "/") else { return "" }
        return String(s[..<slash])
    }
}

#if canImport(Glibc)
    import Glibc
#endif
