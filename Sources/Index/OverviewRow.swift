import GRDB
import Mail

/// What the index keeps about one stored message: enough to list, thread and find it, and
/// where its bytes are in git.
public struct OverviewRow: Sendable, Equatable, FetchableRecord {
    /// Article number: assigned once, never reused.
    public var num: Int64
    /// Thread id (References/In-Reply-To connected).
    public var tid: Int64
    /// Subject id (same normalised subject), for loose thread matches.
    public var sid: Int64?
    /// When the inbox received it (Unix seconds).
    public var ts: Int64
    /// When the message says it was written (Unix seconds), and the sender's zone in minutes.
    public var ds: Int64
    public var dz: Int
    /// The Message-ID it is stored under.
    public var mid: String
    public var subject: String
    public var fromName: String
    public var fromAddr: String
    /// Ids it refers to, root first, as stored (separated by spaces).
    public var refsText: String
    /// Ids it refers to, root first (split when asked: a list of 200 search hits needs none).
    public var refs: [String] {
        refsText.isEmpty ? [] : refsText.utf8.split(separator: UInt8(ascii: " ")).map { String(Substring($0)) }
    }
    /// The last id it refers to (its parent, when it has one), found from the end.
    public var lastRef: String? { Self.lastRef(of: refsText) }

    /// The last of stored references (`refs` column text), found from the end.
    static func lastRef(of refsText: String) -> String? {
        let u = refsText.utf8
        let start = u.lastIndex(of: UInt8(ascii: " ")).map { u.index(after: $0) } ?? u.startIndex
        return start == u.endIndex ? nil : String(Substring(u[start...]))
    }
    public var blob: String
    public var epoch: Int
    public var bytes: Int
    public var lines: Int

    /// Decodes a row selected as `columns` (or `qualifiedColumns`), by position: every query
    /// of rows selects exactly those columns in that order.
    public init(row: Row) {
        num = row[0]
        tid = row[1]
        sid = row[2]
        ts = row[3]
        ds = row[4]
        dz = row[5]
        mid = row[6]
        subject = row[7]
        fromName = row[8]
        fromAddr = row[9]
        refsText = row[10]
        blob = row[11]
        epoch = row[12]
        bytes = row[13]
        lines = row[14]
    }

    /// The rows `sql` selects, with its statement compiled once per connection (GRDB's
    /// statement cache): pages run the same few queries on every request.
    static func fetch(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> [OverviewRow] {
        try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    static func fetchFirst(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> OverviewRow? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    public var date: MailDate { MailDate(seconds: ds, offsetMinutes: dz) }
    public var received: MailDate { MailDate(seconds: ts) }
    public var fromDisplay: String { fromName.isEmpty ? fromAddr : fromName }
    public static let columns = "num, tid, sid, ts, ds, dz, mid, subject, from_name, from_addr, refs, blob, epoch, bytes, lines"
    /// The same columns qualified with `over.`, for joins.
    public static let qualifiedColumns = columns.split(separator: ",").map { "over." + $0.trimmingCharacters(in: " ") }
        .joined(separator: ", ")
}
