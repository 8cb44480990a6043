import Foundation
import Index
import Mail

/// The JSON twins of the crash pages, for CI bots and dashboards: `/INBOX/MID/crash.json` (the
/// crash reports found in that message) and `/INBOX/_/crashes.json` (the crash list, paged by
/// `?t=` as the page). Keys are snake_case and sorted; times are ISO 8601 UTC; a value not
/// known is null. Documented in `_/text/help/`.
enum CrashJSON {
    static let contentType = "application/json"

    /// A report's fields (`REPORT` in the help text).
    static func report(_ id: String, _ r: CrashReport) -> [String: Any] {
        [
            "signature": id, "kind": r.kind, "title": r.title, "location": r.location ?? NSNull(), "function": r.function ?? NSNull(),
            "frames": r.frames, "kernel_version": r.kernelVersion ?? NSNull(), "quoted": r.quoted, "syzbot": r.syzbotID ?? NSNull(),
        ]
    }

    static func message(_ row: OverviewRow, base: String) -> [String: Any] {
        [
            "message_id": row.mid, "subject": row.subject, "from": row.fromAddr, "date": MailDate(seconds: row.ts).iso8601,
            "url": base + URLs.mid(row.mid) + "/",
        ]
    }

    static func encode(_ value: [String: Any]) throws -> Reply {
        var bytes = Array(
            try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]))
        bytes.append(UInt8(ascii: "\n"))
        return Reply(contentType: contentType, body: .bytes(bytes))
    }

    /// `MID/crash.json`: 404 when the scope has no message `mid`.
    static func message(scope: Scope, mid: String, host: String?) throws -> Reply {
        let base = scope.baseURL(host: host)
        var found: OverviewRow?
        for ib in scope.inboxes where found == nil { found = try ib.index.messages(mid: mid).first }
        guard let row = found else { return .notFoundPlain() }
        var reports: [[String: Any]] = []
        for s in try scope.crashes(mid: mid) {
            let (total, others) = try scope.crashReports(signature: s.signatureID, limit: 51)
            var r = report(s.signatureID, s.report)
            r["other_messages"] = max(0, total - 1)
            r["others"] = others.filter { $0.row.mid != mid }.prefix(50).map { message($0.row, base: base) }
            reports.append(r)
        }
        return try encode(["message": message(row, base: base), "reports": reports])
    }

    /// `_/crashes.json`.
    static func list(scope: Scope, host: String?, t: Substring?) throws -> Reply {
        let base = scope.baseURL(host: host)
        let list = try CrashListPage.summaries(scope: scope, t: t)
        let crashes = list.map { s -> [String: Any] in
            var c = report(s.signatureID, s.sample.report)
            c["messages"] = s.messages
            c["threads"] = s.threads
            c["first_seen"] = MailDate(seconds: s.firstSeen).iso8601
            c["last_seen"] = MailDate(seconds: s.lastSeen).iso8601
            c["sample"] = message(s.sample.row, base: base)
            c["answers"] = s.answers.map { message($0, base: base) }
            return c
        }
        var next: Any = NSNull()
        if list.count >= CrashListPage.pageSize, let oldest = list.last?.lastSeen {
            next = base + "_/crashes.json?t=" + URLs.compactTime(oldest)
        }
        return try encode(["crashes": crashes, "next": next])
    }
}
