// Body classification: prose, quotes, diff headers, hunks (what search indexes and pages
// colour), and the patch id b4 looks patches up by. Every line is kept, in order, in exactly
// one class and one bucket of search terms.
import FuzzSupport
@testable import Index
@testable import Mail

runFuzzer { raw in
    let text = String(decoding: raw, as: UTF8.self)
    let body = BodyLines(text)
    // the lines as written: split on LF, a CR before it dropped
    var expected = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { line -> Substring in
        let s = Substring(line)
        return s.utf8.last == 0x0D ? Substring(s.utf8.dropLast()) : s
    }
    if body.lines.count == expected.count - 1, expected.last?.isEmpty == true { expected.removeLast() }
    check(body.lines.count == expected.count, "\(body.lines.count) lines classified of \(expected.count)")
    for (l, e) in zip(body.lines, expected) {
        check(l.text == e, "line \(show(l.text)) is not \(show(e))")
        if l.kind == .quote { check(BodyLines.isQuote(l.text), "not a quote: \(show(l.text))") }
        if l.kind == .added { check(l.text.hasPrefix("+"), "added: \(show(l.text))") }
        if l.kind == .removed { check(l.text.hasPrefix("-"), "removed: \(show(l.text))") }
        if l.kind == .hunkHeader { check(BodyLines.hunkCounts(l.text) != nil, "hunk header: \(show(l.text))") }
    }
    let t = body.terms
    let bucketed = t.unquoted.count + t.quoted.count + t.added.count + t.removed.count + t.context.count + t.hunkHeaders.count
    let headers = body.lines.filter { $0.kind == .diffHeader }.count
    check(bucketed + headers == body.lines.count, "\(bucketed) + \(headers) lines in search terms of \(body.lines.count)")
    check(t.preBlobs.count == t.postBlobs.count, "blob ids unpaired")
    if let id = PatchID.stable(bytes: raw) {
        check(id.utf8.count == 40 && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }, "patch id \(id)")
    }
    _ = PatchID.looksLikePatch(text)
}
