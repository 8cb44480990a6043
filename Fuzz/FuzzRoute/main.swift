// The URL router (`Route.parse`, one pure function from a path to a page) and the query
// string of search pages. The input is a path, then optionally `?` and a query string.
// A page's own link (written with `URLs`, as the views do) routes back to the same page; a
// redirect leads, in one hop, to a page; search links (`href`) keep every parameter.
import FuzzSupport
import Mail
@testable import Web

let scopes: Set<Substring> = ["all", "test", "lkml"]
func route(_ path: String) -> Route { Route.parse(Substring(path), isScope: { scopes.contains($0) }) }

/// The path the site links to for `r` (nil: pages with no single canonical link).
func link(_ r: Route) -> String? {
    switch r {
    case .inboxList: return "/"
    case .topics(let s): return "/\(s)/"
    case .newAtom(let s): return "/\(s)/new.atom"
    case .newHTML(let s): return "/\(s)/new.html"
    case .description(let s): return "/\(s)/description"
    case .allMbox(let s): return "/\(s)/all.mbox.gz"
    case .text(let s, let key, let raw): return "/\(s)/_/text/\(key)/" + (raw ? "raw" : "")
    case .message(let s, let mid): return "/\(s)/\(URLs.mid(mid))/"
    case .raw(let s, let mid): return "/\(s)/\(URLs.mid(mid))/raw"
    case .threadFlat(let s, let mid): return "/\(s)/\(URLs.mid(mid))/T/"
    case .threadNested(let s, let mid): return "/\(s)/\(URLs.mid(mid))/t/"
    case .threadMbox(let s, let mid): return "/\(s)/\(URLs.mid(mid))/t.mbox.gz"
    case .threadAtom(let s, let mid): return "/\(s)/\(URLs.mid(mid))/t.atom"
    case .diff(let s, let mid): return "/\(s)/\(URLs.mid(mid))/d/"
    case .series(let s, let mid): return "/\(s)/\(URLs.mid(mid))/series/"
    case .seriesMbox(let s, let mid): return "/\(s)/\(URLs.mid(mid))/series.mbox"
    case .seriesList(let s): return "/\(s)/_/series/"
    case .seriesAtom(let s): return "/\(s)/_/series/new.atom"
    case .seriesJSON(let s, let mid): return "/\(s)/\(URLs.mid(mid))/series.json"
    case .seriesCompare(let s, let mid): return "/\(s)/\(URLs.mid(mid))/series/compare/"
    case .seriesListJSON(let s): return "/\(s)/_/series.json"
    case .attachment(let s, let mid, let index, let filename): return "/\(s)/\(URLs.mid(mid))/\(index)-\(filename)"
    case .bareMid(let mid): return "/\(URLs.mid(mid))"
    case .gitInfoRefs(let s, let epoch): return "/\(s)/" + (epoch.map { "git/\($0).git/" } ?? "") + "info/refs"
    case .gitUploadPack(let s, let epoch): return "/\(s)/" + (epoch.map { "\($0)/" } ?? "") + "git-upload-pack"
    case .manifest(let s): return s.map { "/\($0)/manifest.js.gz" } ?? "/manifest.js.gz"
    case .redirect, .notFound: return nil
    }
}

func same(_ a: Route, _ b: Route) -> Bool {
    // the file name of an attachment is the page's choice, not an identity
    if case .attachment(let s1, let m1, let i1, _) = a, case .attachment(let s2, let m2, let i2, _) = b {
        return s1 == s2 && m1 == m2 && i1 == i2
    }
    return a == b
}

runFuzzer { raw in
    let input = String(decoding: raw, as: UTF8.self)
    let q = input.firstIndex(of: "?")
    let path = String(q.map { input[..<$0] } ?? input[...])
    let r = route(path)
    if let l = link(r) {
        let again = route(l)
        check(same(again, r), "\(show(path)) is \(r); its link \(show(l)) is \(again)")
    }
    if case .redirect(let scope, let target, _) = r {
        let to = "/\(scope)/" + (target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        let next = route(to)
        switch next {
        case .redirect, .notFound: check(false, "\(show(path)) redirects to \(show(to)), which is \(next)")
        default: break
        }
    }
    if let q {
        let query = String(input[input.index(after: q)...])
        if let p = SearchParams(SearchParams.decode(query)) {
            let href = p.href { _ in }
            check(href.hasPrefix("?"), "href \(show(href))")
            let back = SearchParams(SearchParams.decode(String(href.dropFirst())))
            check(
                back?.q == p.q && back?.offset == p.offset && back?.limit == p.limit && back?.relevance == p.relevance
                    && back?.threads == p.threads && back?.x == p.x,
                "search link \(show(href)) for \(show(query)) does not keep its parameters")
        }
        for (k, v) in SearchParams.decode(query) where k == "t" {
            if let (seconds, newer) = URLs.parsePageTime(Substring(v)) {
                let again = URLs.parsePageTime(Substring(URLs.compactTime(seconds) + (newer ? "-" : "")))
                check(
                    again.map { $0.seconds == seconds && $0.newer == newer } ?? false, "?t=\(show(v)) is \(seconds), written back differs")
            }
        }
    }
}
