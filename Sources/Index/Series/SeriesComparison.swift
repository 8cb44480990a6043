/// One version of a series compared with the version before it, patch by patch. Patches are
/// matched as `git range-diff` (behind `b4 diff`) pairs them, without applying them: first the
/// same diff (same patch-id) anywhere in the series, then the same title, then the same position
/// when both touch a file in common; a patch of the older version left unmatched was dropped.
public struct SeriesComparison: Sendable, Equatable {
    /// Each patch of the newer version, in order.
    public var patches: [PatchChange]
    /// Counters (n of n/M) of the older version's patches that no patch continues.
    public var dropped: [Int]

    public init(_ newer: SeriesVersion, since older: SeriesVersion) {
        var taken = Set<Int>()  // indices into older.patches
        var match = [Int?](repeating: nil, count: newer.patches.count)
        func pair(_ accept: (SeriesMember, SeriesMember) -> Bool) {
            for (i, p) in newer.patches.enumerated() where match[i] == nil {
                if let j = older.patches.indices.first(where: { !taken.contains($0) && accept(p, older.patches[$0]) }) {
                    match[i] = j
                    taken.insert(j)
                }
            }
        }
        pair { !$0.patchIDs.isEmpty && $0.patchIDs == $1.patchIDs }
        pair { Self.titleKey($0.title) == Self.titleKey($1.title) }
        pair { p, o in
            p.counter == o.counter && !Set(p.diffstat.files.map(\.path)).isDisjoint(with: o.diffstat.files.map(\.path))
        }
        patches = newer.patches.enumerated().map { i, p in
            guard let j = match[i] else { return PatchChange(counter: p.counter, previous: nil, kind: .new) }
            let o = older.patches[j]
            let same = !p.patchIDs.isEmpty && p.patchIDs == o.patchIDs
            return PatchChange(counter: p.counter, previous: o.counter, kind: same ? .unchanged : .changed)
        }
        dropped = older.patches.indices.filter { !taken.contains($0) }.map { older.patches[$0].counter }
    }

    /// A title as compared between versions: case and runs of white space ignored.
    static func titleKey(_ t: String) -> String { t.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ") }
}
