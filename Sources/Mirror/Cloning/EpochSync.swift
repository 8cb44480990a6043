import Foundation
import Store
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// Moves one epoch's new objects from a remote, without changing anything the local inbox
/// serves until they are all here and checked: a new epoch is cloned beside the others under a
/// name nobody reads (`N.git.tmp`) and renamed into place; an existing one fetches into refs of
/// its own (`refs/tidings-incoming/`), which replace `refs/heads/` in one transaction only when
/// every new tip descends from the old one. Objects of an interrupted transfer are unreferenced
/// and harmless. Transfers (`transfer`, `cloneAside`) change nothing readers see and run
/// without the inbox's write lock; only `moveRefs` and `place` need it.
struct EpochSync {
    let repository: InboxRepository
    /// git's progress meter on the terminal.
    var progress: Bool
    /// Time and speed limits of every transfer.
    var limits = MirrorLimits()

    static let incoming = "refs/tidings-incoming/"

    /// How a git command ended.
    struct Ran {
        var status: Int32
        var text: String
        var errorText: String
    }

    /// git with the prompt for credentials off (a mirror runs unattended). Its standard error
    /// is kept for the caller (which failure it was decides what to try next); with `progress`
    /// it also goes to ours as it comes (git's progress meter). With `limits` (a transfer), git
    /// gives up below `lowSpeedBytes` per second for `stallTimeout` seconds and is killed after
    /// `timeout` (a source that never answered, or sent a byte every 20 s, hung it for good).
    static func git(_ args: [String], input: [UInt8] = [], progress: Bool = false, limits: MirrorLimits? = nil) throws -> Ran {
        // git's messages in English whatever the locale: which failure it was is read from them
        // ("not found" ends the list of epochs of a source with no manifest)
        let env = ["GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"]
        var command = ["git"] + args
        if let limits { command = limits.deadline(["git"] + limits.gitOptions + args) }
        guard progress else {
            let r = try Subprocess.execute(command, input: input, environment: env)
            return Ran(status: r.status, text: r.text, errorText: r.errorText)
        }
        let p = try Subprocess(command, environment: env, captureStderr: true)
        if !input.isEmpty { try? p.write(input) }
        p.closeStdin()
        // stdout is read beside stderr, so that neither pipe can fill up and stall git
        final class Output: @unchecked Sendable { var bytes: [UInt8] = [] }
        let stdout = Output()
        let done = DispatchGroup()
        DispatchQueue.global().async(group: done) { stdout.bytes = p.readAllStdout() }
        var errors: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = buffer.withUnsafeMutableBufferPointer { read(p.stderrFD, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            buffer.withUnsafeBufferPointer { _ = Glibc.write(2, $0.baseAddress!, n) }
            errors += buffer[0..<n]
            if errors.count > 1 << 20 { errors.removeFirst(errors.count - (1 << 19)) }
        }
        done.wait()
        let status = p.wait()
        return Ran(status: status, text: String(decoding: stdout.bytes, as: UTF8.self), errorText: String(decoding: errors, as: UTF8.self))
    }

    static func failure(_ what: String, _ r: Ran, limits: MirrorLimits? = nil) -> Subprocess.Failure {
        let msg = r.errorText.trimmingASCIIWhitespaceLines()
        if let limits, MirrorLimits.timedOut(r.status) {
            return Subprocess.Failure(description: "\(what) failed: not done after \(limits.timeout) s (--timeout); given up")
        }
        var hint = ""
        if let limits, msg.contains("too slow") {
            hint = " (under \(limits.lowSpeedBytes) bytes/s for \(limits.stallTimeout) s: --stall-timeout)"
        }
        return Subprocess.Failure(description: "\(what) failed\(msg.isEmpty ? " (exit \(r.status))" : ": " + msg)\(hint)")
    }

    /// Clones epoch `n` from `url` (absent locally) and puts it in place; returns the objects
    /// the source lacks (empty but for a damaged source, whose other objects are mirrored:
    /// `PartialTransfer`). git checks that what it received is whole (a truncated or damaged
    /// pack fails the clone).
    func cloneNew(_ n: Int, from url: String) throws -> [String] {
        let missing = try cloneAside(n, from: url)
        try place(n)
        return missing
    }

    /// Where `cloneAside` builds epoch `n`.
    func aside(_ n: Int) -> String { repository.epochPath(n) + ".tmp" }

    /// Clones epoch `n` from `url` beside the others (`N.git.tmp`), where nothing reads it.
    func cloneAside(_ n: Int, from url: String) throws -> [String] {
        let tmp = aside(n)
        try? FileManager.default.removeItem(atPath: tmp)
        try Subprocess.run(["mkdir", "-p", repository.dir + "/git"])
        let args = ["clone", "--mirror", "--no-tags", progress ? "--progress" : "-q", "--", url, tmp]
        let r = try EpochSync.git(args, progress: progress, limits: limits)
        var missing: [String] = []
        if r.status != 0 {
            try? FileManager.default.removeItem(atPath: tmp)
            guard PartialTransfer.sourceLacksObjects(r) else { throw EpochSync.failure("cloning \(url)", r, limits: limits) }
            do {
                try Subprocess.run(["git", "init", "-q", "--bare", tmp])
                missing = try PartialTransfer(gitDir: tmp, url: url, progress: progress, limits: limits).run()
            } catch {
                try? FileManager.default.removeItem(atPath: tmp)
                throw error
            }
        }
        try Subprocess.run(["git", "--git-dir=\(tmp)", "config", "include.path", "../../all.git/config"])
        return missing
    }

    /// Puts epoch `n`, cloned aside, in place.
    func place(_ n: Int) throws {
        let (tmp, final) = (aside(n), repository.epochPath(n))
        guard rename(tmp, final) == 0 else {
            throw Subprocess.Failure(description: "cannot move \(tmp) to \(final): \(String(cString: strerror(errno)))")
        }
        try repository.updateAlternates()
    }

    /// Fetches epoch `n`'s (present locally) new objects from `url` and its branches into
    /// `refs/tidings-incoming/`, which nothing reads; returns the objects the source lacks (of
    /// the new history only). `moveRefs` then makes them the epoch's.
    func transfer(_ n: Int, from url: String) throws -> [String] {
        let dir = repository.epochPath(n)
        clearIncoming(dir)
        let args = [
            "--git-dir=\(dir)", "fetch", progress ? "--progress" : "-q", "--no-tags", "--no-write-fetch-head", "--", url,
            "+refs/heads/*:\(EpochSync.incoming)heads/*",
        ]
        let r = try EpochSync.git(args, progress: progress, limits: limits)
        guard r.status != 0 else { return [] }
        guard PartialTransfer.sourceLacksObjects(r) else {
            clearIncoming(dir)
            throw EpochSync.failure("fetching \(url)", r, limits: limits)
        }
        return try fetchWhatExists(into: dir, from: url)
    }

    /// Moves epoch `n`'s branches to what `transfer` brought when every new tip descends from
    /// the old one (history that does not is refused with nothing changed); whether a ref
    /// moved. Needs the inbox's write lock.
    func moveRefs(_ n: Int, from url: String) throws -> Bool {
        let dir = repository.epochPath(n)
        defer { clearIncoming(dir) }
        let listed = try EpochSync.git(["--git-dir=\(dir)", "for-each-ref", "--format=%(refname) %(objectname)", EpochSync.incoming])
        var updates = ""
        for line in listed.text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 2 else { continue }
            let name = "refs/" + f[0].dropFirst(EpochSync.incoming.count)
            let new = String(f[1])
            let old = (try? Subprocess.text(["git", "--git-dir=\(dir)", "rev-parse", "-q", "--verify", name])) ?? ""
            if old == new { continue }
            if !old.isEmpty {
                let a = try EpochSync.git(["--git-dir=\(dir)", "merge-base", "--is-ancestor", old, new])
                guard a.status == 0 else {
                    throw Subprocess.Failure(
                        description:
                            "\(url): \(name) was rewritten (\(old.prefix(12)) is not in the history of \(new.prefix(12))); nothing changed here"
                    )
                }
            }
            updates += "update \(name) \(new) \(old.isEmpty ? String(repeating: "0", count: 40) : old)\n"
        }
        guard !updates.isEmpty else { return false }
        let u = try Subprocess.execute(["git", "--git-dir=\(dir)", "update-ref", "--stdin"], input: Array(updates.utf8))
        guard u.status == 0 else { throw Subprocess.Failure(description: "updating refs of \(dir) failed: \(u.errorText)") }
        return true
    }

