// The IMAP command parser as a session runs it on the line a client sent (literals already
// read into it): the literal announcement, the tokens, SEARCH keys, FETCH items, sequence sets
// and LIST patterns. No input may trap; a string token quoted as the server quotes it parses
// back the same; sets resolve within the mailbox. The harness calls entry points only, so it
// survives rewrites of the matchers and the SEARCH parser behind them.
import FuzzSupport
@testable import Protocols

let mailboxes = ["inbox", "test.0", "test.1", "test", "lkml.0", "a.b.c.0"]

runFuzzer { raw in
    if let n = IMAPSession.literalAnnounced(raw) {
        check(n.count >= 0, "literal of \(n.count) bytes announced by \(show(String(decoding: raw, as: UTF8.self)))")
    }
    _ = IMAPSession.refusedBeforeLiteral(raw)
    guard let tokens = try? IMAPToken.parse(raw) else { return }
    for t in tokens {
        guard let s = t.text else { continue }
        let again = try? IMAPToken.parse(Array(IMAPToken.quote(s).utf8))
        check(again == [.string(s)], "\(show(s)) quoted as \(show(IMAPToken.quote(s))) parses as \(String(describing: again))")
        if let set = SequenceSet(s) {
            for r in set.resolved(last: 100) { check(r.lowerBound >= 1, "\(show(s)) resolves to \(r)") }
        }
        // LIST patterns of any length the server takes: the matcher runs in linear time (Glob;
        // it backtracked exponentially before issue 18, when 15 `*` ran for minutes)
        if s.utf8.count <= 1024 { for m in mailboxes { _ = Wildcard(s).matches(m) } }
    }
    do {
        _ = try SearchCriteria.parse(tokens)
    } catch is SearchCriteria.Failure {
    } catch {
        check(false, "SEARCH threw \(error)")
    }
    _ = FetchItem.parse(tokens)
}
