import Mail
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// A git identity with a time: `Name <email> SECONDS +ZONE`.
public struct GitIdent: Sendable, Equatable {
    public var name: String
    public var email: String
    public var date: MailDate

    public init(name: String, email: String, date: MailDate) {
        self.name = name
        self.email = email
        self.date = date
    }

    /// Names and addresses cannot hold `<` or `>` in a git ident (public-inbox deletes them too),
    /// nor the control characters `CommitText.clean` takes out.
    static func sanitise(_ s: String) -> String {
        CommitText.clean(s).filter { $0 != "<" && $0 != ">" }.trimmingASCIIWhitespace()
    }

    var line: String { "\(GitIdent.sanitise(name)) <\(GitIdent.sanitise(email))> \(date.gitRaw)" }
}

/// Writes commits of one-file trees to an epoch through one long-lived `git fast-import`.
public final class FastImport {
    private let process: Subprocess
    private let reader: LineReader
    private var mark = 0
    private var parent: String?
    private var syncCount = 0
    public let gitDir: String
    public let ref = "refs/heads/master"

    public init(gitDir: String) throws {
        self.gitDir = gitDir
        FastImport.removeStaleCrashReports(gitDir: gitDir)
        parent = try? Subprocess.text(["git", "--git-dir=\(gitDir)", "rev-parse", "-q", "--verify", "refs/heads/master^0"])
        if parent?.isEmpty == true { parent = nil }
        // fast-import maps the pack it is writing to read objects back, by default in 1 GiB
        // windows up to 8 GiB: its RSS grew with the pack (165 MB of mapped pack after 40,000
        // messages, 380 MB peak for 70,000). The windows of a long-lived reader bound it.
        process = try Subprocess(
            ["git"] + CatFile.boundedMemory + [
                "--git-dir=\(gitDir)", "fast-import", "--quiet", "--date-format=raw-permissive", "--done",
            ])
        reader = LineReader(fd: process.stdoutFD, bufferSize: 4096)
    }

    /// Adds a commit whose tree is one file (`m` for a message, `d` for a removal) holding
    /// `bytes`, with `message` as its one line (control characters made spaces, see
    /// `CommitText`). Returns the blob id.
    @discardableResult
    public func commit(file: String, bytes: [UInt8], author: GitIdent, committer: GitIdent, message: String) throws -> String {
        mark += 1
        var head = "blob\nmark :\(mark)\ndata \(bytes.count)\n"
        try process.write(head)
        try process.write(bytes)
        let blobMark = mark
        mark += 1
        let msg = Array((CommitText.clean(message) + "\n").utf8)
        head = "\ncommit \(ref)\nmark :\(mark)\nauthor \(author.line)\ncommitter \(committer.line)\ndata \(msg.count)\n"
        try process.write(head)
        try process.write(msg)
        var tail = "\n"
        if let p = parent { tail += "from \(p)\n" }
        parent = nil  // fast-import continues the branch itself from now on
        tail += "deleteall\nM 100644 :\(blobMark) \(file)\n\n"
        try process.write(tail)
        return Digest.gitBlobID(bytes)
    }

    /// Makes everything written so far durable (packs written, ref updated) and waits for it.
    public func checkpoint() throws {
        syncCount += 1
        try process.write("checkpoint\nprogress sync \(syncCount)\n")
        let want = "progress sync \(syncCount)"
        while let line = reader.nextLine() {
            if String(decoding: line, as: UTF8.self).trimmingASCIIWhitespace() == want { return }
        }
        throw Subprocess.Failure(description: "git fast-import in \(gitDir) ended unexpectedly")
    }

    /// Finishes the import and waits for git.
    public func finish() throws {
        try process.write("done\n")
        process.closeStdin()
        _ = process.readAllStdout()
        let status = process.wait()
        if status != 0 { throw Subprocess.Failure(description: "git fast-import in \(gitDir) failed with status \(status)") }
    }
}

extension FastImport {
    /// Removes the `fast_import_crash_PID` reports that a `git fast-import` leaves in the
    /// repository when the importer feeding it is killed (the stream ends early), once that
    /// process is gone. Returns the paths removed.
    @discardableResult
    public static func removeStaleCrashReports(gitDir: String) -> [String] {
        guard let dir = opendir(gitDir) else { return [] }
        defer { closedir(dir) }
        var removed: [String] = []
        let prefix = "fast_import_crash_"
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix(prefix), let pid = pid_t(name.dropFirst(prefix.count)), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH && unlink(gitDir + "/" + name) == 0 { removed.append(gitDir + "/" + name) }
        }
        return removed
    }
}
