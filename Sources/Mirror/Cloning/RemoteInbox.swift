import Foundation
import Store
import Support

/// An inbox on another server (Tidings or public-inbox-httpd) as a mirror sees it: its URL, its
/// epochs from `manifest.js.gz` (or, without one, found by asking git), its config snippet.
public struct RemoteInbox: Sendable {
    /// The inbox URL without a trailing slash (`https://lore.kernel.org/kvm`).
    public let url: String
    /// The last path segment of `url`.
    public var name: String { String(url.split(separator: "/").last ?? "inbox") }

    public init(url: String) {
        var u = url
        while u.hasSuffix("/") { u.removeLast() }
        self.url = u
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

    /// The inbox's manifest, nil when the server has none (404).
    public func manifest() throws -> Manifest? {
        guard let gz = try HTTPGet.fetch(url + "/manifest.js.gz", allowMissing: true) else { return nil }
        let json = try Subprocess.execute(["gzip", "-dc"], input: gz)
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
            let r = try Subprocess.execute(["git", "ls-remote", "--heads", epochURL(n)], environment: ["GIT_TERMINAL_PROMPT": "0"])
            guard r.status == 0 else { break }
            out.append((n, nil))
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

    /// The addresses, newsgroup and description in the inbox's `_/text/config/raw`.
    public func configSnippet() throws -> (addresses: [String], newsgroup: String?) {
        guard let text = try HTTPGet.fetch(url + "/_/text/config/raw", allowMissing: true) else { return ([], nil) }
        let tmp = NSTemporaryDirectory() + "tidings-config-" + UUID().uuidString
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text)) else {
            throw Subprocess.Failure(description: "cannot write \(tmp) to read \(url)/_/text/config/raw")
        }
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let entries: [(key: String, value: String)]
        do {
            entries = try PIConfig(path: tmp).entries()
        } catch {
            throw Subprocess.Failure(description: "\(url)/_/text/config/raw is not a git config file")
        }
        var addresses: [String] = []
        var newsgroup: String?
        for (key, value) in entries {
            if key.hasSuffix(".address") { addresses.append(value) }
            if key.hasSuffix(".newsgroup") { newsgroup = value }
        }
        return (addresses, newsgroup)
    }

    /// A site root and the inboxes its `manifest.js.gz` lists.
    public enum Site {
        /// `/PATH/git/N.git` → (`/PATH`, N).
        static func split(_ key: String) -> (String, Int)? {
            guard key.hasSuffix(".git"), let g = key.range(of: "/git/", options: .backwards) else { return nil }
            let num = key[g.upperBound..<key.index(key.endIndex, offsetBy: -4)]
            guard !num.isEmpty, num.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(num) else { return nil }
            return (String(key[..<g.lowerBound]), n)
        }

        /// The inbox URLs under `siteURL` that its manifest lists, by name; nil when `siteURL`
        /// has no manifest.
        public static func inboxes(siteURL: String) throws -> [RemoteInbox]? {
            var root = siteURL
            while root.hasSuffix("/") { root.removeLast() }
            guard let m = try RemoteInbox(url: root).manifest() else { return nil }
            let paths = Set(m.entries.keys.compactMap { split($0)?.0 })
            return paths.sorted().map { RemoteInbox(url: root + $0) }
        }
    }
}

extension String {
    /// The text on one line, trimmed.
    func trimmingASCIIWhitespaceLines() -> String {
        split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }
}
