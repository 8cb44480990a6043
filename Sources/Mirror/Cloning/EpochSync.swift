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
/// and harmless.
struct EpochSync {
    let repository: InboxRepository
    /// git's progress meter on the terminal.
    var progress: Bool

    static let incoming = "refs/tidings-incoming/"

    /// How a git command ended.
    struct Ran {
        var status: Int32
        var text: String
        var errorText: String
    }

    /// git with the prompt for credentials off (a mirror runs unattended); with `progress`, its
    /// standard error (the progress meter) goes to ours.
    static func git(_ args: [String], progress: Bool = false) throws -> Ran {
        let env = ["GIT_TERMINAL_PROMPT": "0"]
        if progress {
            let p = try Subprocess(["git"] + args, environment: env)
            p.closeStdin()
            let out = p.readAllStdout()
            return Ran(status: p.wait(), text: String(decoding: out, as: UTF8.self), errorText: "")
        }
        let r = try Subprocess.execute(["git"] + args, environment: env)
        return Ran(status: r.status, text: r.text, errorText: r.errorText)
    }

    static func failure(_ what: String, _ r: Ran) -> Subprocess.Failure {
        let msg = r.errorText.trimmingASCIIWhitespaceLines()
        return Subprocess.Failure(description: "\(what) failed\(msg.isEmpty ? " (exit \(r.status))" : ": " + msg)")
    }

    /// Clones epoch `n` from `url` (absent locally) and puts it in place. git checks that the
    /// history it received is whole (a truncated or damaged pack fails the clone).
    func cloneNew(_ n: Int, from url: String) throws {
        let final = repository.epochPath(n)
        let tmp = final + ".tmp"
        try? FileManager.default.removeItem(atPath: tmp)
        try Subprocess.run(["mkdir", "-p", repository.dir + "/git"])
        var args = ["clone", "--mirror", "--no-tags", url, tmp]
        args.insert(progress ? "--progress" : "-q", at: 1)
        let r = try EpochSync.git(args, progress: progress)
        guard r.status == 0 else {
            try? FileManager.default.removeItem(atPath: tmp)
            throw EpochSync.failure("cloning \(url)", r)
        }
        try Subprocess.run(["git", "--git-dir=\(tmp)", "config", "include.path", "../../all.git/config"])
        guard rename(tmp, final) == 0 else {
            throw Subprocess.Failure(description: "cannot move \(tmp) to \(final): \(String(cString: strerror(errno)))")
        }
        try repository.updateAlternates()
    }

    /// Fetches epoch `n` (present locally) from `url`; true when a ref moved. History that does
    /// not descend from ours is refused with nothing changed.
    func fetch(_ n: Int, from url: String) throws -> Bool {
        let dir = repository.epochPath(n)
        defer { clearIncoming(dir) }
        clearIncoming(dir)
        var args = ["--git-dir=\(dir)", "fetch", "--no-tags", "--no-write-fetch-head", url, "+refs/heads/*:\(EpochSync.incoming)heads/*"]
        args.insert(progress ? "--progress" : "-q", at: 2)
        let r = try EpochSync.git(args, progress: progress)
        guard r.status == 0 else { throw EpochSync.failure("fetching \(url)", r) }
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

    func clearIncoming(_ dir: String) {
        guard let r = try? EpochSync.git(["--git-dir=\(dir)", "for-each-ref", "--format=delete %(refname)", EpochSync.incoming]),
            !r.text.isEmpty
        else { return }
        _ = try? Subprocess.execute(["git", "--git-dir=\(dir)", "update-ref", "--stdin"], input: Array(r.text.utf8))
    }
}
