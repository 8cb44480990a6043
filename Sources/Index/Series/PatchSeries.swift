/// Every version of a patch series found in the inbox, oldest first.
public struct PatchSeries: Sendable {
    public var versions: [SeriesVersion]
    /// Which of `versions` holds the message asked about.
    public var current: Int

    public var version: SeriesVersion { versions[current] }

    /// The member (cover letter or patch) stored as article `num`, in the current version.
    public func member(num: Int64) -> SeriesMember? {
        let v = version
        if v.cover?.row.num == num { return v.cover }
        return v.patches.first { $0.row.num == num }
    }
}
