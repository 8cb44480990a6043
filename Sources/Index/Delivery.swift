import Foundation
import Mail
import Store

/// One message from an MTA (`tidings deliver`). It goes into the inbox's emergency Maildir
/// first and leaves it only once it is committed to git and indexed; deliveries that failed
/// earlier and are still there are retried first.
///
/// Concurrent deliveries queue on the inbox's write lock: opening the index (and any schema
/// work), listing the pending mail, importing and removing it all happen under that one lock,
/// so a delivery never reads or removes a file another one is handling. Whatever goes wrong
/// after the MTA handed the message over is temporary (EX_TEMPFAIL, retried by the MTA): a full
/// disk or a broken epoch must not bounce mail.
public enum Delivery {
    /// sysexits.h codes an MTA understands.
    public enum Status: Int32, Sendable {
        case ok = 0
        case noUser = 67
        case tempFail = 75
    }

    public struct Outcome: Sendable {
        public var status: Status
        /// Human-readable lines for stderr.
        public var messages: [String]
        public var summary: ImportSummary?
    }

    /// The emergency Maildir of an inbox.
    public static func emergencyMaildir(_ config: InboxConfig) -> Maildir { Maildir(path: config.dir + "/emergency") }

    public static func deliver(_ bytes: [UInt8], to name: String, config: PIConfig) -> Outcome {
        let inboxConfig: InboxConfig
        do {
            inboxConfig = try config.inbox(named: name)
        } catch {
            return Outcome(status: .noUser, messages: ["\(error)"])
        }
        let emergency = emergencyMaildir(inboxConfig)
        let saved: String
        do {
            saved = try emergency.deliver(bytes)
        } catch {
            return Outcome(status: .tempFail, messages: ["cannot keep the message safe in \(emergency.path): \(error)"])
        }
        do {
            return try Inbox.withWriteLock(dir: inboxConfig.dir) {
                var notes = emergency.removeStaleTemporaryFiles().map { "removed \($0), left by a delivery that was killed" }
                let inbox = try Inbox(config: inboxConfig)
                let pending = try emergency.messagePaths()
                // empty when a delivery that held the lock before us stored our message too
                guard !pending.isEmpty else { return Outcome(status: .ok, messages: notes) }
                let summary = try Importer(inbox: inbox).importSources(pending.map { .file(path: $0) })
                for p in pending where unlink(p) != 0 && errno != ENOENT {
                    notes.append("cannot remove \(p) (stored already): \(String(cString: strerror(errno)))")
                }
                notes += summary.rejected.map { "rejected \($0.origin): \($0.reason)" }
                return Outcome(status: .ok, messages: notes, summary: summary)
            }
        } catch {
            return Outcome(status: .tempFail, messages: ["delivery to \(name) failed, kept in \(saved) for retry: \(error)"])
        }
    }
}
