import GRDB
import Mail

/// Patch series, from the `patch` and `trailer` tables (`SeriesRows`).
extension ArchiveIndex {
    /// Patches sent without threading join a version when they come from the same sender, with
    /// the same version and count, this close to its first message (seconds).
    public static let unthreadedWindow: Int64 = 3600

    /// The series that the message `mid` belongs to, every version of it: `mid` a cover letter
    /// or patch, or any other message of its thread, which resolves to the member it answers
    /// (`SeriesQuery.resolve`); nil outside series threads (or when the index predates series
    /// and is not upgraded yet).
    public func series(of mid: String) throws -> PatchSeries? {
        try pool.read { db in
            guard try SeriesRows.exist(db), let start = try SeriesQuery(db).resolve(mid: mid) else { return nil }
            return try SeriesQuery(db).series(around: start)
        }
    }

    /// What the series line of a message page shows, cheaply: the version holding `mid` with
    /// the trailers given in its own threads (not those of the same patch posted elsewhere),
    /// no diffstats, and every other version by its first message only.
    public func seriesOutline(of mid: String) throws -> PatchSeries? {
        try pool.read { db in
            guard try SeriesRows.exist(db), let start = try SeriesQuery(db).resolve(mid: mid) else { return nil }
            return try SeriesQuery(db, outline: true).series(around: start)
        }
    }

    /// Recent versions of series (a cover letter, or a first patch without one in its thread
    /// or sent unthreaded beside it), newest first by the time they arrived, before `ts` if given.
    public func recentSeries(limit: Int, before ts: Int64? = nil) throws -> [SeriesVersion] {
        try pool.read { db in
            guard try SeriesRows.exist(db) else { return [] }
            let q = SeriesQuery(db)
            let heads = try SeriesQuery.PatchRow.fetch(
                db,
                """
                SELECT \(SeriesQuery.PatchRow.columns) FROM patch JOIN over ON over.num = patch.num
                WHERE patch.counter <= 1 AND over.ts < ?1 AND (patch.counter = 0 OR NOT EXISTS (
                    SELECT 1 FROM patch p2 JOIN over o2 ON o2.num = p2.num
                    WHERE p2.from_addr = patch.from_addr AND p2.version = patch.version AND p2.total = patch.total
                        AND p2.counter = 0
                        AND (o2.tid = over.tid OR (p2.label = patch.label AND o2.ts BETWEEN over.ts - ?2 AND over.ts + ?2))))
                ORDER BY over.ts DESC, over.num DESC LIMIT ?3
                """, [ts ?? Int64.max, ArchiveIndex.unthreadedWindow, limit])
            return try heads.map { try q.version(around: $0) }
        }
    }
}

/// The questions behind `series(of:)`, on one read connection.
struct SeriesQuery {
    let db: Database
    /// `seriesOutline`: other versions by their first message, no diffstats, trailers of the
    /// version's own threads only.
    let outline: Bool

    init(_ db: Database, outline: Bool = false) {
        self.db = db
        self.outline = outline
    }

    /// A `patch` row with its overview row.
    struct PatchRow {
        var row: OverviewRow
        var kind: Int
        var version: Int
        var counter: Int
        var total: Int
        var flags: Int
        var label: String
        var title: String
        var titleKey: String
        var fromAddr: String
        var changeID: String?
        var diffstat: String

        static let columns =
            OverviewRow.qualifiedColumns
            + ", patch.kind, patch.version, patch.counter, patch.total, patch.flags, patch.label, patch.title, patch.title_key, patch.from_addr, patch.change_id, patch.diffstat"

        static let overviewColumns = OverviewRow.columns.split(separator: ",").count

        static func fetch(_ db: Database, _ sql: String, _ args: StatementArguments) throws -> [PatchRow] {
            try db.rows(sql, args) { r in
                let n = PatchRow.overviewColumns
                return PatchRow(
                    row: OverviewRow(row: r), kind: r[n], version: r[n + 1], counter: r[n + 2], total: r[n + 3], flags: r[n + 4],
                    label: r[n + 5], title: r[n + 6], titleKey: r[n + 7], fromAddr: r[n + 8], changeID: r[n + 9], diffstat: r[n + 10])
            }
        }

