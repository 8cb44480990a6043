import Foundation
import Index
import Mail
import Store

/// `tidings deliver`: one message from an MTA. The message goes into an emergency Maildir
/// first and leaves it only once it is committed to git and indexed; earlier failed
/// deliveries left there are retried first.
enum Delivery {
    // sysexits.h
    static let ok: Int32 = 0
    static let noUser: Int32 = 67
    static let software: Int32 = 70
    static let cantCreate: Int32 = 73
    static let tempFail: Int32 = 75

    static func deliver(_ bytes: [UInt8], to name: String, config: PIConfig) -> Int32 {
        let inboxConfig: InboxConfig
        do {
            inboxConfig = try config.inbox(named: name)
        } catch {
            printError("\(error)")
            return noUser
        }
        let emergency = Maildir(path: inboxConfig.dir + "/emergency")
        let saved: String
        do {
            saved = try emergency.deliver(bytes)
        } catch {
            printError("cannot keep the message safe in \(emergency.path): \(error)")
            return cantCreate
        }
        do {
            let inbox = try Inbox(config: inboxConfig)
            let pending = try emergency.messagePaths()
            let importer = Importer(inbox: inbox)
            let summary = try importer.importSources(pending.map { .file(path: $0) })
            for p in pending { try? FileManager.default.removeItem(atPath: p) }
            if !summary.rejected.isEmpty {
                for r in summary.rejected { printError("rejected \(r.origin): \(r.reason)") }
            }
            _ = saved
            return ok
        } catch {
            printError("delivery to \(name) failed, kept in \(saved) for retry: \(error)")
            return tempFail
        }
    }
}
