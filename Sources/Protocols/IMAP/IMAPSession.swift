import Foundation
import Index
import Mail
import NIOConcurrencyHelpers
import NIOCore

/// One IMAP client (IMAP4rev1, read-only), answering as public-inbox-imapd does: any login is
/// accepted, mailboxes are newsgroup slices of 50,000 article numbers, UIDs are article numbers.
final class IMAPSession: @unchecked Sendable {
    let catalog: Catalog
    let out: Output
    /// Once logged in, RFC 3501's idle timeout applies to the connection, not the short one.
    var authenticated = false {
        didSet { if authenticated { connection?.settle() } }
    }
    var connection: LineConnection?
    /// The selected mailbox; guarded by `lock` (IDLE updates it from the inbox watcher).
    private var selected: Mailbox?
    private var idleTag: String?
    private var watchToken: Int?
    private let lock = NIOLock()

    /// RFC 2683 3.2.1.5 (public-inbox's LINE_MAX): a longer line closes the connection.
    static let maxLine = 8000
    /// The biggest literal a command may carry (logins, search words).
    static let maxLiteral = 8000
    /// Longest LIST reference and pattern together (mailbox names here are a few dozen bytes).
    static let maxPattern = 1024
    /// Messages read and rendered per step of a FETCH.
    static let batch = 200

    init(catalog: Catalog, out: Output) {
        self.catalog = catalog
        self.out = out
    }

    var capabilities: String {
        "IMAP4rev1 IDLE LITERAL+ UNSELECT ID" + (authenticated ? "" : " AUTH=ANONYMOUS")
    }

    func run(_ lines: SessionInput) async throws {
        connection = lines.connection
        defer { stopIdle() }
        out.append("* OK [CAPABILITY \(capabilities)] tidings IMAP ready\r\n")
        try await out.flush()
        var command: [UInt8] = []
        var literalLeft = 0
        var authTag: String?
        for try await item in lines {
            guard case .line(let buffer) = item else {
                out.append("* BAD request too long (over \(Self.maxLine) bytes)\r\n")
                try await out.flush()
                return
            }
            var bytes = Array(buffer.readableBytesView)
            if literalLeft > 0 {
                let take = min(literalLeft, bytes.count)
                command += bytes[..<take]
                literalLeft -= take
                bytes = Array(bytes[take...])
                if literalLeft > 0 { continue }
            }
            command += bytes
            if command.count > Self.maxLine + Self.maxLiteral {
                out.append("* BAD request too long\r\n")
                try await out.flush()
                return
            }
            // a line ending in {N} or {N+} announces N more bytes
            if let n = Self.literalAnnounced(command) {
                guard n.count <= Self.maxLiteral else {
                    out.append("* BAD literal too big (over \(Self.maxLiteral) bytes)\r\n")
                    try await out.flush()
                    return
                }
                if !n.nonSynchronizing, let refused = Self.refusedBeforeLiteral(command) {
                    // RFC 3501 7.5: a NO instead of "+" and the client sends no literal
                    out.append(refused)
                    try await out.flush()
                    command = []
                    continue
                }
                literalLeft = n.count
                if !n.nonSynchronizing {
                    out.append("+ go ahead\r\n")
                    try await out.flush()
                }
                if literalLeft > 0 { continue }
            }
            while let l = command.last, l == 0x0A || l == 0x0D { command.removeLast() }
            let line = command
            command = []
            if let tag = authTag {
                // AUTHENTICATE ANONYMOUS: any trace data (RFC 4505) is fine
                authTag = nil
                authenticated = true
                out.append("\(tag) OK [CAPABILITY \(capabilities)] Logged in\r\n")
                try await out.flush()
                continue
            }
            let goOn = try await handle(line, authTag: &authTag)
            try await out.flush()
            if !goOn { return }
        }
    }

    /// The refusal of a write command (APPEND) that announces a synchronizing literal.
    static func refusedBeforeLiteral(_ command: [UInt8]) -> String? {
        let words = command.split(separator: 0x20, maxSplits: 2).map { String(decoding: $0, as: UTF8.self) }
        guard words.count >= 2 else { return nil }
        var verb = words[1].uppercased()
        if verb == "UID", words.count > 2 { verb += " " + (words[2].split(separator: " ").first.map(String.init) ?? "").uppercased() }
        guard writeCommands.contains(verb) else { return nil }
        return "\(words[0]) NO [CANNOT] \(verb) refused: this archive is read-only\r\n"
    }

    static let writeCommands: Set<String> = [
        "STORE", "UID STORE", "COPY", "UID COPY", "MOVE", "UID MOVE", "EXPUNGE", "UID EXPUNGE", "APPEND", "CREATE", "DELETE", "RENAME",
        "SUBSCRIBE", "UNSUBSCRIBE",
    ]

