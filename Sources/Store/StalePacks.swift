#if canImport(Glibc)
    import Glibc
#endif

extension InboxRepository {
    /// How long a temporary pack file must have gone unwritten before it counts as abandoned.
    /// git writes its `tmp_pack_*` as objects arrive (fast-import, index-pack of a fetch,
    /// pack-objects of a repack), so a live one is never an hour old; a fetch that the mirror
    /// code runs outside the inbox lock may still own a recent one.
    public static let stalePackAge: Int = 3600

    /// Removes the `objects/pack/tmp_*` files (`tmp_pack_`, `tmp_idx_`, `tmp_rev_`, …) that a
    /// killed or disk-full git fast-import, fetch or repack left in the epochs and all.git,
    /// when they were last written over `olderThan` seconds ago. They are never used again and
    /// can be as large as the pack being written. Call under the inbox's write lock. Returns the
    /// paths removed.
    @discardableResult
    public func removeStaleTemporaryPacks(olderThan age: Int = InboxRepository.stalePackAge) -> [String] {
        let now = time(nil)
        var removed: [String] = []
        for gitDir in epochs().map(epochPath) + [allGit] {
            let packDir = gitDir + "/objects/pack"
            guard let d = opendir(packDir) else { continue }
            defer { closedir(d) }
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name.hasPrefix("tmp_") else { continue }
                let path = packDir + "/" + name
                var st = stat()
                guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, now - st.st_mtim.tv_sec > age else { continue }
                if unlink(path) == 0 { removed.append(path) }
            }
        }
        return removed
    }
}
