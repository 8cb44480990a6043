import Foundation
import Store
import Support

/// An inbox on another server (Tidings or public-inbox-httpd) as a mirror sees it: its URL, its
/// epochs from `manifest.js.gz` (or, without one, found by asking git), its config snippet.
/// Everything read from it is bounded (`limits`) and checked before use.
public struct RemoteInbox: Sendable {
    /// The inbox URL without a trailing slash (`https://lore.kernel.org/kvm`).
    public let url: String
    public var limits: MirrorLimits
    /// The last path segment of `url`.
    public var name: String { String(url.split(separator: "/").last ?? "inbox") }

    public init(url: String, limits: MirrorLimits = MirrorLimits()) {
        var u = url
        while u.hasSuffix("/") { u.removeLast() }
        self.url = u
        self.limits = limits
    }

    /// A URL without a path (`https://lore.kernel.org/`): a site, not an inbox.
    public var isSiteRoot: Bool { path.isEmpty }

    /// The path part of `url` (`/kvm`).
    var path: String {
        guard let scheme = url.range(of: "://") else { return "/" + name }
        let rest = url[scheme.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return "" }
        return String(rest[slash...])
    }

    public func epochURL(_ n: Int) -> String { "\(url)/git/\(n).git" }

    /// An http or https URL with a host and nothing that is not printable ASCII: anything else
    /// (`--upload-pack=…` reached curl as an option, `ext::` would run a command) is refused.
    public static func checkURL(_ url: String) throws {
        let lower = url.lowercased()
        let scheme = ["http://", "https://"].first { lower.hasPrefix($0) }
        guard let scheme, url.utf8.count > scheme.utf8.count, url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }),
            !url.dropFirst(scheme.count).hasPrefix("/")
        else {
            throw Subprocess.Failure(description: "\"\(url)\" is not an http:// or https:// URL of an inbox or site")
        }
    }

    /// The inbox's manifest, nil when the server has none (404). Both the download and what it
    /// inflates to are bounded (`maxManifestBytes`): a 1 MB gzip inflating to 1 GiB took 2.13 GB.
    public func manifest() throws -> Manifest? {
        let max = limits.maxManifestBytes
        guard let gz = try HTTPGet.fetch(url + "/manifest.js.gz", what: "manifest.js.gz", maxBytes: max, limits: limits, allowMissing: true)
        else { return nil }
        let json = try BoundedRun.execute(["gzip", "-dc"], input: gz, maxOutput: max)
        if json.exceeded {
            throw MirrorLimitExceeded(
                "\(url)/manifest.js.gz inflates to more than \(HTTPGet.describe(bytes: max)); not read (a gzip bomb, or not a manifest)")
        }
        guard json.status == 0 else {
            throw Subprocess.Failure(description: "\(url)/manifest.js.gz is not gzip: \(json.errorText.trimmingASCIIWhitespaceLines())")
        }
        return try Manifest.parse(json.stdout)
    }

    /// Epoch numbers with their manifest entries (fingerprint nil when unknown), ascending.
    public func epochs() throws -> [(epoch: Int, entry: Manifest.Entry?)] {
        if let m = try manifest() { return RemoteInbox.epochs(in: m, inboxPath: path) }
        // no manifest: ask git for epochs 0, 1, … until one is missing
        var out: [(Int, Manifest.Entry?)] = []
        for n in 0..<1000 {
            let r = try EpochSync.git(["ls-remote", "--heads", "--", epochURL(n)], limits: limits)
            if r.status == 0 {
                out.append((n, nil))
                continue
            }
            // the first epoch missing ends the list; a stalled or failing source is an error
            guard r.errorText.contains("not found") else { throw EpochSync.failure("listing \(epochURL(n))", r, limits: limits) }
            break
        }
        return out
    }

    /// The epochs of the inbox at `inboxPath` listed in `m` (`/PATH/git/N.git`); a manifest of
    /// one inbox served under another path counts as that inbox's.
    static func epochs(in m: Manifest, inboxPath: String) -> [(epoch: Int, entry: Manifest.Entry?)] {
        var byInbox: [String: [(Int, Manifest.Entry?)]] = [:]
        for (key, entry) in m.entries {
            guard let (inbox, n) = Site.split(key) else { continue }
            byInbox[inbox, default: []].append((n, entry))
        }
        let mine = byInbox[inboxPath] ?? (byInbox.count == 1 ? byInbox.values.first! : [])
        return mine.sorted { $0.0 < $1.0 }
    }

    /// What a mirror takes from the upstream's `_/text/config/raw`: only from the inbox's own
    /// `[publicinbox "NAME"]` section, only plain addresses and a valid newsgroup name.
    public struct ConfigSnippet: Sendable, Equatable {
        public var addresses: [String] = []
        public var newsgroup: String?
        /// Values refused (for a warning), as `key = value` with control characters escaped.
        public var refused: [String] = []
    }

    /// The addresses and newsgroup in the inbox's `_/text/config/raw` (at most `maxConfigBytes`,
    /// read by git from a pipe: nothing is written to disk).
    public func configSnippet() throws -> ConfigSnippet {
        let raw = url + "/_/text/config/raw"
        guard let text = try HTTPGet.fetch(raw, what: "config/raw", maxBytes: limits.maxConfigBytes, limits: limits, allowMissing: true)
        else { return ConfigSnippet() }
        let r = try Subprocess.execute(["git", "config", "--file", "-", "--null", "--list"], input: text)
        guard r.status == 0 else { throw Subprocess.Failure(description: "\(raw) is not a git config file") }
        return RemoteInbox.snippet(from: PIConfig.parseList(r.stdout), inbox: name)
    }

    /// The inbox's own section of `entries`: the one named `inbox`, else the only one there is.
    static func snippet(from entries: [(key: String, value: String)], inbox: String) -> ConfigSnippet {
        let prefix = "publicinbox."
        func section(_ key: String) -> String? {
            guard key.hasPrefix(prefix), let dot = key.lastIndex(of: "."), dot >= key.index(key.startIndex, offsetBy: prefix.count)
            else { return nil }
            return String(key[key.index(key.startIndex, offsetBy: prefix.count)..<dot])
        }
        let sections = Set(entries.compactMap { section($0.key) })
        let own = sections.contains(inbox) ? inbox : (sections.count == 1 ? sections.first : nil)
        var s = ConfigSnippet()
        for (key, value) in entries where section(key) == own && own != nil {
            if key.hasSuffix(".address") {
                if InboxConfig.isValidAddress(value) && s.addresses.count < 100 && !s.addresses.contains(value) {
                    s.addresses.append(value)
                } else {
                    s.refused.append("address = \(escaped(value))")
                }
            } else if key.hasSuffix(".newsgroup") {
                if InboxConfig.isValidNewsgroup(value) { s.newsgroup = value } else { s.refused.append("newsgroup = \(escaped(value))") }
            }
        }
        return s
    }

    /// `value` with control characters as `\n`, `\u{1b}`…, and cut at 200 characters: safe to print.
    static func escaped(_ value: String) -> String {
        let e = value.unicodeScalars.map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }.joined()
        return e.count > 200 ? String(e.prefix(200)) + "…" : e
    }

    /// A site root and the inboxes its `manifest.js.gz` lists.
    public enum Site {
        /// `/PATH/git/N.git` → (`/PATH`, N).
        static func split(_ key: String) -> (String, Int)? {
            guard key.hasSuffix(".git"), let g = key.range(of: "/git/", options: .backwards) else { return nil }
            let num = key[g.upperBound..<key.index(key.endIndex, offsetBy: -4)]
            // written as public-inbox names epochs: no sign, no leading zero (`05.git` and `5.git` were one
            // epoch twice: found by fuzzing)
            guard !num.isEmpty, num.count < 7, num.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(num), String(n) == num
            else { return nil }
            return (String(key[..<g.lowerBound]), n)
        }

        /// Whether a manifest's inbox path stays under the site: `/SEGMENT/…` of plain
        /// characters, no `.` or `..` segment, ending in a usable inbox name. A key such as
        /// `@otherhost/x/git/0.git`, `//otherhost/…` or an absolute URL would point the clone
        /// at another host once appended to the site's URL.
        static func isInboxPath(_ p: String) -> Bool {
            guard p.hasPrefix("/"), p.utf8.count <= 1024 else { return false }
            let segments = p.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
            guard let last = segments.last, Mirroring.isValidName(String(last)) else { return false }
            return segments.allSatisfy { s in
                !s.isEmpty && s != "." && s != ".." && s.utf8.allSatisfy { pathBytes.contains($0) }
            }
        }

        static let pathBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+~".utf8)

        /// The inbox URLs under `siteURL` that its manifest lists, by name; nil when `siteURL`
        /// has no manifest. Paths that would leave the site are left out (`refused`).
        public static func inboxes(siteURL: String, limits: MirrorLimits = MirrorLimits()) throws -> (
            inboxes: [RemoteInbox], refused: [String]
        )? {
            var root = siteURL
            while root.hasSuffix("/") { root.removeLast() }
            guard let m = try RemoteInbox(url: root, limits: limits).manifest() else { return nil }
            let paths = Set(m.entries.keys.compactMap { split($0)?.0 })
            let refused = paths.filter { !isInboxPath($0) }.sorted().map(escaped)
            return (paths.filter(isInboxPath).sorted().map { RemoteInbox(url: root + $0, limits: limits) }, refused)
        }
    }
}

extension String {
    /// The text on one line, trimmed.
    func trimmingASCIIWhitespaceLines() -> String {
        split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }
}
