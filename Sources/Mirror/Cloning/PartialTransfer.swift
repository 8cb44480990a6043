import Foundation
import Support

/// What exists of an epoch whose source lacks objects (a pack that lost blobs, a tree gone):
/// `git upload-pack` on the source dies on the first object it cannot read, so a plain clone or
/// fetch moves nothing. git's partial-clone filters get around it with git's own upload-pack:
/// the history comes first without blobs (`--filter=blob:none`, or without trees either,
/// `tree:0`, when a tree is gone), then the objects it names are asked for by id in batches; a
/// batch the source cannot serve names the object it lacks ("not our ref", "unable to read"),
/// which is set aside and the rest asked for again (a batch that names none is halved). The
/// objects the source lacks are returned; the repository ends as an ordinary one without them,
/// as the source is (no promisor remote is left behind, so reading a missing object later is a
/// plain "missing", never a network fetch).
///
/// The source must allow filters (`uploadpack.allowFilter`, which `tidings serve` sets; for
/// public-inbox-httpd the source's git config) and requests by object id (protocol v2).
struct PartialTransfer {
    /// The bare repository being filled: its `refs/heads/` become the source's.
    let gitDir: String
    let url: String
    var progress: Bool
    var limits = MirrorLimits()

    static let remote = "tidings-source"
    /// Object ids asked for in one request.
    static let batch = 2000

    /// Fetches every branch of `url` into `refs/heads/` with what the source has; returns the
    /// ids of the objects it lacks (sorted).
    func run() throws -> [String] {
        let remote = "remote.\(PartialTransfer.remote)"
        for (k, v) in [("url", url), ("promisor", "true"), ("partialclonefilter", "blob:none")] {
            try Subprocess.run(["git", "--git-dir=\(gitDir)", "config", "--", "\(remote).\(k)", v])
        }
        defer { finish() }
        var history = try fetch(["+refs/heads/*:refs/heads/*"], filter: "blob:none")
        if history.status != 0 && PartialTransfer.sourceLacksObjects(history) {
            history = try fetch(["+refs/heads/*:refs/heads/*"], filter: "tree:0")  // a tree is gone too
        }
        guard history.status == 0 else {
            if history.errorText.contains("filtering not recognized") {
                throw Subprocess.Failure(
                    description: "\(url) lacks objects and does not serve partial fetches (git config uploadpack.allowFilter on the source"
                        + " would let what exists be mirrored); nothing mirrored")
            }
            throw EpochSync.failure("fetching what exists of \(url)", history, limits: limits)
        }
        var missing = Set<String>()
        // commits without trees, then trees without blobs, then blobs: each round asks for what
        // the last one brought names of
        for _ in 0..<3 {
            let wanted = try promised().filter { !missing.contains($0) }
            if wanted.isEmpty { break }
            missing.formUnion(try fetchObjects(wanted))
        }
        return missing.sorted()
    }

    /// The objects the repository's history names but does not hold.
    func promised() throws -> [String] {
        let r = try EpochSync.git(["--git-dir=\(gitDir)", "rev-list", "--objects", "--all", "--missing=print"])
        guard r.status == 0 else { throw EpochSync.failure("listing the objects of \(gitDir)", r) }
        return r.text.split(separator: "\n").compactMap { $0.first == "?" ? String($0.dropFirst()) : nil }
    }

    /// Fetches `oids` by id; returns those the source lacks.
    func fetchObjects(_ oids: [String]) throws -> Set<String> {
        var missing = Set<String>()
        var queue = stride(from: 0, to: oids.count, by: PartialTransfer.batch).map {
            Array(oids[$0..<min($0 + PartialTransfer.batch, oids.count)])
        }
        while var batch = queue.popLast() {
            let r = try fetch(batch, filter: "blob:none")
            if r.status == 0 { continue }
            guard PartialTransfer.sourceLacksObjects(r) else { throw EpochSync.failure("fetching objects of \(url)", r, limits: limits) }
            if let named = PartialTransfer.namedObject(r.errorText), let i = batch.firstIndex(of: named) {
                missing.insert(named)
                batch.remove(at: i)
                if !batch.isEmpty { queue.append(batch) }
            } else if batch.count > 1 {
                let half = batch.count / 2
                queue.append(Array(batch[half...]))
                queue.append(Array(batch[..<half]))
            } else {
                missing.insert(batch[0])
            }
        }
        return missing
    }

    /// One `git fetch` of `refspecs` (or object ids) from the source with `filter`.
    func fetch(_ refspecs: [String], filter: String) throws -> EpochSync.Ran {
        let args = [
            "-c", "protocol.version=2", "-c", "fetch.unpackLimit=1", "--git-dir=\(gitDir)", "fetch", progress ? "--progress" : "-q",
            "--no-tags", "--no-write-fetch-head", "--filter=\(filter)", "--stdin", PartialTransfer.remote,
        ]
        return try EpochSync.git(args, input: Array((refspecs.joined(separator: "\n") + "\n").utf8), progress: progress, limits: limits)
    }

    /// An ordinary repository again: no promisor remote, no promisor packs.
    func finish() {
        _ = try? EpochSync.git(["--git-dir=\(gitDir)", "config", "--remove-section", "remote.\(PartialTransfer.remote)"])
        let packs = gitDir + "/objects/pack"
        for f in (try? FileManager.default.contentsOfDirectory(atPath: packs)) ?? [] where f.hasSuffix(".promisor") {
            try? FileManager.default.removeItem(atPath: packs + "/" + f)
        }
    }

    /// Whether a failed transfer failed because the source cannot read some of its objects.
    static func sourceLacksObjects(_ r: EpochSync.Ran) -> Bool {
        let t = r.errorText
        return t.contains("unable to read") || t.contains("corruption on the remote side") || t.contains("not our ref")
            || t.contains("did not send all necessary objects")
    }

    /// The object a failed upload-pack names as unreadable or unknown.
    static func namedObject(_ text: String) -> String? {
        for marker in ["not our ref ", "unable to read "] {
            guard let r = text.range(of: marker) else { continue }
            let oid = text[r.upperBound...].prefix { $0.isHexDigit }
            if oid.count == 40 || oid.count == 64 { return String(oid) }
        }
        return nil
    }
}
