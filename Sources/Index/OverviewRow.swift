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
    /// Ids it refers to, root first.
    public var refs: [String]
    public var blob: String
    public var epoch: Int
    public var bytes: Int
    public var lines: Int

    public init(row: Row) {
        num = row["num"]
        tid = row["tid"]
        sid = row["sid"]
        ts = row["ts"]
        ds = row["ds"]
        dz = row["dz"]
        mid = row["mid"]
        subject = row["subject"]
        fromName = row["from_name"]
        fromAddr = row["from_addr"]
        let r: String = row["refs"]
        refs = r.isEmpty ? [] : r.split(separator: " ").map(String.init)
        blob = row["blob"]
        epoch = row["epoch"]
        bytes = row["bytes"]
        lines = row["lines"]
    }

    public var date: MailDate { MailDate(seconds: ds, offsetMinutes: dz) }
    public var received: MailDate { MailDate(seconds: ts) }
    public var fromDisplay: String { fromName.isEmpty ? fromAddr : fromName }
    public static let columns = "num, tid, sid, ts, ds, dz, mid, subject, from_name, from_addr, refs, blob, epoch, bytes, lines"
    /// The same columns qualified with `over.`, for joins.
    public static let qualifiedColumns = columns.split(separator: ",").map { "over." + $0.trimmingCharacters(in: " ") }
        .joined(separator: ", ")
}
