// The search query parser and what it compiles to: every query that parses must run on a real
// index (SQLite + FTS5, the fixture messages imported) without an error from SQLite, in every
// order and form the web offers; a query that does not parse says why (ParseError) and nothing
// else.
import Foundation
import FuzzSupport
import Index
import Store

let now: Int64 = 1_600_000_000

/// An inbox with the corpus fixtures, made once in the working directory (`inbox/`) and
/// reused by every later process: libFuzzer's fork mode starts one per job.
let inbox: Inbox = {
    let fm = FileManager.default
    let kept = fm.currentDirectoryPath + "/inbox"
    let config = { (root: String) in InboxConfig(name: "fuzz", dir: root + "/fuzz", addresses: ["fuzz@example.org"]) }
    if fm.fileExists(atPath: kept + "/fuzz/tidings.sqlite3"), let inbox = try? Inbox(config: config(kept), readOnly: true) {
        return inbox
    }
    let fixtures = (ProcessInfo.processInfo.environment["TIDINGS_FIXTURES"] ?? "Tests/Fixtures") + "/corpus"
    let building = kept + ".\(getpid())"
    do {
        try? fm.removeItem(atPath: building)
        try fm.createDirectory(atPath: building, withIntermediateDirectories: true)
        let made = try Inbox.create(config(building), in: PIConfig(path: building + "/config"))
        let files = try fm.contentsOfDirectory(atPath: fixtures).filter { $0.hasSuffix(".eml") }.sorted()
        check(!files.isEmpty, "no fixtures in \(fixtures) (set TIDINGS_FIXTURES)")
        let summary = try Importer(inbox: made).importSources(files.map { .file(path: fixtures + "/" + $0) })
        check(summary.imported > 0, "nothing imported")
        // whole or not at all: a job stopped while importing leaves no half inbox behind
        try? fm.removeItem(atPath: kept)
        try fm.moveItem(atPath: building, toPath: kept)
        return try Inbox(config: config(kept), readOnly: true)
    } catch {
        check(false, "cannot make the fuzz inbox: \(error)")
        fatalError()
    }
}()

/// A thread of the fixtures (the web's search within one thread, `POST MID/?x=m&q=`).
let threadID: Int64 = {
    guard let tid = try? inbox.index.thread(of: "20200103184044.73568-1-dverkamp@chromium.org")?.seed.tid else {
        check(false, "fixture thread not indexed")
        fatalError()
    }
    return tid
}()

runFuzzer { raw in
    let q = String(decoding: raw, as: UTF8.self)
    let query: SearchQuery
    do {
        query = try SearchQuery.parse(q, now: now)
    } catch is SearchQuery.ParseError {
        return
    } catch {
        check(false, "parse threw \(error) for \(show(q))")
        return
    }
    check((try? SearchQuery.parse(q, now: now)) == query, "parsing twice differs: \(show(q))")
    _ = query.highlightTerms
    let index = inbox.index
    do {
        try SearchLimits.withDeadline(.now + .seconds(5)) {
            for order in [SearchOrder.date, .relevance] {
                for collapse in [false, true] {
                    let r = try index.search(query, offset: 0, limit: 5, order: order, collapseThreads: collapse)
                    check(r.rows.count <= 5 && r.rows.count <= r.total, "\(r.rows.count) rows of \(r.total) for \(show(q))")
                    if r.total > 5 {
                        let next = try index.search(query, offset: 5, limit: 5, order: order, collapseThreads: collapse)
                        check(next.total == r.total, "total \(r.total) then \(next.total) for \(show(q))")
                    }
                }
            }
            _ = try index.searchArticles(query, expandThreads: true)
            _ = try index.search(query, thread: threadID)
        }
    } catch is SearchTimedOut {
        return
    } catch {
        check(false, "the index refused \(show(q)): \(error)")
    }
}