    static func literalAnnounced(_ bytes: [UInt8]) -> (count: Int, nonSynchronizing: Bool)? {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        guard end > 2, bytes[end - 1] == UInt8(ascii: "}"), let open = bytes[..<end].lastIndex(of: UInt8(ascii: "{")) else { return nil }
        var digits = bytes[(open + 1)..<(end - 1)]
        let plus = digits.last == UInt8(ascii: "+")
        if plus { digits = digits.dropLast() }
        // digits only: `{-2}` announced a negative literal
        guard !digits.isEmpty, digits.count < 10, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let n = Int(String(decoding: digits, as: UTF8.self))
        else { return nil }
        return (n, plus)
    }

    /// Runs one command; false when the connection should close.
    func handle(_ line: [UInt8], authTag: inout String?) async throws -> Bool {
        if line.contains(where: { ($0 < 0x20 && $0 != 0x09 && $0 != 0x0D && $0 != 0x0A) || $0 == 0x7F }) {
            out.append("* BAD invalid characters in command\r\n")
            return true
        }
        let tokens: [IMAPToken]
        do { tokens = try IMAPToken.parse(line) } catch {
            out.append("* BAD \((error as? IMAPToken.ParseError)?.message ?? "syntax error")\r\n")
            return true
        }
        if let tag = lock.withLock({ idleTag }) {
            if tokens.count == 1, tokens[0].text?.uppercased() == "DONE" {
                stopIdle()
                out.append("\(tag) OK Idle done\r\n")
            } else {
                out.append("\(tag) BAD expected DONE\r\n")
            }
            return true
        }
        guard case .atom(let tag)? = tokens.first, !tag.isEmpty, tag != "*", tag != "+" else {
            if !tokens.isEmpty { out.append("* BAD Error in IMAP command: no tag\r\n") }
            return true
        }
        guard tokens.count >= 2, case .atom(var verb) = tokens[1] else {
            out.append("\(tag) BAD Error in IMAP command: no command\r\n")
            return true
        }
        verb = verb.uppercased()
        var args = Array(tokens.dropFirst(2))
        if verb == "UID", case .atom(let sub)? = args.first {
            verb = "UID " + sub.uppercased()
            args.removeFirst()
        }
        let preAuth: Set<String> = ["CAPABILITY", "NOOP", "LOGOUT", "LOGIN", "AUTHENTICATE", "ID", "STARTTLS"]
        if !authenticated && !preAuth.contains(verb) {
            out.append("\(tag) BAD \(verb) needs LOGIN or AUTHENTICATE first\r\n")
            return true
        }
        switch verb {
        case "CAPABILITY":
            out.append("* CAPABILITY \(capabilities)\r\n\(tag) OK Capability done\r\n")
        case "NOOP", "CHECK":
            try await refresh()
            out.append("\(tag) OK \(verb == "NOOP" ? "Noop" : "Check") done\r\n")
        case "LOGOUT":
            out.append("* BYE logging out\r\n\(tag) OK Logout done\r\n")
            return false
        case "LOGIN":
            guard args.count == 2, args.allSatisfy({ $0.text != nil }) else {
                out.append("\(tag) BAD LOGIN needs a user name and a password\r\n")
                break
            }
            authenticated = true
            out.append("\(tag) OK [CAPABILITY \(capabilities)] Logged in\r\n")
        case "AUTHENTICATE":
            guard args.first?.text?.uppercased() == "ANONYMOUS" else {
                out.append("\(tag) NO only AUTHENTICATE ANONYMOUS is offered\r\n")
                break
            }
            if args.count > 1 {
                // SASL-IR (RFC 4959): the trace came with the command
                authenticated = true
                out.append("\(tag) OK [CAPABILITY \(capabilities)] Logged in\r\n")
            } else {
                authTag = tag
                out.append("+ \r\n")
            }
        case "STARTTLS":
            out.append("\(tag) BAD can not initiate TLS negotiation\r\n")
        case "ID":
            out.append("* ID (\"name\" \"tidings\")\r\n\(tag) OK ID done\r\n")
        case "LIST":
            guard args.count == 2, let ref = args[0].text, let pattern = args[1].text else {
                out.append("\(tag) BAD LIST needs a reference and a mailbox pattern\r\n")
                break
            }
            guard ref.utf8.count + pattern.utf8.count <= Self.maxPattern else {
                out.append("\(tag) BAD LIST pattern too long (over \(Self.maxPattern) bytes)\r\n")
                break
            }
            try await list(ref, pattern)
            out.append("\(tag) OK List done\r\n")
        case "LSUB":
            out.append("\(tag) OK Lsub done\r\n")
        case "STATUS":
            try await status(tag, args)
        case "SELECT", "EXAMINE":
            guard args.count >= 1, let name = args[0].text else {
                out.append("\(tag) BAD \(verb) needs a mailbox name\r\n")
                break
            }
            try await select(tag, name)
        case "CLOSE", "UNSELECT":
            let had = lock.withLock { () -> Bool in
                defer { selected = nil }
                return selected != nil
            }
            out.append(had ? "\(tag) OK \(verb == "CLOSE" ? "Close" : "Unselect") done\r\n" : "\(tag) BAD No mailbox\r\n")
        case "FETCH", "UID FETCH":
            try await fetch(tag, args, byUID: verb == "UID FETCH")
        case "SEARCH", "UID SEARCH":
            try await search(tag, args, byUID: verb == "UID SEARCH")
        case "IDLE":
            try await idle(tag)
        case _ where Self.writeCommands.contains(verb):
            out.append("\(tag) NO [CANNOT] \(verb) refused: this archive is read-only\r\n")
        default:
            out.append("\(tag) BAD Error in IMAP command \(verb): Unknown command\r\n")
        }
        return true
    }