        func member(diffstat withDiffstat: Bool = true) -> SeriesMember {
            var parts = ["PATCH"]
            if flags & SeriesRows.rfc != 0 { parts.append("RFC") }
            if flags & SeriesRows.versionInferred == 0 { parts.append("v\(version)") }
            if flags & SeriesRows.countersInferred == 0 { parts.append("\(counter)/\(total)") }
            return SeriesMember(
                row: row, counter: kind == 0 ? 0 : counter, title: title, amSubject: "[" + parts.joined(separator: " ") + "] " + title,
                diffstat: withDiffstat ? Diffstat(stored: diffstat) : Diffstat())
        }
    }

    func member(mid: String) throws -> PatchRow? {
        try PatchRow.fetch(
            db,
            "SELECT \(PatchRow.columns) FROM msgid JOIN over ON over.num = msgid.num JOIN patch ON patch.num = over.num WHERE msgid.mid = ? ORDER BY over.num LIMIT 1",
            [mid]
        ).first
    }

    /// Every version of the series `start` belongs to: linked by b4's `change-id` when the
    /// series has one, else by the title of its cover letter (or first patch) and sender.
    func series(around start: PatchRow) throws -> PatchSeries {
        let mine = try version(around: start)
        let headRow = try member(mid: mine.head.row.mid) ?? start
        var heads: [PatchRow]
        if let cid = mine.changeID {
            heads = try PatchRow.fetch(
                db,
                "SELECT \(PatchRow.columns) FROM patch JOIN over ON over.num = patch.num WHERE patch.change_id = ? AND patch.counter <= 1 ORDER BY over.ds LIMIT 200",
                [cid])
        } else {
            heads = try PatchRow.fetch(
                db,
                "SELECT \(PatchRow.columns) FROM patch JOIN over ON over.num = patch.num WHERE patch.title_key = ? AND patch.from_addr = ? AND patch.counter <= 1 ORDER BY over.ds LIMIT 200",
                [headRow.titleKey, headRow.fromAddr])
        }
        var versions: [SeriesVersion] = []
        var covered = Set(([mine.cover] + mine.patches).compactMap { $0?.row.num })
        var outlined: Set<String> = ["\(mine.head.row.tid)|\(mine.version)|\(mine.label)"]
        for h in heads where !covered.contains(h.row.num) {
            if outline {
                guard outlined.insert("\(h.row.tid)|\(h.version)|\(h.label)").inserted else { continue }
                let m = h.member(diffstat: false)
                versions.append(
                    SeriesVersion(
                        version: h.version, label: h.label, rfc: h.flags & SeriesRows.rfc != 0, resend: h.flags & SeriesRows.resend != 0,
                        title: h.title, total: h.total, changeID: h.changeID, cover: h.kind == 0 ? m : nil, patches: h.kind == 0 ? [] : [m])
                )
                continue
            }
            let v = try version(around: h)
            guard v.changeID == mine.changeID || mine.changeID == nil else { continue }
            for m in [v.cover] + v.patches.map(Optional.some) { if let m { covered.insert(m.row.num) } }
            versions.append(v)
        }
        versions.append(mine)
        versions.sort { ($0.version, $0.head.row.ds, $0.head.row.num) < ($1.version, $1.head.row.ds, $1.head.row.num) }
        let current = versions.firstIndex { $0.head.row.num == mine.head.row.num } ?? 0
        return PatchSeries(versions: versions, current: current)
    }

