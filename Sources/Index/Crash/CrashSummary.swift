import Mail

/// One crash (one signature) and what the archive knows of it: how often and when it was
/// reported, and the patches that answered it.
public struct CrashSummary: Sendable {
    public var signatureID: String
    /// The report that stands for the crash: the earliest not quoted from another message
    /// (else the earliest), with its message.
    public var sample: CrashSighting
    /// Messages carrying a report of it (quoting ones included), and their threads.
    public var messages: Int
    public var threads: Int
    /// When the first and the last of them arrived (Unix seconds).
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// Messages with a diff that answered it, the first of each thread, oldest first: a reply
    /// with a diff in a thread reporting it, a patch whose commit message carries the same
    /// report, or a patch whose `Reported-by: syzbot+ID` or `Link:`/`Closes:` points at a report.
    public var answers: [OverviewRow]
}
