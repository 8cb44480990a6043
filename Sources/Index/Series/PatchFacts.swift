import Mail

/// What one message is to a patch series, read when it is indexed (on the parsing thread):
/// a cover letter, a patch, or a reply giving trailers; with its subject's version and
/// counter, the b4 `change-id`, and the diffstat of its diff.
struct PatchFacts: Sendable {
    enum Kind: Int, Sendable {
        case cover = 0
        case patch = 1
    }

    var subject: PatchSubject
    /// nil: a reply or other mail (not a member of a series).
    var kind: Kind?
    var changeID: String?
    /// The trailers a reply gives (empty for cover letters and patches).
    var trailers: [Trailer] = []
    var diffstat = Diffstat()

    init(_ message: Message, lines: [BodyLines.Line]) {
        subject = PatchSubject(message.subject)
        var hasDiff = false
        var hasDiffstat = false
        var file: String?
        // the diffstat row of `file` (found once per file header, not once per line)
        var row: Int?
        for l in lines {
            switch l.kind {
            case .diffHeader:
                hasDiff = true
                if l.text.hasPrefix("diff --git "), let b = l.text.range(of: " b/", options: .backwards) {
                    file = String(l.text[b.upperBound...])
                } else if l.text.hasPrefix("+++ "), !l.text.hasPrefix("+++ /dev/null") {
                    let path = l.text.dropFirst(4).split(separator: "\t").first.map(String.init) ?? ""
                    file = path.hasPrefix("b/") ? String(path.dropFirst(2)) : path
                }
                if let f = file, row == nil || diffstat.files[row!].path != f { row = diffstat.row(f) }
            case .added:
                if let r = row { diffstat.files[r].added += 1 }
            case .removed:
                if let r = row { diffstat.files[r].removed += 1 }
            case .text:
                if !hasDiffstat, PatchFacts.isDiffstatSummary(l.text) { hasDiffstat = true }
                if changeID == nil, let id = PatchFacts.changeID(l.text) { changeID = id }
            default:
                break
            }
        }
        var reply = subject.reply
        if !reply && !hasDiff && !message.references.isEmpty {
            // b4: a follow-up without "Re:" that gives trailers is still a follow-up
            if !Trailers.inReply(lines).isEmpty { reply = true }
        }
        if reply {
            trailers = Trailers.inReply(lines)
        } else if subject.counter == 0 && (!subject.countersInferred || hasDiffstat) {
            kind = .cover
        } else if hasDiff {
            kind = .patch
        }
        if kind != .patch { diffstat = Diffstat() }
    }

    /// ` 3 files changed, 10 insertions(+), 2 deletions(-)` (b4's DIFFSTAT_RE).
    static func isDiffstatSummary(_ line: Substring) -> Bool {
        let s = line.drop(while: { $0 == " " || $0 == "\t" })
        guard let d = s.first, d.isNumber, s.contains(" file") else { return false }
        return s.contains(" insertion") || s.contains(" deletion")
    }

    /// `change-id: 20240101-topic-abcdef` (case-insensitive, at the start of a line).
    static func changeID(_ line: Substring) -> String? {
        // most lines: one byte looked at (this runs on every line of prose of every message)
        guard let c = line.utf8.first, c | 0x20 == UInt8(ascii: "c"), line.utf8.count > 11,
            line.prefix(10).lowercased() == "change-id:"
        else { return nil }
        let v = line.dropFirst(10)
        guard let f = v.first, f == " " || f == "\t" else { return nil }
        let id = v.drop(while: { $0 == " " || $0 == "\t" }).prefix(while: { $0 != " " && $0 != "\t" })
        return id.isEmpty ? nil : String(id)
    }
}
