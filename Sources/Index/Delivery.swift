import Foundation
import Mail
import Store
import Support

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
        /// Not taken: larger than the inbox's limit, or not mail (kept aside in `rejected/`).
        case dataErr = 65
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

    /// Reads the message from `fd` (stdin), no more of it than the inbox's size limit and one
    /// byte to tell it goes on, and delivers it.
    public static func deliver(reading fd: Int32, to name: String, config: PIConfig) -> Outcome {
        let inboxConfig: InboxConfig
        do {
            inboxConfig = try config.inbox(named: name)
        } catch {
            return Outcome(status: .noUser, messages: ["\(error)"])
        }
        let input = BoundedRead.prefix(fd: fd, limit: inboxConfig.ingestLimit)
        if let e = input.error {
            return Outcome(status: .tempFail, messages: ["cannot read the message: \(String(cString: strerror(e)))"])
        }
        // the rest of a message over the limit is read and dropped, so the MTA sees the exit
        // status, not a broken pipe
        if input.more { BoundedRead.drain(fd: fd) }
        return deliver(input.bytes, whole: !input.more, to: inboxConfig)
    }

    public static func deliver(_ bytes: [UInt8], to name: String, config: PIConfig) -> Outcome {
        do {
            return deliver(bytes, whole: true, to: try config.inbox(named: name))
        } catch {
            return Outcome(status: .noUser, messages: ["\(error)"])
        }
    }

    /// `whole`: false when `bytes` are only the first of the message (it went on past the limit).
    static func deliver(_ bytes: [UInt8], whole: Bool, to inboxConfig: InboxConfig) -> Outcome {
        let name = inboxConfig.name
        if let reason = refusal(bytes, whole: whole, limit: inboxConfig.ingestLimit) {
            let input = RawInput(bytes: bytes, size: bytes.count + (whole ? 0 : 1), receivedAt: nil, origin: "deliver")
            return refuse(input, reason, inboxConfig)
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

    /// Why a delivery is refused outright (a permanent failure: the MTA bounces it rather than
    /// retrying a message that can never be taken), or nil.
    static func refusal(_ bytes: [UInt8], whole: Bool, limit: Int?) -> String? {
        if let limit, !whole || bytes.count > limit {
            let size = whole ? "\(bytes.count) bytes" : "more than \(limit) bytes"
            return "too large: \(size), over the limit of \(limit) (maxMessageSize)"
        }
        if !HeaderBlock.startsWithField(bytes[...]) { return HeaderBlock.notMailReason(bytes[...]) }
        return nil
    }

    /// Keeps a refused message aside in `rejected/` (of one over the limit, its first bytes),
    /// records why, and answers EX_DATAERR; EX_TEMPFAIL when it cannot be kept.
    static func refuse(_ input: RawInput, _ reason: String, _ config: InboxConfig) -> Outcome {
        do {
            return try Inbox.withWriteLock(dir: config.dir) {
                let inbox = try Inbox(config: config)
                let r = input.rejection(try Importer.keepAside(input, reason, in: config))
                try inbox.index.write { iw in try iw.recordRejected(r, at: Importer.now) }
                var summary = ImportSummary()
                summary.rejected = [r]
                return Outcome(status: .dataErr, messages: ["rejected \(r.origin): \(r.reason)"], summary: summary)
            }
        } catch {
            return Outcome(status: .tempFail, messages: ["cannot keep the refused message aside (\(reason)): \(error)"])
        }
    }
}
