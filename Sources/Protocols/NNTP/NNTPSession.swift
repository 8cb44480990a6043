import Foundation
import Index
import Mail
import NIOCore

/// One NNTP reader (RFC 3977, read-only), answering as public-inbox-nntpd does.
final class NNTPSession {
    let catalog: Catalog
    let out: Output
    /// The selected group and current article number.
    var group: Catalog.Group?
    var current: Int64?
    /// Told once a group is chosen: then RFC 3977's idle timeout applies, not the short one.
    var connection: LineConnection?

    /// RFC 977 2.3 (public-inbox's LINE_MAX): a longer command line closes the connection.
    static let maxLine = 512
    /// Articles per database read in long responses (OVER, HDR, LISTGROUP, NEWNEWS).
    static let batch = 1000

    init(catalog: Catalog, out: Output) {
        self.catalog = catalog
        self.out = out
    }

    func run(_ lines: SessionInput) async throws {
        connection = lines.connection
        out.append("201 \(catalog.serverName) ready - post via email\r\n")
        try await out.flush()
        for try await item in lines {
            guard case .line(let buffer) = item else {
                out.append("501 command line too long (over \(Self.maxLine) bytes)\r\n")
                try await out.flush()
                return
            }
            guard let line = commandText(buffer) else {
                out.append("501 command syntax error\r\n")
                try await out.flush()
                continue
            }
            let goOn = try await handle(line)
            try await out.flush()
            if !goOn { return }
        }
    }

