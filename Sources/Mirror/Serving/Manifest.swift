import Foundation
import Store
import Support

/// grokmirror's `manifest.js.gz` (before gzip): one entry per git repository, keyed by its URL
/// path (`/INBOX/git/N.git`), as public-inbox-httpd serves it and grok-pull and
/// public-inbox-clone read it.
public struct Manifest: Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var description: String?
        /// SHA-1 of `git show-ref`'s output: changes exactly when a ref moves.
        public var fingerprint: String?
        /// Newest committer time of any ref (Unix seconds).
        public var modified: Int64?
        /// `gitweb.owner`, if set.
        public var owner: String?
        /// The URL path of the repository whose objects this one borrows, if any.
        public var reference: String?

        public init(description: String?, fingerprint: String?, modified: Int64?, owner: String? = nil, reference: String? = nil) {
            self.description = description
            self.fingerprint = fingerprint
            self.modified = modified
            self.owner = owner
            self.reference = reference
        }

        enum CodingKeys: String, CodingKey { case description, fingerprint, modified, owner, reference }

        // every key written, null included, as public-inbox writes them
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(description, forKey: .description)
            try c.encode(fingerprint, forKey: .fingerprint)
            try c.encode(modified, forKey: .modified)
            try c.encode(owner, forKey: .owner)
            try c.encode(reference, forKey: .reference)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            description = try? c.decodeIfPresent(String.self, forKey: .description)
            fingerprint = try? c.decodeIfPresent(String.self, forKey: .fingerprint)
            modified = try? c.decodeIfPresent(Int64.self, forKey: .modified)
            // a time of 1e300 trapped converting to Int64 (found writing the fuzz target manifest): such a time is none
            if modified == nil, let d = try? c.decodeIfPresent(Double.self, forKey: .modified) {
                modified = Int64(exactly: d.rounded(.towardZero))
            }
            owner = try? c.decodeIfPresent(String.self, forKey: .owner)
            reference = try? c.decodeIfPresent(String.self, forKey: .reference)
        }
    }

    public var entries: [String: Entry]

    public init(entries: [String: Entry] = [:]) { self.entries = entries }

    /// Newest `modified` of any entry.
    public var modified: Int64? { entries.values.compactMap(\.modified).max() }

    /// The JSON text (keys sorted, so equal manifests are equal bytes).
    public func json() throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(entries))
    }

    /// Parses a manifest's JSON; anything else is a clear error.
    public static func parse(_ bytes: [UInt8]) throws -> Manifest {
        do {
            return Manifest(entries: try JSONDecoder().decode([String: Entry].self, from: Data(bytes)))
        } catch {
            let start = String(decoding: bytes.prefix(40), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            throw Subprocess.Failure(description: "not a grokmirror manifest (a JSON object of repositories): starts \"\(start)\"")
        }
    }

    /// Adds every epoch of the inbox `name` in `repository`; `description` names the inbox
    /// (an epoch without a description of its own is "DESCRIPTION [epoch N]"). With `cache`,
    /// git runs only for epochs that changed since it last did.
    public mutating func add(inbox name: String, repository: InboxRepository, description: String, cache: ManifestCache? = nil) {
        for n in repository.epochs() {
            let dir = repository.epochPath(n)
            guard var e = cache.map({ $0.entry(gitDir: dir) }) ?? Manifest.entry(gitDir: dir) else { continue }
            if e.description == nil { e.description = "\(description) [epoch \(n)]" }
            entries["/\(name)/git/\(n).git"] = e
        }
    }

    /// The entry of one repository, nil when it has no refs (an empty epoch, as public-inbox
    /// leaves it out). `description` is nil when the repository has none of its own.
    public static func entry(gitDir: String) -> Entry? {
        guard
            let refs = try? Subprocess.execute([
                "git", "--git-dir=\(gitDir)", "for-each-ref", "--format=%(objectname) %(refname) %(committerdate:raw)",
            ]), refs.status == 0
        else { return nil }
        var showRef = ""
        var modified: Int64?
        for line in refs.text.split(separator: "\n") {
            let f = line.split(separator: " ", maxSplits: 3)
            guard f.count >= 2 else { continue }
            showRef += "\(f[0]) \(f[1])\n"
            if f.count >= 3, let t = Int64(f[2]) { modified = max(modified ?? t, t) }
        }
        guard !showRef.isEmpty else { return nil }
        let owner = (try? Subprocess.text(["git", "--git-dir=\(gitDir)", "config", "--get", "gitweb.owner"])).flatMap {
            $0.isEmpty ? nil : $0
        }
        var description: String?
        if let d = try? String(contentsOfFile: gitDir + "/description", encoding: .utf8) {
            let t = d.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if !t.isEmpty && !t.hasPrefix("Unnamed repository") { description = t }
        }
        return Entry(
            description: description, fingerprint: Digest.sha1Hex(Array(showRef.utf8)), modified: modified, owner: owner)
    }
}
