/// What became of a patch between two versions of a series: the patch of the newer version,
/// the patch of the older one it continues (if any), and whether its diff changed.
public struct PatchChange: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The same diff (same `git patch-id --stable`).
        case unchanged
        /// The diff changed.
        case changed
        /// No patch of the older version continues into this one.
        case new
    }

    /// n of n/M in the newer version.
    public var counter: Int
    /// n of n/M of the matching patch in the older version (nil for a new patch).
    public var previous: Int?
    public var kind: Kind

    public init(counter: Int, previous: Int?, kind: Kind) {
        self.counter = counter
        self.previous = previous
        self.kind = kind
    }
}