    /// A damaged source's new history, through a repository beside the epoch that borrows its
    /// objects (so only new ones move): its packs join the epoch's and its branches become
    /// `refs/tidings-incoming/`, as a plain fetch leaves them. Returns what the source lacks.
    func fetchWhatExists(into dir: String, from url: String) throws -> [String] {
        let side = dir + ".partial"
        try? FileManager.default.removeItem(atPath: side)
        defer { try? FileManager.default.removeItem(atPath: side) }
        try Subprocess.run(["git", "init", "-q", "--bare", side])
        let objects = (dir as NSString).standardizingPath + "/objects"
        FileManager.default.createFile(atPath: side + "/objects/info/alternates", contents: Data((objects + "\n").utf8))
        let missing = try PartialTransfer(gitDir: side, url: url, progress: progress, limits: limits).run()
        // packs first, then the refs that need them
        let packs = (try? FileManager.default.contentsOfDirectory(atPath: side + "/objects/pack")) ?? []
        for suffix in [".pack", ".rev", ".idx"] {
            for f in packs where f.hasSuffix(suffix) {
                guard rename(side + "/objects/pack/" + f, objects + "/pack/" + f) == 0 else {
                    throw Subprocess.Failure(description: "cannot move \(f) into \(dir): \(String(cString: strerror(errno)))")
                }
            }
        }
        let refs = try EpochSync.git(["--git-dir=\(side)", "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/"])
        var updates = ""
        for line in refs.text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 2 else { continue }
            updates += "update \(EpochSync.incoming)\(f[0].dropFirst("refs/".count)) \(f[1])\n"
        }
        let u = try Subprocess.execute(["git", "--git-dir=\(dir)", "update-ref", "--stdin"], input: Array(updates.utf8))
        guard u.status == 0 else { throw Subprocess.Failure(description: "updating refs of \(dir) failed: \(u.errorText)") }
        return missing
    }

    func clearIncoming(_ dir: String) {
        guard let r = try? EpochSync.git(["--git-dir=\(dir)", "for-each-ref", "--format=delete %(refname)", EpochSync.incoming]),
            !r.text.isEmpty
        else { return }
        _ = try? Subprocess.execute(["git", "--git-dir=\(dir)", "update-ref", "--stdin"], input: Array(r.text.utf8))
    }
}
