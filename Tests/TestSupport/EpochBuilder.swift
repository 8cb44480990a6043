import Foundation

/// Writes a git epoch commit by commit through git's own `fast-import` (not Tidings' writer), so
/// tests can craft what real archives hold: any tree, author lines git's default date check
/// refuses, several branches and merges.
public final class EpochBuilder {
    private var stream: [UInt8] = []
    private var mark = 0
    private var started: Set<String> = []
    /// Continue the epoch's existing master (`refs/heads/master^0`) instead of starting a history.
    public var continuing = false
    public static let defaultAuthor = "A U Thor <author@example.org> 1556496000 +0000"

    public init(continuing: Bool = false) { self.continuing = continuing }

    /// A commit on `branch` whose tree holds exactly `files`; returns its mark (for `from`/`merge`).
    @discardableResult
    public func commit(
        files: [String: [UInt8]], author: String = defaultAuthor, committer: String? = nil, branch: String = "refs/heads/master",
        from: Int? = nil, merge: Int? = nil, subject: String = "crafted", executable: Set<String> = []
    ) -> Int {
        var blobs: [(String, Int)] = []
        for (path, bytes) in files.sorted(by: { $0.key < $1.key }) {
            mark += 1
            append("blob\nmark :\(mark)\ndata \(bytes.count)\n")
            stream += bytes
            append("\n")
            blobs.append((path, mark))
        }
        mark += 1
        let msg = Array((subject + "\n").utf8)
        append("commit \(branch)\nmark :\(mark)\nauthor \(author)\ncommitter \(committer ?? author)\ndata \(msg.count)\n")
        stream += msg
        append("\n")
        if let from {
            append("from :\(from)\n")
        } else if continuing && branch == "refs/heads/master" && !started.contains(branch) {
            append("from refs/heads/master^0\n")
        }
        started.insert(branch)
        if let merge { append("merge :\(merge)\n") }
        append("deleteall\n")
        for (path, m) in blobs { append("M \(executable.contains(path) ? "100755" : "100644") :\(m) \(path)\n") }
        append("\n")
        return mark
    }

    /// public-inbox's shape: a commit whose tree is the message as `m`.
    @discardableResult
    public func message(_ bytes: [UInt8], author: String = defaultAuthor) -> Int { commit(files: ["m": bytes], author: author) }

    /// A removal: the message as `d`.
    @discardableResult
    public func remove(_ bytes: [UInt8]) -> Int { commit(files: ["d": bytes]) }

    /// Writes everything into the bare repository `gitDir` (created when missing).
    public func write(gitDir: String) throws {
        if !FileManager.default.fileExists(atPath: gitDir + "/HEAD") {
            let r = try Command.run(["git", "init", "-q", "--bare", gitDir])
            guard r.status == 0 else { throw EpochBuilderError(message: r.stderr) }
        }
        let r = try Command.run(
            ["git", "--git-dir=\(gitDir)", "fast-import", "--quiet", "--date-format=raw-permissive", "--force"],
            input: stream + Array("done\n".utf8))
        guard r.status == 0 else { throw EpochBuilderError(message: r.stderr) }
    }

    private func append(_ s: String) { stream += Array(s.utf8) }
}

public struct EpochBuilderError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "git fast-import: \(message)" }
}

/// A small message with the given headers (each "Name: value") and body.
public func craftedMessage(_ headers: [String], body: String = "Hello.\n") -> [UInt8] {
    Array((headers.joined(separator: "\n") + "\n\n" + body).utf8)
}
