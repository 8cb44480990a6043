import Mail

/// A crash report as the index keeps it, with the message that carries it.
public struct CrashSighting: Sendable {
    public var row: OverviewRow
    /// Its signature's short name (`CrashReport.signatureID`).
    public var signatureID: String
    public var report: CrashReport
}
