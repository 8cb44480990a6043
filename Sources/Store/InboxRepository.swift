import Mail
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// An inbox directory in public-inbox v2 layout: epochs `DIR/git/N.git`, the `DIR/all.git`
/// that borrows all their objects, `inbox.lock` and `description`.
public struct InboxRepository: Sendable {
    public let dir: String

    public init(dir: String) { self.dir = dir }

    public var allGit: String { dir + "/all.git" }
    public func epochPath(_ n: Int) -> String { "\(dir)/git/\(n).git" }

    /// Epoch numbers present, ascending.
    public func epochs() -> [Int] {
        guard let d = opendir(dir + "/git") else { return [] }
        defer { closedir(d) }
        var out: [Int] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasSuffix(".git"), let n = Int(name.dropLast(4)), n >= 0 { out.append(n) }
        }
        return out.sorted()
    }

    public var exists: Bool { fileExists(dir + "/inbox.lock") || fileExists(dir + "/git") }

    /// Creates the layout `public-inbox-init -V2` creates (epoch 0 included).
    public func create(primaryAddress: String) throws {
        try Subprocess.run(["mkdir", "-p", dir + "/git"])
        try initBare(allGit)
        try createEpoch(0)
        if !fileExists(dir + "/inbox.lock") { try writeFile(dir + "/inbox.lock", []) }
        if !fileExists(dir + "/description") {
            try writeFile(dir + "/description", Array("public inbox for \(primaryAddress)\n".utf8))
        }
    }

    private func initBare(_ path: String) throws {
        if fileExists(path + "/HEAD") { return }
        try Subprocess.run(["git", "init", "-q", "--bare", path])
        try Subprocess.run(["git", "--git-dir=\(path)", "symbolic-ref", "HEAD", "refs/heads/master"])
        try Subprocess.run(["git", "--git-dir=\(path)", "config", "repack.writeBitmaps", "true"])
    }

    /// Creates epoch `n` and lists it in all.git's alternates.
    public func createEpoch(_ n: Int) throws {
        let path = epochPath(n)
        if !fileExists(path + "/HEAD") {
            try initBare(path)
            try Subprocess.run(["git", "--git-dir=\(path)", "config", "include.path", "../../all.git/config"])
        }
        try updateAlternates()
    }

    /// all.git/objects/info/alternates: one relative line per epoch, newest first.
    public func updateAlternates() throws {
        if !fileExists(allGit + "/HEAD") { try initBare(allGit) }
        try Subprocess.run(["mkdir", "-p", allGit + "/objects/info"])
        let lines = epochs().reversed().map { "../../git/\($0).git/objects\n" }.joined()
        try writeFile(allGit + "/objects/info/alternates", Array(lines.utf8))
    }

    /// The commit at the tip of an epoch's branch, nil for an empty epoch.
    public func tip(_ n: Int) -> String? {
        guard let t = try? Subprocess.text(["git", "--git-dir=\(epochPath(n))", "rev-parse", "-q", "--verify", "refs/heads/master^0"]),
            t.count == 40
        else { return nil }
        return t
    }

    /// Whether commit `old` is in the history of `new` in epoch `n`: false when it is not (the
    /// history was rewritten: public-inbox-purge, public-inbox-edit, a forced fetch) or when
    /// `old` can no longer be read.
    public func history(_ n: Int, of new: String, contains old: String) -> Bool {
        let r = try? Subprocess.execute(["git", "--git-dir=\(epochPath(n))", "merge-base", "--is-ancestor", old, new])
        return r?.status == 0
    }

    /// The newest commit that the histories of `a` and `b` share in epoch `n` (nil when they share
    /// none or one of them cannot be read).
    public func mergeBase(_ n: Int, _ a: String, _ b: String) -> String? {
        guard let t = try? Subprocess.text(["git", "--git-dir=\(epochPath(n))", "merge-base", a, b]), t.count == 40 else {
            return nil
        }
        return t
    }

    /// Bytes of git data on disk for an epoch (packs and loose objects).
    public func diskBytes(_ n: Int) -> Int {
        guard let out = try? Subprocess.text(["git", "--git-dir=\(epochPath(n))", "count-objects", "-v"]) else { return 0 }
        var kib = 0
        for line in out.split(separator: "\n") {
            let kv = line.split(separator: ":")
            if kv.count == 2, kv[0] == "size" || kv[0] == "size-pack" { kib += Int(kv[1].trimmingCharacters(in: " ")) ?? 0 }
        }
        return kib * 1024
    }
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw Subprocess.Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeBufferPointer { write(fd, $0.baseAddress! + off, $0.count - off) }
        if n <= 0 { throw Subprocess.Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
        off += n
    }
}

public func fileExists(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0
}
