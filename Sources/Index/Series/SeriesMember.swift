/// A cover letter or patch of one version of a series, with the trailers collected for it.
public struct SeriesMember: Sendable {
    public var row: OverviewRow
    /// 0 for the cover letter, n of n/M for a patch.
    public var counter: Int
    public var title: String
    /// The subject `b4 am` gives the patch: `[PATCH RFC v2 1/3] title` (version and counter
    /// only when the sender wrote them; other prefixes left out).
    public var amSubject: String
    public var diffstat: Diffstat
    /// For a patch: the trailers given in replies to it, then those given to the cover letter.
    public var trailers: [CollectedTrailer] = []
    /// `git patch-id --stable` of its diff (empty for a cover letter): the same in two versions
    /// when the diff did not change.
    public var patchIDs: [String] = []
}
