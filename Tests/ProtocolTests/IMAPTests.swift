import Foundation
import Index
import Mail
import Protocols
import Store
import TestSupport
import Testing

/// The stored message as an IMAP client must receive it: LF line ends turned into CRLF.
func crlf(_ raw: [UInt8]) -> [UInt8] {
    let lines = raw.split(separator: 0x0A, omittingEmptySubsequences: false).map { $0.last == 0x0D ? $0.dropLast() : $0 }
    return Array(lines.joined(separator: [0x0D, 0x0A]))
}

@Suite(.serialized) struct IMAPTests {
    /// Python's imaplib reads the whole mailbox: every BODY[] equals the stored message (CRLF),
    /// HEADER + TEXT make it up again, RFC822.SIZE is its size, ENVELOPE names its Message-ID.
    @Test func imaplibWalksTheWholeMailboxByteForByte() async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) {
            let fx = try await ProtocolFixture.shared()
            let script = """
                import imaplib, json, base64, sys, re
                m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
                m.login("anonymous", "anonymous")
                typ, data = m.select("test.0", readonly=True)
                out = {"exists": int(data[0]), "messages": {}}
                typ, uids = m.uid("search", None, "ALL")
                for uid in uids[0].split():
                    typ, d = m.uid("fetch", uid, "(RFC822.SIZE BODY.PEEK[])")
                    size = int(re.search(rb"RFC822.SIZE (\\d+)", d[0][0]).group(1))
                    typ, h = m.uid("fetch", uid, "(BODY.PEEK[HEADER])")
                    typ, t = m.uid("fetch", uid, "(BODY.PEEK[TEXT])")
                    typ, e = m.uid("fetch", uid, "(ENVELOPE)")
                    out["messages"][uid.decode()] = {
                        "size": size, "body": base64.b64encode(d[0][1]).decode(),
                        "header": base64.b64encode(h[0][1]).decode(), "text": base64.b64encode(t[0][1]).decode(),
                        "envelope": base64.b64encode(b"".join(p if isinstance(p, bytes) else b"".join(p) for p in e)).decode()}
                m.logout()
                json.dump(out, open(sys.argv[2], "w"))
                """
            let json = try await runPython(script, port: fx.imapPort)
            let rows = try fx.rows()
            #expect(json["exists"] as? Int == rows.count)
            let messages = json["messages"] as! [String: [String: Any]]
            #expect(messages.count == rows.count && rows.count > 80)
            for row in rows {
                let m = try #require(messages[String(row.num)], "UID \(row.num)")
                let b64 = { (k: String) in [UInt8](Data(base64Encoded: m[k] as! String)!) }
                let expected = crlf(try fx.test.raw(row))
                #expect(b64("body") == expected, "BODY[] of UID \(row.num) <\(row.mid)>")
                #expect(m["size"] as? Int == expected.count)
                #expect(b64("header") + b64("text") == expected, "HEADER + TEXT of UID \(row.num)")
                let envelope = String(decoding: b64("envelope"), as: UTF8.self)
                // the last field is the message's own Message-ID header, NIL when it has none
                if let id = Message.parse(try fx.test.raw(row)).headers.first("message-id") {
                    #expect(envelope.contains(id), "ENVELOPE of \(row.num): \(envelope.suffix(300))")
                } else {
                    #expect(envelope.hasSuffix(" NIL))"), "ENVELOPE of \(row.num): \(envelope.suffix(300))")
                }
            }
        }
    }

    /// A conversation on a raw connection: login, listing, STATUS, SELECT, FETCH pieces,
    /// UID SEARCH keys checked against the index, refused writes, errors.
    @Test func commandsBehaveAsPublicInboxImapd() async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) {
            let fx = try await ProtocolFixture.shared()
            let c = try LineClient(port: fx.imapPort)
            #expect(await c.line()?.hasPrefix("* OK [CAPABILITY IMAP4rev1 IDLE") == true)
            #expect(await c.ask("a1 SELECT test.0") == "a1 BAD SELECT needs LOGIN or AUTHENTICATE first")
            #expect(await c.ask("a2 AUTHENTICATE ANONYMOUS") == "+ ")
            #expect(await c.ask("dGlkaW5ncw==").hasPrefix("a2 OK"))
            let rows = try fx.rows()
            let uidValidity = try #require(try fx.test.index.firstArrival())
            // LIST: containers and slices, with wildcards
            func list(_ ref: String, _ pattern: String) async -> [String] {
                c.send("l LIST \"\(ref)\" \"\(pattern)\"\r\n")
                var out: [String] = []
                while let l = await c.line(), !l.hasPrefix("l ") { out.append(l) }
                return out
            }
            #expect(
                await list("", "*") == [
                    "* LIST (\\HasChildren) \".\" example", "* LIST (\\HasChildren) \".\" example.other",
                    "* LIST (\\HasNoChildren) \".\" example.other.0", "* LIST (\\HasChildren) \".\" test",
                    "* LIST (\\HasNoChildren) \".\" test.0",
                ])
            #expect(await list("", "%") == ["* LIST (\\HasChildren) \".\" example", "* LIST (\\HasChildren) \".\" test"])
            #expect(await list("example.", "%.0") == ["* LIST (\\HasNoChildren) \".\" example.other.0"])
            #expect(await list("", "") == ["* LIST (\\Noselect) \".\" \"\""])
            #expect(
                await c.ask("s STATUS test.0 (MESSAGES UIDNEXT UIDVALIDITY)")
                    == "* STATUS test.0 (MESSAGES \(rows.count) UIDNEXT \(rows.last!.num + 1) UIDVALIDITY \(uidValidity))")
            #expect(await c.line() == "s OK Status done")
            #expect(await c.ask("s2 STATUS test.1 (MESSAGES)") == "s2 NO Mailbox doesn't exist: test.1")
            #expect(await c.ask("x EXAMINE nosuch.0") == "x NO Mailbox doesn't exist: nosuch.0")
            c.send("x SELECT TEST.0\r\n")
            var select: [String] = []
            while let l = await c.line() {
                select.append(l)
                if l.hasPrefix("x ") { break }
            }
            #expect(select.contains("* \(rows.count) EXISTS"))
            #expect(select.contains("* OK [UIDVALIDITY \(uidValidity)]"))
            #expect(select.last == "x OK [READ-ONLY] EXAMINE/SELECT done")
            // a partial section and a MIME header of a multipart message
            let sample = rows[4]
            let raw = crlf(try fx.test.raw(sample))
            #expect(await c.ask("f UID FETCH \(sample.num) (BODY.PEEK[]<10.20>)") == "* 5 FETCH (UID \(sample.num) BODY[]<10> {20}")
            #expect(await c.bytes(20) == Array(raw[10..<30]))
            #expect(await c.line() == ")")
            #expect(await c.line() == "f OK Fetch done")
            let multipart = try #require(
                rows.first { r in
                    let m = Message.parse(try! fx.test.raw(r))
                    return m.headers.first("content-type")?.lowercased().hasPrefix("multipart/mixed") == true
                })
            let mime = "f2 UID FETCH \(multipart.num) (BODY[1.MIME] BODYSTRUCTURE)"
            let head = await c.ask(mime)
            #expect(head.hasPrefix("* ") && head.contains("BODY[1.MIME] {"), "\(head)")
            let n = Int(head.split(separator: "{").last!.dropLast())!
            let part = String(decoding: await c.bytes(n), as: UTF8.self)
            #expect(part.lowercased().contains("content-type:") && part.hasSuffix("\r\n\r\n"), "\(part)")
            let rest = await c.line() ?? ""
            #expect(rest.contains("BODYSTRUCTURE ((\"TEXT\" \"PLAIN\"") && rest.contains("\"MIXED\""), "\(rest)")
            #expect(await c.line() == "f2 OK Fetch done")
            // FETCH by sequence number: message 1 is the lowest UID
            #expect(await c.ask("f3 FETCH 1 (UID FLAGS)") == "* 1 FETCH (UID \(rows[0].num) FLAGS ())")
            #expect(await c.line() == "f3 OK Fetch done")
            #expect(await c.ask("f4 UID FETCH 1 (BODY[NOPE])") == "f4 BAD invalid fetch items")
            // SEARCH keys against what the index says
            func search(_ keys: String) async -> [Int64] {
                let l = await c.ask("q UID SEARCH " + keys)
                _ = await c.line()
                return l.split(separator: " ").dropFirst(2).compactMap { Int64($0) }
            }
            #expect(await search("ALL") == rows.map(\.num))
            #expect(await search("UID 3:5") == [3, 4, 5])
            let jan2020 = DateRange.civil(2020, 1, 1, 0, 0, 0)!
            #expect(await search("SINCE 1-Jan-2020") == rows.filter { $0.ts >= jan2020 }.map(\.num))
            #expect(await search("BEFORE 1-Jan-2020") == rows.filter { $0.ts < jan2020 }.map(\.num))
            let day = rows[0].ts - rows[0].ts % 86400
            let c0 = UTCCalendar.components(day)
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            #expect(
                await search("ON \(c0.day)-\(months[c0.month - 1])-\(c0.year)")
                    == rows.filter { $0.ts >= day && $0.ts < day + 86400 }.map(\.num))
            let bonzini = rows.filter { $0.fromAddr == "pbonzini@redhat.com" }.map(\.num)
            #expect(!bonzini.isEmpty)
            #expect(await search("FROM pbonzini") == bonzini)
            #expect(await search("NOT FROM pbonzini") == rows.map(\.num).filter { !bonzini.contains($0) })
            let virtio = await search("SUBJECT virtio")
            #expect(!virtio.isEmpty && virtio.allSatisfy { n in rows.first { $0.num == n }!.subject.lowercased().contains("virtio") })
            #expect(await search("OR FROM pbonzini SUBJECT virtio") == Array(Set(bonzini + virtio)).sorted())
            #expect(await search("HEADER Message-ID <\(rows[7].mid)>") == [rows[7].num])
            #expect(!(await search("BODY syzbot")).isEmpty)
            #expect(!(await search("TEXT virtqueue")).isEmpty)
            #expect(await search("SEEN").isEmpty)
            #expect(await c.ask("q2 SEARCH UID 2:3") == "* SEARCH 2 3")
            _ = await c.line()
            #expect(await c.ask("q3 UID SEARCH FLUBBER") == "q3 BAD unknown search key FLUBBER")
            // writes are refused, the session goes on
            #expect(await c.ask("w STORE 1 +FLAGS (\\Seen)").hasPrefix("w NO [CANNOT] STORE refused"))
            // no "+" for the literal of a refused APPEND: the client sends no message
            #expect(await c.ask("w2 APPEND test.0 {5}").hasPrefix("w2 NO [CANNOT] APPEND refused"))
            #expect(await c.ask("w3 EXPUNGE").hasPrefix("w3 NO"))
            #expect(await c.ask("i ID NIL") == "* ID (\"name\" \"tidings\")")
            _ = await c.line()
            c.send([0x67, 0x20, 0x00, 0x01, 0x0D, 0x0A])
            #expect(await c.line() == "* BAD invalid characters in command")
            #expect(await c.ask("u UNSELECT") == "u OK Unselect done")
            #expect(await c.ask("u2 CLOSE") == "u2 BAD No mailbox")
            #expect(await c.ask("z LOGOUT") == "* BYE logging out")
            #expect(await c.line() == "z OK Logout done")
            #expect(await c.line() == nil)
            // a 1 MB line: an error, the connection closed
            let d = try LineClient(port: fx.imapPort)
            _ = await d.line()
            d.send(Array(repeating: UInt8(ascii: "A"), count: 1 << 20) + [0x0D, 0x0A])
            #expect(await d.line() == "* BAD request too long (over 8000 bytes)")
            #expect(await d.line() == nil)
        }
    }

    /// IDLE: a message delivered while the client waits shows up as EXISTS; the new UID
    /// fetches.
    @Test func idleSeesNewMail() async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) {
            let box = try TemporaryInbox(name: "live", address: "live@example.org")
            try box.importBytes([Fixtures.corpus("028-patch-single.eml")])
            let catalog = Catalog(inboxes: [try Inbox(config: box.inbox.config, readOnly: true)], serverName: "live.test")
            let (ports, cont) = AsyncStream<Int>.makeStream()
            let server = Task {
                try await ProtocolServer(.imap, catalog: catalog, host: "127.0.0.1", port: 0).run(bound: { cont.yield($0) })
            }
            defer { server.cancel() }
            var port = 0
            for await p in ports {
                port = p
                break
            }
            let c = try LineClient(port: port)
            _ = await c.line()
            #expect(await c.ask("a LOGIN anonymous x").hasPrefix("a OK"))
            c.send("b SELECT live.0\r\n")
            while let l = await c.line(), !l.hasPrefix("b ") {}
            #expect(await c.ask("c IDLE") == "+ idling")
            try box.importBytes([Fixtures.corpus("029-cover-letter-0-4.eml")])
            #expect(await c.line() == "* 2 EXISTS")
            #expect(await c.ask("DONE") == "c OK Idle done")
            #expect(await c.ask("d UID FETCH 2 (UID)") == "* 2 FETCH (UID 2)")
        }
    }

    /// lei imports the mailbox over IMAP (anonymous login); its thread of a series is the same
    /// set of messages lei gets from the HTTP server.
    @Test func leiReadsTheSameThreadOverIMAPAsOverHTTP() async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) {
            let fx = try await ProtocolFixture.shared()
            let (viaHTTP, viaIMAP) = try await leiThreads(fx, source: "imap://;AUTH=ANONYMOUS@127.0.0.1:\(fx.imapPort)/test.0")
            #expect(viaHTTP.count >= 4)
            #expect(viaIMAP == viaHTTP)
        }
    }
}
