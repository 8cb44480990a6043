/// One version of a patch series (`[PATCH v2 0/7]` and its patches) as the index found it.
public struct SeriesVersion: Sendable {
    public var version: Int
    /// The prefixes other than version and counter (`PATCH`, `RFC PATCH net-next`, `PATCH RESEND`).
    public var label: String
    public var rfc: Bool
    public var resend: Bool
    /// The title (subject without prefixes) of the cover letter, else of the first patch.
    public var title: String
    /// How many patches the subjects announce (M of n/M).
    public var total: Int
    public var changeID: String?
    public var cover: SeriesMember?
    /// The patches that arrived, in order.
    public var patches: [SeriesMember]

    /// The cover letter, else the first patch that arrived.
    public var head: SeriesMember { cover ?? patches[0] }

    /// Counters announced (1…M) of which no patch arrived.
    public var missing: [Int] {
        let have = Set(patches.map(\.counter))
        return (1...max(total, 1)).filter { !have.contains($0) }
    }

    /// Each patch compared with the version before, `older` (`SeriesComparison`).
    public func compared(since older: SeriesVersion) -> SeriesComparison { SeriesComparison(self, since: older) }

    /// The diffstat of all patches.
    public var diffstat: Diffstat {
        var d = Diffstat()
        for p in patches { d.add(p.diffstat) }
        return d
    }

    /// How many trailers of each name the patches collected (`Reviewed-by` → 5), a trailer
    /// given to the cover letter counted once.
    public var trailerCounts: [(name: String, count: Int)] {
        var seen: [String: Int] = [:]
        var order: [String] = []
        var counted = Set<String>()
        // a trailer given to the cover letter is on every patch too (also when the cover letter
        // never arrived): counted once, by the reply and line that gave it
        for t in (cover?.trailers ?? []) + patches.flatMap(\.trailers) {
            let key = t.mid + "\u{0}" + t.trailer.line
            guard counted.insert(key).inserted else { continue }
            if seen[t.trailer.name] == nil { order.append(t.trailer.name) }
            seen[t.trailer.name, default: 0] += 1
        }
        return order.map { ($0, seen[$0]!) }
    }

    /// The prefix as a subject shows it: `[PATCH RESEND v2]`, `[RFC PATCH net-next v3]`.
    public var tag: String { "[" + (label.isEmpty ? "" : label + " ") + "v\(version)]" }

    /// `v2`, `RFC v2`, `v2 RESEND`.
    public var name: String {
        var s = "v\(version)"
        if rfc { s = "RFC " + s }
        if resend { s += " RESEND" }
        return s
    }
}