    // MARK: mailboxes

    func list(_ ref: String, _ pattern: String) async throws {
        if pattern.isEmpty {
            out.append("* LIST (\\Noselect) \".\" \"\"\r\n")
            return
        }
        let wanted = Wildcard(ref + pattern)
        let names = try await catalog.blocking { [catalog] in try catalog.mailboxList().filter { wanted.matches($0.name) } }
        for m in names {
            out.append("* LIST (\(m.slice == nil ? "\\HasChildren" : "\\HasNoChildren")) \".\" \(m.name)\r\n")
        }
    }

    func status(_ tag: String, _ args: [IMAPToken]) async throws {
        guard args.count == 2, let name = args[0].text, case .list(let items) = args[1], !items.isEmpty else {
            return out.append("\(tag) BAD STATUS needs a mailbox and a list of items\r\n")
        }
        guard let box = try await catalog.blocking({ [catalog] in try catalog.mailbox(named: name) }) else {
            return out.append("\(tag) NO Mailbox doesn't exist: \(name)\r\n")
        }
        var parts: [String] = []
        for i in items {
            guard let item = i.text?.uppercased() else { return out.append("\(tag) BAD invalid item\r\n") }
            switch item {
            case "MESSAGES", "UNSEEN", "RECENT": parts.append("\(item) \(box.uids.count)")
            case "UIDNEXT": parts.append("UIDNEXT \(box.uidNext)")
            case "UIDVALIDITY": parts.append("UIDVALIDITY \(box.uidValidity)")
            default: return out.append("\(tag) BAD invalid item \(item)\r\n")
            }
        }
        out.append("* STATUS \(name) (\(parts.joined(separator: " ")))\r\n\(tag) OK Status done\r\n")
    }

    func select(_ tag: String, _ name: String) async throws {
        let previous = lock.withLock { () -> Bool in
            defer { selected = nil }
            return selected != nil
        }
        if previous { out.append("* OK [CLOSED] previous closed\r\n") }
        guard let box = try await catalog.blocking({ [catalog] in try catalog.mailbox(named: name) }) else {
            return out.append("\(tag) NO Mailbox doesn't exist: \(name)\r\n")
        }
        lock.withLock { selected = box }
        let n = box.uids.count
        out.append(
            "* \(n) EXISTS\r\n* \(n) RECENT\r\n* FLAGS (\\Seen)\r\n* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n"
                + (n > 0 ? "* OK [UNSEEN 1]\r\n" : "") + "* OK [UIDNEXT \(box.uidNext)]\r\n* OK [UIDVALIDITY \(box.uidValidity)]\r\n"
                + "\(tag) OK [READ-ONLY] EXAMINE/SELECT done\r\n")
    }

    /// Learns of articles that arrived in the selected slice; says `* N EXISTS` when it grew.
    func refresh() async throws {
        guard let box = lock.withLock({ selected }), box.group != nil else { return }
        let fresh = try await catalog.blocking { [catalog] in try catalog.mailbox(named: box.name) }
        guard let fresh else { return }
        let grew: Bool = lock.withLock {
            guard selected?.name == box.name, fresh.uids.count > (selected?.uids.count ?? 0) else { return false }
            selected = fresh
            return true
        }
        if grew { out.append("* \(fresh.uids.count) EXISTS\r\n") }
    }

    // MARK: FETCH

