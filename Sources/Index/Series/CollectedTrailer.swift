import Mail

/// A trailer given in a reply to a patch or to its cover letter.
public struct CollectedTrailer: Sendable, Equatable {
    public var trailer: Trailer
    /// The reply that gave it.
    public var mid: String
    /// Given to the cover letter: it counts for every patch of the series.
    public var fromCover: Bool
}
