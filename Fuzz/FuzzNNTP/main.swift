// The NNTP command arguments a session parses on its own: wildmats (LIST ACTIVE, NEWNEWS) and
// NEWGROUPS/NEWNEWS times. No input may trap; a wildmat of one literal name (no wildcards)
// matches that name exactly; `*` matches everything and `!*` nothing. The harness calls entry
// points only, so it survives rewrites of the matcher behind them.
import FuzzSupport
@testable import Protocols

let groups = ["inbox.comp.test", "test", "a.b", "lkml", ""]

runFuzzer { raw in
    let line = String(decoding: raw, as: UTF8.self)
    let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    if words.count >= 2 { _ = NNTPSession.parseTime(words[0], words[1], words.count > 2 ? words[2] : nil) }
    // any pattern a command line holds: the matcher runs in linear time (Glob; it backtracked
    // exponentially before issue 18, when `***************\` ran for minutes)
    guard let pattern = words.first else { return }
    let w = Wildmat(pattern)
    for g in groups { _ = w.matches(g) }
    if pattern.allSatisfy({ !"*?[]\\!,".contains($0) }) {
        check(w.matches(pattern), "\(show(pattern)) does not match itself")
        for g in groups where g != pattern { check(!w.matches(g), "\(show(pattern)) matches \(show(g))") }
    }
    if words.count > 1 {
        check(Wildmat("*").matches(words[1]), "* does not match \(show(words[1]))")
        check(!Wildmat("!*").matches(words[1]), "!* matches \(show(words[1]))")
    }
}