    /// The line without its line end; nil when it holds other control characters.
    func commandText(_ buffer: ByteBuffer) -> String? {
        var bytes = Array(buffer.readableBytesView)
        while let l = bytes.last, l == 0x0A || l == 0x0D { bytes.removeLast() }
        if bytes.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    static let r501 = "501 command syntax error\r\n"
    static let noGroup = "412 no newsgroup has been selected\r\n"
    static let noCurrent = "420 no current article has been selected\r\n"

    /// Runs one command; false when the connection should close.
    func handle(_ line: String) async throws -> Bool {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let verb = words.first?.uppercased() else { return true }
        let args = Array(words.dropFirst())
        func argc(_ range: ClosedRange<Int>) -> Bool {
            if range.contains(args.count) { return true }
            out.append(Self.r501)
            return false
        }
        switch verb {
        case "CAPABILITIES":
            guard argc(0...1) else { break }
            out.append(
                "101 Capability list:\r\nVERSION 2\r\nREADER\r\nNEWNEWS\r\nLIST ACTIVE ACTIVE.TIMES NEWSGROUPS OVERVIEW.FMT HEADERS\r\nHDR\r\nOVER\r\n.\r\n"
            )
        case "MODE":
            guard argc(1...1) else { break }
            out.append(args[0].uppercased() == "READER" ? "201 Posting prohibited\r\n" : Self.r501)
        case "LIST":
            guard argc(0...2) else { break }
            try await list(args)
        case "GROUP":
            guard argc(1...1) else { break }
            out.append(try await select(args[0]))
        case "LISTGROUP":
            guard argc(0...2) else { break }
            try await listGroup(args)
        case "ARTICLE", "HEAD", "BODY", "STAT":
            guard argc(0...1) else { break }
            try await article(verb, args.first)
        case "NEXT", "LAST":
            guard argc(0...0) else { break }
            try await step(forward: verb == "NEXT")
        case "OVER", "XOVER":
            guard argc(0...1) else { break }
            try await over(args.first)
        case "HDR", "XHDR":
            guard argc(1...2) else { break }
            try await hdr(args[0], args.count > 1 ? args[1] : nil, x: verb == "XHDR")
        case "NEWGROUPS":
            guard argc(2...4) else { break }
            guard let since = Self.parseTime(args[0], args[1], args.count > 2 ? args[2] : nil) else {
                out.append(Self.r501)
                break
            }
            out.append("231 list of new newsgroups follows\r\n")
            try await activeLines(catalog.groups.filter { $0.created > since })
            out.append(".\r\n")
        case "NEWNEWS":
            guard argc(3...5) else { break }
            try await newNews(args)
        case "DATE":
            guard argc(0...0) else { break }
            let c = UTCCalendar.components(Int64(Date().timeIntervalSince1970))
            out.append(String(format: "111 %04d%02d%02d%02d%02d%02d\r\n", c.year, c.month, c.day, c.hour, c.minute, c.second))
        case "HELP":
            out.append(
                "100 help text follows\r\n"
                    + "Read-only: CAPABILITIES MODE LIST GROUP LISTGROUP ARTICLE HEAD BODY STAT NEXT LAST\r\n"
                    + "OVER XOVER HDR XHDR NEWGROUPS NEWNEWS DATE XPATH HELP QUIT; post by email\r\n.\r\n")
        case "QUIT":
            out.append("205 closing connection - goodbye!\r\n")
            return false
        case "POST":
            out.append(group.map { "440 mailto:\($0.inbox.config.primaryAddress) to post\r\n" } ?? "440 posting not allowed\r\n")
        case "IHAVE":
            out.append("435 article not wanted - do not send it\r\n")
        case "SLAVE":
            out.append("202 slave status noted\r\n")
        case "XPATH":
            guard argc(1...1) else { break }
            try await xpath(args[0])
        default:
            out.append("500 command not recognized\r\n")
            return true
        }
        // a client that speaks NNTP (MODE READER, LIST, ARTICLE <id> before any GROUP, as tin and
        // slrn do while their reader picks a group) has the protocol's idle time from then on;
        // only a silent or garbling connection keeps the short one
        connection?.settle()
        return true
    }

    // MARK: groups

    func list(_ args: [String]) async throws {
        guard let kw = args.first?.uppercased() else {
            out.append("215 list of newsgroups follows\r\n")
            try await activeLines(catalog.groups)
            out.append(".\r\n")
            return
        }
        let pattern = args.count > 1 ? Wildmat(args[1]) : nil
        let groups = try await catalog.blocking { [catalog] in catalog.groups.filter { pattern?.matches($0.name) ?? true } }
        switch kw {
        case "ACTIVE":
            out.append("215 information follows\r\n")
            try await activeLines(groups)
        case "ACTIVE.TIMES":
            out.append("215 information follows\r\n")
            for g in groups { out.append("\(g.name) \(g.created) <\(g.inbox.config.primaryAddress)>\r\n") }
        case "NEWSGROUPS":
            out.append("215 information follows\r\n")
            for g in groups { out.append("\(g.name) \(g.description)\r\n") }
        case "OVERVIEW.FMT" where args.count == 1:
            out.append(
                "215 information follows\r\nSubject:\r\nFrom:\r\nDate:\r\nMessage-ID:\r\nReferences:\r\nBytes:\r\nLines:\r\nXref:full\r\n")
        case "HEADERS" where args.count == 1:
            out.append(
                "215 information follows\r\nSubject\r\nFrom\r\nDate\r\nMessage-ID\r\nReferences\r\n:bytes\r\n:lines\r\nXref\r\nTo\r\nCc\r\n"
            )
        default:
            out.append(Self.r501)
            return
        }
        out.append(".\r\n")
    }

    /// `NAME HIGH LOW n` lines.
    func activeLines(_ groups: [Catalog.Group]) async throws {
        let spans = try await catalog.blocking { groups.map { (try? $0.inbox.index.articleSpan()) ?? .empty } }
        for (g, s) in zip(groups, spans) { out.append("\(g.name) \(s.high) \(s.low) n\r\n") }
    }

    func select(_ name: String) async throws -> String {
        guard let g = catalog.group(named: name) else { return "411 no such news group\r\n" }
        let span = try await catalog.blocking { try g.inbox.index.articleSpan() }
        group = g
        connection?.settle()
        current = span.count > 0 ? span.low : nil
        return "211 \(span.count) \(span.low) \(span.high) \(g.name)\r\n"
    }

    func listGroup(_ args: [String]) async throws {
        if let name = args.first {
            let r = try await select(name)
            out.append(r)
            guard r.hasPrefix("211") else { return }
        } else {
            guard let g = group else { return out.append(Self.noGroup) }
            let span = try await catalog.blocking { try g.inbox.index.articleSpan() }
            out.append("211 \(span.count) \(span.low) \(span.high) \(g.name) list follows\r\n")
        }
        guard let g = group else { return }
        var lo: Int64 = 0
        var hi: Int64 = .max
        if args.count > 1 {
            switch try await range(args[1]) {
            case .success(let r): (lo, hi) = (r.lowerBound, r.upperBound)
            case .failure:
                out.append(".\r\n")
                return
            }
        }
        while lo <= hi {
            let nums = try await catalog.blocking { [lo, hi] in try g.inbox.index.articleNumbers(in: lo...hi, limit: Self.batch * 10) }
            guard let last = nums.last else { break }
            for n in nums { out.append("\(n)\r\n") }
            try await out.flushIfFull()
            lo = last + 1
        }
        out.append(".\r\n")
    }

    // MARK: articles

    struct Reply: Error { let text: String }

    /// The group and article an ARTICLE/HEAD/BODY/STAT argument names (RFC 3977 6.2).
    func locate(_ arg: String?) async throws -> Result<(Catalog.Group, OverviewRow), Reply> {
        if let arg, arg.hasPrefix("<") {
            guard arg.hasSuffix(">"), arg.count > 2 else { return .failure(Reply(text: Self.r501)) }
            let mid = String(arg.dropFirst().dropLast())
            if let found = try await find(mid: mid) { return .success(found) }
            return .failure(Reply(text: "430 No article with that message-id <\(mid)>\r\n"))
        }
        guard let g = group else { return .failure(Reply(text: Self.noGroup)) }
        let num: Int64
        if let arg {
            guard let n = Int64(arg), n >= 0 else { return .failure(Reply(text: Self.r501)) }
            num = n
        } else {
            guard let c = current else { return .failure(Reply(text: Self.noCurrent)) }
            num = c
        }
        guard let row = try await catalog.blocking({ try g.inbox.index.message(num: num) }) else {
            return .failure(Reply(text: arg == nil ? Self.noCurrent : "423 no such article (#\(num)) in this group\r\n"))
        }
        if arg != nil { current = num }
        return .success((g, row))
    }

    /// A Message-ID in the selected group first, then in the others.
    func find(mid: String) async throws -> (Catalog.Group, OverviewRow)? {
        let order = (group.map { [$0] } ?? []) + catalog.groups.filter { $0.position != group?.position }
        return try await catalog.blocking {
            for g in order {
                if let n = try g.inbox.index.articleNumber(mid: mid), let row = try g.inbox.index.message(num: n) { return (g, row) }
            }
            return nil
        }
    }

    func article(_ verb: String, _ arg: String?) async throws {
        let (g, row): (Catalog.Group, OverviewRow)
        switch try await locate(arg) {
        case .failure(let r): return out.append(r.text)
        case .success(let found): (g, row) = found
        }
        if verb == "STAT" {
            return out.append("223 \(row.num) <\(row.mid)> article retrieved - request text separately\r\n")
        }
        let catalog = catalog
        let (code, what, part): (Int, String, NNTPArticle.Part) =
            switch verb {
            case "ARTICLE": (220, "head and body follow", .article)
            case "HEAD": (221, "head follows", .head)
            default: (222, "body follows", .body)
            }
        let bytes: [UInt8]? = try await catalog.blocking {
            guard let raw = try? g.inbox.raw(row) else { return nil }
            let xref = part == .body ? "" : try catalog.xrefs(for: [row], in: g)[0]
            return NNTPArticle.render(raw: raw, mid: row.mid, xref: xref, part: part)
        }
        guard let bytes else {
            // the index names a blob git no longer has (public-inbox-purge, damaged epoch)
            return out.append("430 article <\(row.mid)> is missing from the archive\r\n")
        }
        out.append("\(code) \(row.num) <\(row.mid)> article retrieved - \(what)\r\n")
        out.append(bytes)
        out.append(".\r\n")
    }

    func step(forward: Bool) async throws {
        guard let g = group else { return out.append(Self.noGroup) }
        guard let c = current else { return out.append(Self.noCurrent) }
        guard let row = try await catalog.blocking({ try g.inbox.index.neighbourArticle(of: c, forward: forward) }) else {
            return out.append("421 no \(forward ? "next" : "previous") article in this group\r\n")
        }
        current = row.num
        out.append("223 \(row.num) <\(row.mid)> article retrieved - request text separately\r\n")
    }

    /// A range argument (`N`, `N-`, `N-M`) within the selected group, as public-inbox clamps it.
    func range(_ arg: String?) async throws -> Result<ClosedRange<Int64>, Reply> {
        guard let g = group else { return .failure(Reply(text: Self.noGroup)) }
        guard let arg = arg ?? current.map(String.init) else { return .failure(Reply(text: "420 No article(s) selected\r\n")) }
        let span = try await catalog.blocking { try g.inbox.index.articleSpan() }
        var lo: Int64
        var hi: Int64
        if let n = Int64(arg) {
            (lo, hi) = (n, n)
        } else if let dash = arg.firstIndex(of: "-"), let a = Int64(arg[..<dash]) {
            let rest = arg[arg.index(after: dash)...]
            if rest.isEmpty {
                (lo, hi) = (a, span.high)
            } else if let b = Int64(rest) {
                (lo, hi) = (a, b)
            } else {
                return .failure(Reply(text: Self.r501))
            }
        } else {
            return .failure(Reply(text: Self.r501))
        }
        lo = max(lo, span.low)
        hi = min(hi, span.high)
        return lo > hi ? .failure(Reply(text: "420 No article(s) selected\r\n")) : .success(lo...hi)
    }

    /// What OVER and HDR are asked about: one article by Message-ID (in any group), or a range
    /// of the selected group (the current article without an argument).
    enum Selection {
        case article(Catalog.Group, OverviewRow)
        case range(Catalog.Group, ClosedRange<Int64>)
    }

    func select(_ arg: String?) async throws -> Result<Selection, Reply> {
        if let arg, arg.hasPrefix("<") { return try await locate(arg).map { .article($0.0, $0.1) } }
        return try await range(arg).flatMap { r in group.map { .success(.range($0, r)) } ?? .failure(Reply(text: Self.noGroup)) }
    }

    func over(_ arg: String?) async throws {
        let catalog = catalog
        switch try await select(arg) {
        case .failure(let r): out.append(r.text)
        case .success(.article(let g, let row)):
            let line = try await catalog.blocking { try catalog.overviewLines([row], in: g)[0] }
            out.append("224 Overview information follows (multi-line)\r\n")
            // RFC 3977 8.3.2: the number is 0 unless the article is in the selected group
            let shown = g.position == group?.position ? line : "0" + line.drop(while: { $0 != "\t" })
            out.append(shown + "\r\n.\r\n")
        case .success(.range(let g, let r)):
            out.append("224 Overview information follows for \(r.lowerBound) to \(r.upperBound)\r\n")
            try await sendLines(of: r, in: g) { rows in try catalog.overviewLines(rows, in: g) }
        }
    }

    /// The articles of `range` in batches, one line each as `lines` makes them, then the closing dot.
    func sendLines(
        of range: ClosedRange<Int64>, in g: Catalog.Group,
        _ lines: @escaping @Sendable ([OverviewRow]) throws -> [String]
    ) async throws {
        var lo = range.lowerBound
        while lo <= range.upperBound {
            let (batch, last): ([String], Int64?) = try await catalog.blocking { [lo] in
                let rows = try g.inbox.index.articles(in: lo...range.upperBound, limit: Self.batch)
                return (try lines(rows), rows.last?.num)
            }
            guard let last else { break }
            for l in batch { out.append(l + "\r\n") }
            try await out.flushIfFull()
            lo = last + 1
        }
        out.append(".\r\n")
    }

    static let rowFields: Set<String> = [
        "subject", "from", "date", "references", "bytes", "lines", ":bytes", ":lines", "message-id", "xref",
    ]
    static let blobFields: Set<String> = ["to", "cc"]

    func hdr(_ field: String, _ arg: String?, x: Bool) async throws {
        let name = field.lowercased()
        guard Self.rowFields.contains(name) || Self.blobFields.contains(name) else {
            return out.append(x ? "221 Header follows\r\n.\r\n" : "503 HDR not permitted on \(field)\r\n")
        }
        let head = x ? "221 Header follows\r\n" : "225 Headers follow (multi-line)\r\n"
        let catalog = catalog
        switch try await select(arg) {
        case .failure(let r): out.append(r.text)
        case .success(.article(let g, let row)):
            let v = try await catalog.blocking { try catalog.headerValues(name, [row], in: g)[0] }
            let first = x ? arg ?? "" : (g.position == group?.position ? String(row.num) : "0")
            out.append(head + "\(first) \(v)\r\n.\r\n")
        case .success(.range(let g, let r)):
            out.append(head)
            try await sendLines(of: r, in: g) { rows in
                zip(rows, try catalog.headerValues(name, rows, in: g)).map { "\($0.num) \($1)" }
            }
        }
    }

    func newNews(_ args: [String]) async throws {
        guard let since = Self.parseTime(args[1], args[2], args.count > 3 ? args[3] : nil) else { return out.append(Self.r501) }
        let pattern = Wildmat(args[0])
        out.append("230 list of new articles by message-id follows\r\n")
        for g in catalog.groups where pattern.matches(g.name) {
            var after: Int64 = 0
            while true {
                let rows = try await catalog.blocking { [after] in
                    try g.inbox.index.articles(receivedSince: since, after: after, limit: Self.batch)
                }
                guard let last = rows.last else { break }
                for r in rows { out.append("<\(r.mid)>\r\n") }
                try await out.flushIfFull()
                after = last.num
            }
        }
        out.append(".\r\n")
    }

    func xpath(_ arg: String) async throws {
        guard arg.hasPrefix("<"), arg.hasSuffix(">"), arg.count > 2 else { return out.append(Self.r501) }
        let mid = String(arg.dropFirst().dropLast())
        let groups = catalog.groups
        let paths = try await catalog.blocking {
            try groups.compactMap { g in try g.inbox.index.articleNumber(mid: mid).map { "\(g.name)/\($0)" } }
        }
        out.append(paths.isEmpty ? "430 no such article on server\r\n" : "223 \(paths.sorted().joined(separator: " "))\r\n")
    }

    /// `YYYYMMDD` or `YYMMDD`, `HHMMSS`, optional `GMT` (times are taken as UTC either way).
    static func parseTime(_ date: String, _ time: String, _ zone: String?) -> Int64? {
        if let z = zone, !["GMT", "UTC"].contains(z.uppercased()) && !z.hasPrefix("<") { return nil }
        // ASCII digits only: `½½½½0101` passed `isNumber` and trapped on Int(…)! (found writing the fuzz target nntp)
        func digits(_ s: String) -> Bool { s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        guard time.count == 6, digits(time), digits(date), let t = Int(time) else { return nil }
        var y: Int
        let md: Int
        switch date.count {
        case 8: (y, md) = (Int(date.prefix(4))!, Int(date.suffix(4))!)
        case 6:
            (y, md) = (Int(date.prefix(2))!, Int(date.suffix(4))!)
            let year = UTCCalendar.components(Int64(Date().timeIntervalSince1970)).year
            y += year / 100 * 100
            if y > year { y -= 100 }
        default: return nil
        }
        return DateRange.civil(y, md / 100, md % 100, t / 10000, t / 100 % 100, t % 100)
    }
}
