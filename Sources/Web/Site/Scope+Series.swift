import Index

extension Scope {
    /// The patch series `mid` belongs to, from the first inbox of the scope that knows it.
    func series(mid: String) throws -> (inbox: Inbox, series: PatchSeries)? {
        for ib in inboxes {
            if let s = try ib.index.series(of: mid) { return (ib, s) }
        }
        return nil
    }

    /// The outline of that series for a message page's series line (`ArchiveIndex.seriesOutline`).
    func seriesOutline(mid: String) throws -> PatchSeries? {
        for ib in inboxes {
            if let s = try ib.index.seriesOutline(of: mid) { return s }
        }
        return nil
    }

    /// Recent series versions of every inbox of the scope, newest first, arrived before `before`.
    func recentSeries(before: Int64?, limit: Int) throws -> [SeriesVersion] {
        var out: [SeriesVersion] = []
        for ib in inboxes { out += try ib.index.recentSeries(limit: limit, before: before) }
        out.sort { ($0.head.row.ts, $0.head.row.num) > ($1.head.row.ts, $1.head.row.num) }
        return Array(out.prefix(limit))
    }
}