    func fetch(_ tag: String, _ args: [IMAPToken], byUID: Bool) async throws {
        guard let box = lock.withLock({ selected }) else { return out.append("\(tag) BAD No mailbox selected\r\n") }
        guard args.count >= 2, case .atom(let setText) = args[0], let set = SequenceSet(setText) else {
            return out.append("\(tag) BAD fetch range\r\n")
        }
        guard let items = FetchItem.parse(Array(args.dropFirst())) else { return out.append("\(tag) BAD invalid fetch items\r\n") }
        let uids = box.uids(in: set, byUID: byUID)
        let needsMessage = items.contains { $0.needsMessage }
        guard let group = box.group else { return out.append("\(tag) OK Fetch done\r\n") }
        var i = 0
        while i < uids.count {
            let chunk = Array(uids[i..<min(uids.count, i + Self.batch)])
            let rendered: [UInt8] = try await catalog.blocking {
                var bytes: [UInt8] = []
                let rows = try group.inbox.index.articles(in: chunk[0]...chunk[chunk.count - 1], limit: chunk.count * 2)
                var wanted = Set(chunk)
                for row in rows where wanted.remove(row.num) != nil {
                    var message: [UInt8]?
                    if needsMessage {
                        // a blob git lost is skipped, as public-inbox-imapd does
                        guard let raw = try? group.inbox.raw(row) else { continue }
                        message = MIMEStructure.transferForm(raw)
                    }
                    bytes += FetchItem.render(items, msn: box.msn(of: row.num) ?? 0, row: row, message: message)
                }
                return bytes
            }
            out.append(rendered)
            try await out.flushIfFull()
            i += Self.batch
        }
        out.append("\(tag) OK Fetch done\r\n")
    }

    // MARK: SEARCH

    func search(_ tag: String, _ args: [IMAPToken], byUID: Bool) async throws {
        guard let box = lock.withLock({ selected }) else { return out.append("\(tag) BAD No mailbox selected\r\n") }
        let criteria: SearchCriteria
        do { criteria = try SearchCriteria.parse(args) } catch let f as SearchCriteria.Failure {
            return out.append("\(tag) \(f.message)\r\n")
        }
        guard let group = box.group else { return out.append("* SEARCH\r\n\(tag) OK Search done\r\n") }
        let uids = box.uids
        let hits: [Int64]
        do {
            hits = try await catalog.searching { try criteria.evaluate(uids, index: group.inbox.index).sorted() }
        } catch let e as SearchQuery.ParseError {
            return out.append("\(tag) BAD \(e.message)\r\n")
        } catch is SearchOverloaded {
            // RFC 5530 response codes, as the web site answers 503
            return out.append("\(tag) NO [UNAVAILABLE] too many searches are running; try again in a few seconds\r\n")
        } catch is SearchTimedOut {
            return out.append("\(tag) NO [LIMIT] the search took too long and was stopped\r\n")
        }
        let numbers = byUID ? hits.map(String.init) : hits.compactMap { box.msn(of: $0).map(String.init) }
        out.append("* SEARCH" + numbers.map { " " + $0 }.joined() + "\r\n\(tag) OK Search done\r\n")
    }

    // MARK: IDLE

    func idle(_ tag: String) async throws {
        guard let box = lock.withLock({ selected }), let group = box.group else {
            return out.append("\(tag) BAD no mailbox selected\r\n")
        }
        lock.withLock { idleTag = tag }
        out.append("+ idling\r\n")
        // only the newest slice can grow
        let token = catalog.watcher.add(inbox: group.position) { [weak self] event in
            guard let self else { return }
            Task(executorPreference: SessionExecutor.shared) { try? await self.idleEvent(event) }
        }
        lock.withLock { watchToken = token }
        try await refresh()
    }

    func idleEvent(_ event: InboxWatcher.Event) async throws {
        guard lock.withLock({ idleTag }) != nil else { return }
        switch event {
        case .newArticles: try await refresh()
        case .keepAlive: out.append("* OK Still here\r\n")
        }
        try await out.flush()
    }

    func stopIdle() {
        let token: Int? = lock.withLock {
            idleTag = nil
            defer { watchToken = nil }
            return watchToken
        }
        if let token { catalog.watcher.remove(token) }
    }
}

/// LIST patterns (RFC 3501 6.3.8): `*` matches anything, `%` anything but the `.` delimiter;
/// names compare without regard to case. A `Glob` (linear time).
struct Wildcard: Sendable {
    let glob: Glob
    init(_ s: String) {
        glob = Glob(s.lowercased().map { c in c == "*" ? .star(stop: nil) : c == "%" ? .star(stop: ".") : .literal(c) })
    }

    func matches(_ name: String) -> Bool { glob.matches(name.lowercased()) }
}
