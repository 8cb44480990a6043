import Index
import Mail

/// `/INBOX/MID/series.mbox`: the version of the series that `MID` belongs to as `b4 am` writes
/// it for `git am`: its patches in order, without the cover letter, each with the trailers
/// collected from replies (to it, and to the cover letter) added after its own, and the
/// subject `[PATCH v2 1/3] title`.
enum SeriesMbox {
    static func render(scope: Scope, mid: String) throws -> Reply {
        guard let found = try scope.series(mid: mid) else { return .notFoundPlain("No patch series found for this message\n") }
        let (inbox, s) = (found.inbox, found.series)
        var out: [UInt8] = []
        for p in s.version.patches {
            let m = Message.parse(try inbox.raw(p.row))
            out += MboxrdWriter.entry(message(p, m))
        }
        var r = Reply(contentType: "application/mbox", body: .bytes(out))
        let name = URLs.filename(fromSubject: s.version.name + " " + s.version.title) ?? "series"
        r.headers = [(.contentDisposition, "inline; filename=\(name).mbox")]
        return r
    }

    /// One patch as `git am` takes it: plain headers, the decoded text, trailers applied.
    static func message(_ p: SeriesMember, _ m: Message) -> [UInt8] {
        var h = "Subject: " + HeaderText.collapseWhitespace(p.amSubject) + "\n"
        if let from = m.from.first { h += "From: " + from.formatted + "\n" }
        if let date = m.headers.first("Date") { h += "Date: " + HeaderText.collapseWhitespace(date) + "\n" }
        h +=
            "Message-Id: <\(p.row.mid)>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: 8bit\n\n"
        return Array((h + withTrailers(m.bodyText, p.trailers.map(\.trailer))).utf8)
    }

    /// `body` with `trailers` added after the commit message's own trailers (those it already
    /// has are not repeated), before the `---` that starts the diffstat and diff.
    static func withTrailers(_ body: String, _ trailers: [Trailer]) -> String {
        var lines = body.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        let cut =
            lines.firstIndex { $0.hasPrefix("---") && $0.dropFirst(3).allSatisfy(\.isWhitespace) }
            ?? lines.firstIndex { $0.hasPrefix("diff --git ") } ?? lines.count
        var end = cut
        while end > 0 && lines[end - 1].allSatisfy(\.isWhitespace) { end -= 1 }
        let own = lines[..<end].compactMap { Trailers.split(Substring($0)).map { Trailer(name: $0.0, value: $0.1) } }
        var add: [String] = []
        for t in trailers where !own.contains(where: { $0.same(t) }) && !add.contains(t.line) { add.append(t.line) }
        lines.insert(contentsOf: add, at: end)
        return lines.joined(separator: "\n")
    }
}
