import GRDB

/// Any message of a series thread resolves to its series, as `b4 am` takes the Message-ID of a
/// reply for the series of its thread.
extension SeriesQuery {
    /// How many of a reply's references, nearest first, are looked at.
    static let maxReplyReferences = 1000

    /// The cover letter or patch `mid` is; for any other message of a thread with series in it,
    /// the one it answers: the nearest of its references (its parent, then up) that is a cover
    /// letter or patch, else (it answers only messages that never arrived) the first message
    /// of the newest version in its thread, as b4 takes the newest. Nil outside such threads.
    func resolve(mid: String) throws -> PatchRow? {
        if let m = try member(mid: mid) { return m }
        guard
            let (tid, refs) = try db.rows(
                "SELECT over.tid, over.refs FROM msgid JOIN over ON over.num = msgid.num WHERE msgid.mid = ? ORDER BY over.num LIMIT 1",
                [mid], { ($0[0] as Int64, $0[1] as String) }
            ).first
        else { return nil }
        let members = try PatchRow.fetch(
            db, "SELECT \(PatchRow.columns) FROM over JOIN patch ON patch.num = over.num WHERE over.tid = ? ORDER BY over.num", [tid])
        guard !members.isEmpty else { return nil }
        return Self.answered(refs: refs, among: members) ?? Self.newestHead(members)
    }

    /// The nearest of `refs` (stored references, root first) that is one of `members`.
    static func answered(refs: String, among members: [PatchRow]) -> PatchRow? {
        var byMid: [String: PatchRow] = [:]
        for m in members where byMid[m.row.mid] == nil { byMid[m.row.mid] = m }
        let ids = refs.split(separator: " ")
        for ref in ids.reversed().prefix(maxReplyReferences) {
            if let m = byMid[String(ref)] { return m }
        }
        return nil
    }

    /// The cover letter (else the lowest patch) of the newest version among `members`.
    static func newestHead(_ members: [PatchRow]) -> PatchRow? {
        members.min { a, b in (-a.version, a.kind, a.counter, a.row.num) < (-b.version, b.kind, b.counter, b.row.num) }
    }
}
