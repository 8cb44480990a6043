/// What a request path asks for, parsed from the raw (still %-escaped) path the way
/// public-inbox's WWW.pm matches it.
public enum Route: Equatable, Sendable {
    /// `/`: the list of inboxes.
    case inboxList
    /// `/INBOX/` (and `index.html`): topics.
    case topics(scope: String)
    case newAtom(scope: String)
    case newHTML(scope: String)
    case description(scope: String)
    case allMbox(scope: String)
    /// `_/text/KEY/` (html) or `_/text/KEY/raw`.
    case text(scope: String, key: String, raw: Bool)
    case message(scope: String, mid: String)
    case raw(scope: String, mid: String)
    case threadFlat(scope: String, mid: String)
    case threadNested(scope: String, mid: String)
    case threadMbox(scope: String, mid: String)
    case threadAtom(scope: String, mid: String)
    case diff(scope: String, mid: String)
    case attachment(scope: String, mid: String, index: String, filename: String)
    /// `MID/series/`: every version of the patch series `MID` belongs to.
    case series(scope: String, mid: String)
    /// `MID/series.mbox`: the series as `b4 am` writes it, ready for `git am`.
    case seriesMbox(scope: String, mid: String)
    /// `MID/series.json`: the JSON twin of `series`.
    case seriesJSON(scope: String, mid: String)
    /// `MID/series/compare/`: the version of `MID` against the one before, each patch's diff
    /// compared.
    case seriesCompare(scope: String, mid: String)
    /// `_/series/`: recent series, newest first (paged by `?t=`).
    case seriesList(scope: String)
    /// `_/series.json`: the JSON twin of `seriesList`.
    case seriesListJSON(scope: String)
    /// `_/series/new.atom`: the Atom twin of `seriesList`.
    case seriesAtom(scope: String)
    /// `MID/crash.json`: the kernel crash reports found in the message, as JSON.
    case crashJSON(scope: String, mid: String)
    /// `_/crashes/`: crash signatures, most recently reported first (paged by `?t=`).
    case crashList(scope: String)
    /// `_/crashes/new.atom`: the Atom twin of `crashList`.
    case crashAtom(scope: String)
    /// `_/crashes.json`: the JSON twin of `crashList`.
    case crashListJSON(scope: String)
    /// `…/info/refs?service=git-upload-pack` of an epoch (`/INBOX/N`, `/INBOX/N.git`,
    /// `/INBOX/git/N.git`), or of the inbox when `epoch` is nil.
    case gitInfoRefs(scope: String, epoch: Int?)
    /// `POST …/git-upload-pack` of an epoch (as `gitInfoRefs`).
    case gitUploadPack(scope: String, epoch: Int?)
    /// `/manifest.js.gz` (every inbox, `scope` nil) or `/INBOX/manifest.js.gz`.
    case manifest(scope: String?)
    /// `/MID` without an inbox.
    case bareMid(mid: String)
    /// A redirect to `scope root + path` (301, or 302 when `found` is false).
    case redirect(scope: String, path: String, permanent: Bool)
    case notFound

