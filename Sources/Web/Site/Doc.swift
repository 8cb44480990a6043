import Foundation
import Index
import Mail
import Mirror
import NIOCore
import NIOPosix
import Store
import Support

/// A message row together with the inbox it is stored in. `key` is unique across inboxes.
public struct Doc: Sendable {
    public let row: OverviewRow
    public let inbox: Inbox
    public let inboxIndex: Int
    public var key: Int64 { Int64(inboxIndex) << 40 | row.num }
    public var mid: String { row.mid }
}