    /// The version `p` is part of: the cover letter and patches of the same sender, version and
    /// count in its thread (whatever other prefixes they carry: `[PATCHv8 9/9]` under
    /// `[PATCHv8 net-next 0/9]`; those with `p`'s own prefixes first), and patches sent
    /// unthreaded close to it in time with the same prefixes.
    func version(around p: PatchRow) throws -> SeriesVersion {
        let same = "patch.from_addr = ? AND patch.version = ? AND patch.total = ?"
        var rows = try PatchRow.fetch(
            db,
            """
            SELECT \(PatchRow.columns) FROM patch JOIN over ON over.num = patch.num WHERE over.tid = ? AND \(same)
            ORDER BY patch.label != ?, over.num
            """,
            [p.row.tid, p.fromAddr, p.version, p.total, p.label])
        if !rows.contains(where: { $0.row.num == p.row.num }) { rows.append(p) }
        var cover: PatchRow? = rows.first { $0.kind == 0 }
        var byCounter: [Int: PatchRow] = [:]
        for r in rows where r.kind == 1 && byCounter[r.counter] == nil { byCounter[r.counter] = r }
        if p.total > 1 && (1...p.total).contains(where: { byCounter[$0] == nil }) {
            let t = (cover ?? byCounter.values.min { $0.row.num < $1.row.num } ?? p).row.ts
            let loose = try PatchRow.fetch(
                db,
                """
                SELECT \(PatchRow.columns) FROM patch JOIN over ON over.num = patch.num
                WHERE \(same) AND patch.label = ? AND over.ts BETWEEN ? AND ? ORDER BY over.num
                """,
                [p.fromAddr, p.version, p.total, p.label, t - ArchiveIndex.unthreadedWindow, t + ArchiveIndex.unthreadedWindow])
            for r in loose where r.row.tid != p.row.tid {
                if r.kind == 0 {
                    if cover == nil { cover = r }
                } else if byCounter[r.counter] == nil {
                    byCounter[r.counter] = r
                }
            }
        }
        var members = byCounter.keys.sorted().map { byCounter[$0]!.member(diffstat: !outline) }
        for i in members.indices where !outline {
            members[i].patchIDs = try String.fetchAll(
                db.cachedStatement(sql: "SELECT pid FROM patchid WHERE num = ? ORDER BY pid"), arguments: [members[i].row.num])
        }
        var coverMember = cover?.member(diffstat: !outline)
        try collectTrailers(cover: &coverMember, patches: &members)
        let first = cover ?? byCounter[byCounter.keys.min() ?? 0] ?? p
        let changeID = ([cover] + byCounter.keys.sorted().map { byCounter[$0] }).lazy.compactMap { $0?.changeID }.first
        return SeriesVersion(
            version: p.version, label: first.label, rfc: first.flags & SeriesRows.rfc != 0, resend: first.flags & SeriesRows.resend != 0,
            title: first.title, total: p.total, changeID: changeID, cover: coverMember, patches: members)
    }

