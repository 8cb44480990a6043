import Foundation
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// Manifest entries of the epochs a server serves, each kept until its repository changes:
/// a request for `manifest.js.gz` then costs a few `stat` calls per epoch and runs git only
/// for the epochs whose refs moved since (a fetch, new mail, a removal) instead of twice for
/// every epoch. A repository's stamp is what git rewrites when a ref or the served description
/// changes: `packed-refs`, the files under `refs/heads/` (written by rename, so a new inode and
/// time each), `config` and `description`.
public final class ManifestCache: @unchecked Sendable {
    private let lock = Lock()
    private var entries: [String: (stamp: [Int], entry: Manifest.Entry?)] = [:]
    private var runs = 0

    public init() {}

    /// Entries computed (git run) since the cache was made.
    public var computed: Int { lock.withLock { runs } }

    /// The entry of the repository at `gitDir`, as `Manifest.entry(gitDir:)` gives it.
    public func entry(gitDir: String) -> Manifest.Entry? {
        let stamp = ManifestCache.stamp(gitDir)
        if let hit = lock.withLock({ entries[gitDir] }), hit.stamp == stamp { return hit.entry }
        let e = Manifest.entry(gitDir: gitDir)
        lock.withLock {
            entries[gitDir] = (stamp, e)
            runs += 1
        }
        return e
    }

    /// Inode, size and modification time of every file that changes with the entry.
    static func stamp(_ gitDir: String) -> [Int] {
        var out: [Int] = []
        func add(_ path: String) {
            var st = stat()
            guard lstat(path, &st) == 0 else {
                out.append(-1)
                return
            }
            out += [Int(st.st_ino), Int(st.st_size), st.st_mtim.tv_sec, st.st_mtim.tv_nsec]
            guard (st.st_mode & S_IFMT) == S_IFDIR else { return }
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() where !name.hasSuffix(".lock") {
                add(path + "/" + name)
            }
        }
        for f in ["packed-refs", "refs/heads", "config", "description"] { add(gitDir + "/" + f) }
        return out
    }
}
