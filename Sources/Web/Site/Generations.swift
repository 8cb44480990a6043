import Foundation
import Index
import Mail
import Mirror
import NIOCore
import NIOPosix
import Store
import Support

/// Per-inbox change counters, polled lazily.
final class Generations: @unchecked Sendable {
    private let lock = Lock()
    private let inboxes: [Inbox]
    private var tags: [String: String] = [:]
    private var checked: Double = 0
    /// Distinguishes runs of the server (pages may change with the program).
    let boot = String(UInt64(Date().timeIntervalSince1970 * 1000) & 0xFFFFFF, radix: 36)

    init(inboxes: [Inbox]) { self.inboxes = inboxes }

    func tag(for scope: Scope) -> String {
        let now = Date().timeIntervalSince1970
        let current: [String: String] = lock.withLock {
            if now - checked > 1 {
                checked = now
                for ib in inboxes {
                    if let g = try? ib.index.generation() { tags[ib.name] = "\(g.num).\(g.messages).\(g.ghosts)" }
                }
            }
            return tags
        }
        return boot + "-" + scope.inboxes.map { current[$0.name] ?? "0" }.joined(separator: "-")
    }
}