    /// Trailers given in the threads of the members, as b4 collects them: each reply's trailers
    /// (those its sender gives) go up the chain of replies to the first cover letter or patch;
    /// trailers of the replies passed on the way go with them. Those given to the cover letter
    /// count for every patch, and so do those given to a cover letter that never arrived (a
    /// `Re: [PATCH 0/N]` of the missing message the version's patches answer; b4 drops them, not
    /// finding the message answered) or to the cover letter the patches answer when its subject
    /// names another version or count (as b4 takes it). Those given to the same patch (the same `git patch-id`)
    /// posted elsewhere count too, as b4's patch-id search finds them.
    func collectTrailers(cover: inout SeriesMember?, patches: inout [SeriesMember]) throws {
        var found: [Int64: [CollectedTrailer]] = [:]
        // the cover letter a twin answers: its trailers count for the twin (b4 does the same)
        var twinCover: [Int64: Int64] = [:]
        var tids = Set(([cover] + patches.map(Optional.some)).compactMap { $0?.row.tid })
        let members = Set(patches.map(\.row.num))
        var twinOf: [Int64: Int64] = [:]
        // trailers given to a cover letter that never arrived (`Re: [PATCH 0/N]` of the missing
        // message the patches answer)
        var toGhostCover: [CollectedTrailer] = []
        // a cover letter of another version or count that the patches answer
        var adoptedCover: Int64?
        for p in patches where !outline {
            for (twin, tid) in try db.rows(
                """
                SELECT b.num, over.tid FROM patchid a JOIN patchid b ON b.pid = a.pid AND b.num != a.num
                JOIN patch ON patch.num = b.num AND patch.kind = 1 JOIN over ON over.num = b.num
                WHERE a.num = ? LIMIT 20
                """, [p.row.num], { ($0[0] as Int64, $0[1] as Int64) })
            {
                guard !members.contains(twin), twinOf[twin] == nil else { continue }
                twinOf[twin] = p.row.num
                tids.insert(tid)
            }
        }
        for tid in tids {
            // most threads have no trailers at all: then nothing of them is read. A reply that
            // carries a diff of its own (a patch offered in reply, attached or inline) gives the
            // trailers of that patch, not a review of this series: its lines are left out.
            let trailerRows = try db.rows(
                """
                SELECT trailer.num, trailer.name, trailer.value FROM trailer JOIN over ON over.num = trailer.num
                WHERE over.tid = ? AND NOT EXISTS (SELECT 1 FROM patchid WHERE patchid.num = trailer.num)
                ORDER BY trailer.num, trailer.seq
                """, [tid], { (num: $0[0] as Int64, trailer: Trailer(name: $0[1], value: $0[2])) })
            if trailerRows.isEmpty { continue }
            let thread = try db.rows(
                """
                SELECT over.num, over.mid, over.refs, over.from_name, over.from_addr, patch.kind, over.subject
                FROM over LEFT JOIN patch ON patch.num = over.num WHERE over.tid = ?
                """, [tid]
            ) {
                (
                    num: $0[0] as Int64, mid: $0[1] as String, refs: $0[2] as String, from: Address(name: $0[3], email: $0[4]),
                    kind: $0[5] as Int?, subject: $0[6] as String
                )
            }
            var byMid: [String: Int64] = [:]
            var parent: [Int64: String] = [:]
            var isPatch: Set<Int64> = []
            var from: [Int64: Address] = [:]
            for r in thread {
                byMid[r.mid] = r.num
                if let last = OverviewRow.lastRef(of: r.refs) { parent[r.num] = last }
                from[r.num] = r.from
                if r.kind != nil { isPatch.insert(r.num) }
            }
            let covers = Set(thread.filter { $0.kind == 0 }.map(\.num))
            for twin in twinOf.keys {
                if let p = parent[twin].flatMap({ byMid[$0] }), covers.contains(p) { twinCover[twin] = p }
            }
            var given: [Int64: [Trailer]] = [:]
            for (num, t) in trailerRows where t.given(by: from[num]) { given[num, default: []].append(t) }
            let midOf = Dictionary(thread.map { ($0.num, $0.mid) }, uniquingKeysWith: { a, _ in a })
            let subjectOf = Dictionary(thread.map { ($0.num, $0.subject) }, uniquingKeysWith: { a, _ in a })
            // when the version has no cover letter of its own, the message its first patch in
            // this thread answers is taken for it, as b4 takes it: missing (a cover letter that
            // never arrived), or a cover letter whose subject disagrees with the patches'
            // (`[PATCH 00/18]` over `[PATCH v3 01/19]`)
            let answered = cover != nil ? nil : patches.filter { $0.row.tid == tid }.compactMap { parent[$0.row.num] }.first
            let ghostCover = answered.flatMap { byMid[$0] == nil ? $0 : nil }
            if let a = answered.flatMap({ byMid[$0] }), covers.contains(a), adoptedCover == nil { adoptedCover = a }
            for (reply, trailers) in given.sorted(by: { $0.key < $1.key }) {
                var carried = trailers.map { CollectedTrailer(trailer: $0, mid: midOf[reply] ?? "", fromCover: false) }
                var child = reply
                var steps = 0
                while let up = parent[child], steps < 100 {
                    steps += 1
                    guard let p = byMid[up] else {
                        // answers the missing cover letter (`Re: [PATCH 0/N]`): for every patch
                        if up == ghostCover, let s = subjectOf[child], PatchSubject(s).counter == 0 { toGhostCover += carried }
                        break
                    }
                    if isPatch.contains(p) {
                        found[p, default: []] += carried
                        break
                    }
                    guard p != child else { break }
                    carried += (given[p] ?? []).map { CollectedTrailer(trailer: $0, mid: midOf[p] ?? "", fromCover: false) }
                    child = p
                }
            }
        }
        func unique(_ list: [CollectedTrailer]) -> [CollectedTrailer] {
            var out: [CollectedTrailer] = []
            for t in list where !out.contains(where: { $0.trailer.same(t.trailer) }) { out.append(t) }
            return out
        }
        for (twin, member) in twinOf.sorted(by: { $0.key < $1.key }) {
            found[member, default: []] += (found[twin] ?? []) + (twinCover[twin].flatMap { found[$0] } ?? [])
        }
        let onCover = unique(cover.map { found[$0.row.num] ?? [] } ?? (toGhostCover + (adoptedCover.flatMap { found[$0] } ?? [])))
        cover?.trailers = onCover
        for i in patches.indices {
            let own = found[patches[i].row.num] ?? []
            patches[i].trailers = unique(own + onCover.map { CollectedTrailer(trailer: $0.trailer, mid: $0.mid, fromCover: true) })
        }
    }
}
