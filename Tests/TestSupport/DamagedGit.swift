import Foundation

/// Damaging a git repository the way partial mirrors and broken disks do, for the tests of what
/// one missing object costs.
public enum DamagedGit {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Turns a repository's packs into loose objects, so single objects can be deleted.
    public static func unpack(_ gitDir: String) throws {
        let dir = gitDir + "/objects/pack"
        for p in try FileManager.default.contentsOfDirectory(atPath: dir) where p.hasSuffix(".pack") {
            guard let data = FileManager.default.contents(atPath: dir + "/" + p) else { throw Failure(description: "cannot read \(p)") }
            try FileManager.default.removeItem(atPath: dir + "/" + p)
            try FileManager.default.removeItem(atPath: dir + "/" + p.replacingOccurrences(of: ".pack", with: ".idx"))
            let r = try Command.run(["git", "--git-dir=\(gitDir)", "unpack-objects", "-q"], input: Array(data))
            guard r.status == 0 else { throw Failure(description: "git unpack-objects failed: \(r.stderr)") }
        }
    }

    /// Deletes one loose object.
    public static func deleteObject(_ oid: String, in gitDir: String) throws {
        try FileManager.default.removeItem(atPath: "\(gitDir)/objects/\(oid.prefix(2))/\(oid.dropFirst(2))")
    }
}
