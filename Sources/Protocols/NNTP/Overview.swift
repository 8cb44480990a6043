import Foundation
import Index
import Mail

/// Overview data as public-inbox-nntpd sends it (OVER, HDR, `Xref:`). Blocking: called on
/// the catalog's threads.
extension Catalog {
    /// `SERVER GROUP:NUM` and, sorted by name, every other group holding the same Message-ID.
    func xrefs(for rows: [OverviewRow], in group: Group) throws -> [String] {
        var others: [(String, [String: Int64])] = []
        if groups.count > 1 {
            let mids = rows.map(\.mid)
            for g in groups where g.position != group.position {
                others.append((g.name, try g.inbox.index.articleNumbers(mids: mids)))
            }
        }
        return rows.map { row in
            var s = "\(serverName) \(group.name):\(row.num)"
            for (name, nums) in others { if let n = nums[row.mid] { s += " \(name):\(n)" } }
            return s
        }
    }

    /// OVERVIEW.FMT lines (without CRLF).
    func overviewLines(_ rows: [OverviewRow], in group: Group) throws -> [String] {
        let xrefs = try xrefs(for: rows, in: group)
        return zip(rows, xrefs).map { row, xref in
            [
                String(row.num), Self.field(row.subject), Self.field(Self.from(row)), row.date.rfc5322UTC, "<\(row.mid)>",
                Self.references(row), String(row.bytes), String(row.lines), "Xref: " + xref,
            ].joined(separator: "\t")
        }
    }

    /// Values of header `name` (lower case; HDR's names) for each row.
    func headerValues(_ name: String, _ rows: [OverviewRow], in group: Group) throws -> [String] {
        switch name {
        case "subject": return rows.map { Self.field($0.subject) }
        case "from": return rows.map { Self.field(Self.from($0)) }
        case "date": return rows.map(\.date.rfc5322UTC)
        case "message-id": return rows.map { "<\($0.mid)>" }
        case "references": return rows.map(Self.references)
        case "bytes", ":bytes": return rows.map { String($0.bytes) }
        case "lines", ":lines": return rows.map { String($0.lines) }
        case "xref": return try xrefs(for: rows, in: group)
        default:
            // To, Cc: from the stored message
            return rows.map { row in
                guard let raw = try? group.inbox.raw(row) else { return "" }
                let headers = Headers.parse(raw[..<headerBoundary(raw).headerEnd], only: [name])
                return Self.field(headers.values(name).map(HeaderText.decode).joined(separator: ", "))
            }
        }
    }

    static func from(_ row: OverviewRow) -> String {
        if row.fromName.isEmpty { return row.fromAddr }
        if row.fromAddr.isEmpty { return row.fromName }
        return Address(name: row.fromName, email: row.fromAddr).formatted
    }

    static func references(_ row: OverviewRow) -> String { row.refs.map { "<\($0)>" }.joined(separator: " ") }

    /// Tabs and line ends would break an overview line.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return s }
        return String(s.map { $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" ? " " : $0 })
    }
}