    /// Parses `path` when its first segment names one of `scopes` (an inbox or `all`).
    public static func parse(_ path: Substring, isScope: (Substring) -> Bool) -> Route {
        guard path.hasPrefix("/") else { return .notFound }
        let p = path.dropFirst()
        if p.isEmpty { return .inboxList }
        if p == "manifest.js.gz" { return .manifest(scope: nil) }
        let slash = p.firstIndex(of: "/")
        let first = slash.map { p[..<$0] } ?? p
        guard isScope(first) else {
            // `/MID` or `/MID/`
            let rest = slash.map { p[p.index(after: $0)...] } ?? ""
            // two characters at least, counted unescaped: `/%3A` is `/:`, not a Message-ID
            let mid = URLs.unescapeMid(first)
            if rest.isEmpty, mid.count >= 2 { return .bareMid(mid: mid) }
            return .notFound
        }
        let scope = String(first)
        guard let s = slash else { return .redirect(scope: scope, path: "", permanent: true) }
        let rest = p[p.index(after: s)...]
        switch rest {
        case "", "index.html": return .topics(scope: scope)
        case "new.atom", "atom.xml": return .newAtom(scope: scope)
        case "new.html": return .newHTML(scope: scope)
        case "description": return .description(scope: scope)
        case "all.mbox.gz": return .allMbox(scope: scope)
        case "manifest.js.gz": return .manifest(scope: scope)
        case "_/text", "_/text/": return .redirect(scope: scope, path: "_/text/help/", permanent: false)
        case "_/series/": return .seriesList(scope: scope)
        case "_/series": return .redirect(scope: scope, path: "_/series/", permanent: true)
        case "_/series/new.atom": return .seriesAtom(scope: scope)
        case "_/series.json": return .seriesListJSON(scope: scope)
        case "_/crashes/": return .crashList(scope: scope)
        case "_/crashes": return .redirect(scope: scope, path: "_/crashes/", permanent: true)
        case "_/crashes/new.atom": return .crashAtom(scope: scope)
        case "_/crashes.json": return .crashListJSON(scope: scope)
        default: break
        }
        if rest.hasPrefix("_/text/") {
            let k = rest.dropFirst(7)
            let parts = k.split(separator: "/", omittingEmptySubsequences: false)
            let key = String(parts[0])
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "_" || $0 == "-") }) else { return .notFound }
            if parts.count == 1 { return .redirect(scope: scope, path: "_/text/\(key)/", permanent: false) }
            if parts.count == 2 && parts[1].isEmpty { return .text(scope: scope, key: key, raw: false) }
            if parts.count == 2 && parts[1] == "raw" { return .text(scope: scope, key: key, raw: true) }
            return .notFound
        }
        if let git = gitRoute(scope: scope, rest) { return git }
        let segs = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let midSeg = segs[0]
        guard !midSeg.isEmpty else { return .notFound }
        let mid = URLs.unescapeMid(midSeg)
        let esc = URLs.mid(mid)
        guard segs.count == 2 else {
            return midSeg.count >= 2 ? .redirect(scope: scope, path: esc + "/", permanent: true) : .notFound
        }
        switch segs[1] {
        case "": return .message(scope: scope, mid: mid)
        case "raw": return .raw(scope: scope, mid: mid)
        case "T/": return .threadFlat(scope: scope, mid: mid)
        case "t/": return .threadNested(scope: scope, mid: mid)
        case "T": return .redirect(scope: scope, path: esc + "/T/#u", permanent: true)
        case "t": return .redirect(scope: scope, path: esc + "/t/#u", permanent: true)
        case "t.mbox.gz", "t.mbox": return .threadMbox(scope: scope, mid: mid)
        case "t.atom": return .threadAtom(scope: scope, mid: mid)
        case "R", "R/": return .redirect(scope: scope, path: esc + "/#R", permanent: true)
        case "f", "f/": return .redirect(scope: scope, path: esc + "/", permanent: true)
        case "d/": return .diff(scope: scope, mid: mid)
        case "d": return .redirect(scope: scope, path: esc + "/d/", permanent: true)
        case "series/": return .series(scope: scope, mid: mid)
        case "series": return .redirect(scope: scope, path: esc + "/series/", permanent: true)
        case "series.mbox": return .seriesMbox(scope: scope, mid: mid)
        case "series.json": return .seriesJSON(scope: scope, mid: mid)
        case "series/compare/": return .seriesCompare(scope: scope, mid: mid)
        case "series/compare": return .redirect(scope: scope, path: esc + "/series/compare/", permanent: true)
        case "crash.json": return .crashJSON(scope: scope, mid: mid)
        default: break
        }
        // after the `MID/…` pages, as in public-inbox: `/INBOX/t/raw` is the message `t`'s
        if let legacy = legacyRoute(scope: scope, rest) { return legacy }
        let tail = segs[1]
        if let dash = tail.firstIndex(of: "-"), !tail.contains("/") {
            let idx = tail[..<dash]
            if let f = idx.first, f.isASCII, f.isNumber, idx.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "." }) {
                return .attachment(scope: scope, mid: mid, index: String(idx), filename: String(tail[tail.index(after: dash)...]))
            }
        }
        return .notFound
    }

    /// git smart HTTP as public-inbox's WWW.pm matches it:
    /// `[[git/]N[.git]/](info/refs|git-upload-pack)`.
    static func gitRoute(scope: String, _ rest: Substring) -> Route? {
        var r = rest
        let infoRefs: Bool
        if r.hasSuffix("info/refs") {
            infoRefs = true
            r = r.dropLast(9)
        } else if r.hasSuffix("git-upload-pack") {
            infoRefs = false
            r = r.dropLast(15)
        } else {
            return nil
        }
        var epoch: Int?
        if !r.isEmpty {
            guard r.hasSuffix("/") else { return nil }
            r = r.dropLast()
            if r.hasPrefix("git/") { r = r.dropFirst(4) }
            if r.hasSuffix(".git") { r = r.dropLast(4) }
            guard !r.isEmpty, r.count < 10, r.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(r) else { return nil }
            epoch = n
        }
        return infoRefs ? .gitInfoRefs(scope: scope, epoch: epoch) : .gitUploadPack(scope: scope, epoch: epoch)
    }

    /// Old public-inbox URL forms (`m/MID.html`, `t/MID/`, `f/MID.txt` …), all 301.
    static func legacyRoute(scope: String, _ rest: Substring) -> Route? {
        guard rest.hasPrefix("m/") || rest.hasPrefix("t/") || rest.hasPrefix("f/") else { return nil }
        let kind = rest.first!
        var r = rest.dropFirst(2)
        guard !r.isEmpty else { return nil }
        var suffix = "/"
        if kind == "t" {
            suffix = "/t/#u"
            if r.hasSuffix("/mbox.gz") {
                r = r.dropLast(8)
                suffix = "/t.mbox.gz"
            } else if r.hasSuffix("/mbox") {
                r = r.dropLast(5)
                suffix = "/t.mbox"
            }
        } else if r.hasSuffix("/raw") {
            r = r.dropLast(4)
            suffix = "/raw"
        } else if r.hasSuffix(".txt") {
            r = r.dropLast(4)
            suffix = "/raw"
        }
        if r.hasSuffix(".html") { r = r.dropLast(5) }
        if r.hasSuffix("/") { r = r.dropLast() }
        guard !r.isEmpty, !r.contains("/") else { return nil }
        return .redirect(scope: scope, path: URLs.mid(URLs.unescapeMid(r)) + suffix, permanent: true)
    }
}
