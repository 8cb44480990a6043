import Foundation
import HTTPTypes
import Index
import Mail

/// The JSON twins of the series pages, for CI bots and dashboards (documented in
/// `_/text/help/`): `MID/series.json` (every version of the series `MID` belongs to, as
/// `MID/series/` shows it) and `_/series.json` (recent series versions, as `_/series/`, paged
/// by `?t=` with a `next` link). Keys are snake_case and sorted; dates are ISO 8601 UTC; URLs
/// are absolute.
enum SeriesJSON {
    static let contentType = "application/json"

    struct Person: Encodable {
        var name: String
        var email: String
    }

    struct File: Encodable {
        var path: String
        var added: Int
        var removed: Int
    }

    struct Stat: Encodable {
        var files: [File]
        var added: Int
        var removed: Int

        init(_ d: Diffstat) {
            files = d.files.map { File(path: $0.path, added: $0.added, removed: $0.removed) }
            added = d.added
            removed = d.removed
        }
    }

    struct GivenTrailer: Encodable {
        var name: String
        var value: String
        /// The reply that gave it.
        var messageId: String
        var url: String
        /// Given to the cover letter (so to every patch).
        var fromCover: Bool
    }

    struct Member: Encodable {
        /// 0 for the cover letter.
        var counter: Int
        var subject: String
        var title: String
        var messageId: String
        var url: String
        var date: String
        var from: Person
        var trailers: [GivenTrailer]
        var diffstat: Stat?
        var patchIds: [String]
    }

    struct Change: Encodable {
        var counter: Int
        var previousCounter: Int?
        /// `unchanged`, `changed` or `new`.
        var change: String
    }

    struct Comparison: Encodable {
        /// The version compared with (the one before).
        var previous: String
        var patches: [Change]
        var dropped: [Int]
        /// The page showing what changed in each changed patch's diff.
        var url: String
    }

    /// One version; in `_/series.json` without `cover`, `patches`, `diffstat` and
    /// `compared_with_previous` (left out, as every nil here).
    struct Version: Encodable {
        var version: Int
        var name: String
        var tag: String
        var label: String
        var rfc: Bool
        var resend: Bool
        var title: String
        var from: Person
        /// Of its first message (the cover letter, else the first patch).
        var messageId: String
        var date: String
        var arrived: String
        var total: Int
        var received: Int
        var hasCover: Bool
        var missing: [Int]
        var complete: Bool
        var trailerCounts: [String: Int]
        var changeId: String?
        var url: String
        var json: String
        var mbox: String
        var cover: Member?
        var patches: [Member]?
        var diffstat: Stat?
        var comparedWithPrevious: Comparison?
    }

    struct Series: Encodable {
        var title: String
        var from: Person
        var changeId: String?
        /// Index in `versions` of the version holding the message asked about.
        var current: Int
        var versions: [Version]
    }

    struct List: Encodable {
        var series: [Version]
        /// The next (older) page, when there may be one.
        var next: String?
    }

    struct Failure: Encodable {
        var error: String
    }

    static func reply(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Reply {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var r = Reply(contentType: contentType, body: .bytes(Array(try e.encode(value))))
        r.status = status
        return r
    }

    static func iso(_ seconds: Int64) -> String { MailDate(seconds: seconds).iso8601 }

    static func person(_ row: OverviewRow) -> Person { Person(name: row.fromName, email: row.fromAddr) }

    static func counts(_ v: SeriesVersion) -> [String: Int] {
        Dictionary(v.trailerCounts.map { ($0.name, $0.count) }, uniquingKeysWith: +)
    }

    static func member(_ m: SeriesMember, base: String) -> Member {
        Member(
            counter: m.counter, subject: m.row.subject, title: m.title, messageId: m.row.mid, url: base + URLs.mid(m.row.mid) + "/",
            date: iso(m.row.ds), from: person(m.row),
            trailers: m.trailers.map {
                GivenTrailer(
                    name: $0.trailer.name, value: $0.trailer.value, messageId: $0.mid, url: base + URLs.mid($0.mid) + "/",
                    fromCover: $0.fromCover)
            }, diffstat: m.counter == 0 ? nil : Stat(m.diffstat), patchIds: m.patchIDs)
    }

    /// `v` as JSON; `full` with its cover letter, patches, diffstat and the comparison with
    /// `previous`.
    static func version(_ v: SeriesVersion, previous: SeriesVersion?, base: String, full: Bool) -> Version {
        let at = base + URLs.mid(v.head.row.mid)
        var out = Version(
            version: v.version, name: v.name, tag: v.tag, label: v.label, rfc: v.rfc, resend: v.resend, title: v.title,
            from: person(v.head.row), messageId: v.head.row.mid, date: iso(v.head.row.ds), arrived: iso(v.head.row.ts), total: v.total,
            received: v.patches.count, hasCover: v.cover != nil, missing: v.missing, complete: v.missing.isEmpty,
            trailerCounts: counts(v), changeId: v.changeID, url: at + "/series/#" + SeriesPage.anchor(v), json: at + "/series.json",
            mbox: at + "/series.mbox")
        guard full else { return out }
        out.cover = v.cover.map { member($0, base: base) }
        out.patches = v.patches.map { member($0, base: base) }
        out.diffstat = Stat(v.diffstat)
        if let previous {
            let c = v.compared(since: previous)
            out.comparedWithPrevious = Comparison(
                previous: previous.name,
                patches: c.patches.map { Change(counter: $0.counter, previousCounter: $0.previous, change: $0.kind.rawValue) },
                dropped: c.dropped, url: at + "/series/compare/")
        }
        return out
    }

    /// `MID/series.json`.
    static func series(scope: Scope, mid: String, host: String?) throws -> Reply {
        guard let s = try scope.series(mid: mid)?.series else {
            let why = try scope.has(mid: mid) ? "not a cover letter, patch or reply of a series" : "no such message"
            return try reply(Failure(error: "<\(mid)>: " + why), status: .notFound)
        }
        let base = scope.baseURL(host: host)
        let latest = s.versions[s.versions.count - 1]
        return try reply(
            Series(
                title: latest.title, from: person(latest.head.row), changeId: latest.changeID, current: s.current,
                versions: s.versions.enumerated().map { i, v in
                    version(v, previous: i > 0 ? s.versions[i - 1] : nil, base: base, full: true)
                }))
    }

    /// `_/series.json`: the versions `_/series/` lists, newest first.
    static func list(scope: Scope, host: String?, t: Substring?) throws -> Reply {
        let list = try SeriesListPage.versions(scope: scope, t: t)
        let base = scope.baseURL(host: host)
        var next: String?
        if list.count >= SeriesListPage.pageSize, let oldest = list.last?.head.row.ts {
            next = base + "_/series.json?t=" + URLs.compactTime(oldest)
        }
        return try reply(List(series: list.map { version($0, previous: nil, base: base, full: false) }, next: next))
    }
}
