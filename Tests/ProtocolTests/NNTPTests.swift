import Foundation
import Protocols
import Index
import Mail
import TestSupport
import Testing

@Suite(.serialized) struct NNTPTests {

    /// Python's nntplib reads every article of the group three ways (ARTICLE, HEAD, BODY); each
    /// equals the stored message line for line, with only Xref/Newsgroups/Path set (and one
    /// Message-ID where a message has several), as public-inbox-nntpd sends them.
    @Test func nntplibWalksTheWholeGroupByteForByte() async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) {
            let fx = try await ProtocolFixture.shared()
            let script = """
                import nntplib, json, base64, sys, warnings
                warnings.filterwarnings("ignore")
                s = nntplib.NNTP("127.0.0.1", int(sys.argv[1]))
                resp, count, first, last, name = s.group("test")
                out = {"group": [count, first, last, name], "over": {}, "articles": {}}
                _, overviews = s.over((first, last))
                for num, ov in overviews:
                    out["over"][str(num)] = ov
                enc = lambda lines: [base64.b64encode(l).decode() for l in lines]
                for num, _ in overviews:
                    _, a = s.article(num)
                    _, h = s.head(num)
                    _, b = s.body(a.message_id)
                    out["articles"][str(num)] = {"mid": a.message_id, "article": enc(a.lines), "head": enc(h.lines), "body": enc(b.lines)}
                s.quit()
                json.dump(out, open(sys.argv[2], "w"))
                """
            let json = try await runPython(script, port: fx.nntpPort)
            let rows = try fx.rows()
            let group = json["group"] as! [Any]
            #expect(group[0] as? Int == rows.count && group[1] as? Int == 1 && group[2] as? Int == Int(rows.last!.num))
            let over = json["over"] as! [String: [String: String]]
            let articles = json["articles"] as! [String: [String: Any]]
            #expect(articles.count == rows.count && rows.count > 80)
            let dropped: Set<String> = ["xref", "newsgroups", "path"]
            var multiID = 0
            for row in rows {
                let a = try #require(articles[String(row.num)], "article \(row.num)")
                let decode = { (k: String) in (a[k] as! [String]).map { [UInt8](Data(base64Encoded: $0)!) } }
                let (article, head, body) = (decode("article"), decode("head"), decode("body"))
                #expect(a["mid"] as? String == "<\(row.mid)>")
                let raw = try fx.test.raw(row)
                let (headerEnd, bodyStart) = headerBoundary(raw)
                #expect(body == messageLines(raw[bodyStart...]), "body of \(row.num) <\(row.mid)>")
                #expect(article == head + [[]] + body, "article \(row.num) = head + body")
                // header: the stored fields, less the ones public-inbox sets
                let fieldsOf = { (lines: [[UInt8]]) -> [(String, [[UInt8]])] in
                    var out: [(String, [[UInt8]])] = []
                    for l in lines {
                        if let f = l.first, f == 0x20 || f == 0x09, !out.isEmpty {
                            out[out.count - 1].1.append(l)
                        } else {
                            let name = l.firstIndex(of: 0x3A).map { String(decoding: l[..<$0], as: UTF8.self).lowercased() } ?? ""
                            out.append((name, [l]))
                        }
                    }
                    return out
                }
                let sent = fieldsOf(head)
                var skip = dropped
                var stored = fieldsOf(messageLines(raw[..<headerEnd]))
                if stored.filter({ $0.0 == "message-id" }).count > 1 {
                    multiID += 1
                    skip.formUnion(["message-id", "x-alt-message-id"])
                    #expect(sent.filter { $0.0 == "message-id" }.map { $0.1 } == [[Array("Message-ID: <\(row.mid)>".utf8)]])
                } else if let i = stored.firstIndex(where: { $0.0 == "message-id" }), stored[i].1.count == 2, stored[i].1[0].count == 11 {
                    // a Message-ID folded after the colon goes on one line (leafnode)
                    multiID += 1
                    let id = stored[i].1[1].drop { $0 == 0x20 || $0 == 0x09 }
                    stored[i].1 = [stored[i].1[0] + [0x20] + id]
                }
                #expect(
                    stored.filter { !skip.contains($0.0) }.map(\.1) == sent.filter { !skip.contains($0.0) }.map(\.1), "head of \(row.num)")
                let xref = "\(ProtocolFixture.serverName) test:\(row.num)"
                let crossPosted = row.mid == ProtocolFixture.crossPosted
                let value = { (name: String) in sent.first { $0.0 == name }.map { String(decoding: $0.1[0], as: UTF8.self) } }
                if !crossPosted {
                    #expect(value("xref") == "Xref: \(xref)")
                    #expect(value("newsgroups") == "Newsgroups: test")
                    #expect(over[String(row.num)]?["xref"] == xref)
                }
                #expect(value("path") == "Path: \(ProtocolFixture.serverName)!not-for-mail")
                #expect(over[String(row.num)]?["message-id"] == "<\(row.mid)>")
                #expect(over[String(row.num)]?[":bytes"] == String(row.bytes))
            }
            #expect(multiID >= 1, "the fixtures hold a folded Message-ID")
            // the message in both inboxes names both groups, sorted, as public-inbox does
            let cross = try #require(rows.first { $0.mid == ProtocolFixture.crossPosted })
            let otherNum = try #require(try fx.inboxes[1].index.articleNumber(mid: ProtocolFixture.crossPosted))
            #expect(over[String(cross.num)]?["xref"] == "\(ProtocolFixture.serverName) test:\(cross.num) example.other:\(otherNum)")
        }
    }

    /// Commands and their codes on a raw connection (RFC 3977 and public-inbox's wording).
    @Test func commandsAnswerWithTheRightCodes() async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) {
            let fx = try await ProtocolFixture.shared()
            let c = try LineClient(port: fx.nntpPort)
            #expect(await c.line() == "201 \(ProtocolFixture.serverName) ready - post via email")
            #expect(await c.ask("ARTICLE 1") == "412 no newsgroup has been selected")
            #expect(await c.ask("NEXT") == "412 no newsgroup has been selected")
            #expect(await c.ask("CAPABILITIES").hasPrefix("101"))
            #expect(await c.block().contains("OVER"))
            #expect(await c.ask("MODE READER") == "201 Posting prohibited")
            #expect(await c.ask("MODE STREAM") == "501 command syntax error")
            #expect(await c.ask("GROUP nosuch") == "411 no such news group")
            #expect(await c.ask("LIST ACTIVE *.other").hasPrefix("215"))
            #expect(await c.block() == ["example.other 2 1 n"])
            #expect(await c.ask("LIST ACTIVE t*,!*.other").hasPrefix("215"))
            #expect(await c.block().map { $0.split(separator: " ")[0] } == ["test"])
            #expect(await c.ask("LIST NEWSGROUPS").hasPrefix("215"))
            #expect(await c.block().contains("example.other public inbox for other@example.org"))
            #expect(await c.ask("LIST ACTIVE.TIMES").hasPrefix("215"))
            #expect(await c.block().allSatisfy { $0.hasSuffix("@example.org>") })
            #expect(await c.ask("LIST OVERVIEW.FMT").hasPrefix("215"))
            #expect(await c.block() == ["Subject:", "From:", "Date:", "Message-ID:", "References:", "Bytes:", "Lines:", "Xref:full"])
            #expect(await c.ask("LIST DISTRIB.PATS") == "501 command syntax error")
            let rows = try fx.rows()
            let n = rows.count
            let last = rows.last!.num
            #expect(await c.ask("GROUP test") == "211 \(n) 1 \(last) test")
            #expect(await c.ask("STAT") == "223 1 <\(rows[0].mid)> article retrieved - request text separately")
            #expect(await c.ask("NEXT") == "223 2 <\(rows[1].mid)> article retrieved - request text separately")
            #expect(await c.ask("LAST") == "223 1 <\(rows[0].mid)> article retrieved - request text separately")
            #expect(await c.ask("LAST") == "421 no previous article in this group")
            #expect(await c.ask("ARTICLE 999999") == "423 no such article (#999999) in this group")
            #expect(await c.ask("ARTICLE <no-such@example.org>") == "430 No article with that message-id <no-such@example.org>")
            #expect(await c.ask("ARTICLE banana") == "501 command syntax error")
            #expect(await c.ask("STAT \(last)") == "223 \(last) <\(rows.last!.mid)> article retrieved - request text separately")
            #expect(await c.ask("NEXT") == "421 no next article in this group")
            #expect(await c.ask("LISTGROUP test 3-5").hasPrefix("211 \(n) 1 \(last) test"))
            #expect(await c.block() == ["3", "4", "5"])
            #expect(await c.ask("XOVER 99999999-") == "420 No article(s) selected")
            #expect(await c.ask("HDR Subject 2").hasPrefix("225"))
            #expect(await c.block() == ["2 \(rows[1].subject)"])
            #expect(await c.ask("XHDR Message-ID 1-2").hasPrefix("221"))
            #expect(await c.block() == ["1 <\(rows[0].mid)>", "2 <\(rows[1].mid)>"])
            #expect(await c.ask("HDR X-Mailer 1") == "503 HDR not permitted on X-Mailer")
            // by Message-ID from another group: number 0 in OVER and HDR (RFC 3977 8.3.2, 8.5.2)
            let cross = ProtocolFixture.crossPosted
            #expect(await c.ask("GROUP example.other") == "211 2 1 2 example.other")
            let crossNum = try #require(try fx.test.index.articleNumber(mid: cross))
            let otherOnly = try #require(try fx.rows(fx.inboxes[1]).first { $0.mid != cross })
            #expect(await c.ask("GROUP test").hasPrefix("211"))
            #expect(await c.ask("HDR Subject <\(otherOnly.mid)>").hasPrefix("225"))
            #expect(await c.block() == ["0 \(otherOnly.subject)"])
            #expect(await c.ask("OVER <\(cross)>").hasPrefix("224"))
            #expect(await c.block().first?.hasPrefix("\(crossNum)\t") == true)
            #expect(await c.ask("XPATH <\(cross)>").hasPrefix("223 example.other/"))
            #expect(await c.ask("NEWGROUPS 19700101 000000 GMT").hasPrefix("231"))
            #expect(await c.block().count == 2)
            #expect(await c.ask("NEWGROUPS 20990101 000000 GMT").hasPrefix("231"))
            #expect(await c.block().isEmpty)
            #expect(await c.ask("NEWNEWS example.* 19700101 000000 GMT").hasPrefix("230"))
            #expect(await c.block().count == 2)
            #expect(await c.ask("NEWGROUPS yesterday noon") == "501 command syntax error")
            #expect(await c.ask("DATE").range(of: #"^111 \d{14}$"#, options: .regularExpression) != nil)
            #expect(await c.ask("POST") == "440 mailto:test@example.org to post")
            #expect(await c.ask("FROBNICATE") == "500 command not recognized")
            // a line of garbage bytes gets an error, the session goes on
            c.send([0x00, 0xFF, 0x1B, 0x0D, 0x0A])
            #expect(await c.line() == "501 command syntax error")
            #expect(await c.ask("GROUP test").hasPrefix("211"))
            #expect(await c.ask("QUIT") == "205 closing connection - goodbye!")
            #expect(await c.line() == nil)
        }
    }

    /// A 1 MB command line gets an error and a closed connection; other clients are served.
    @Test func hugeCommandLineIsRefused() async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) {
            let fx = try await ProtocolFixture.shared()
            let c = try LineClient(port: fx.nntpPort)
            _ = await c.line()
            c.send(Array(repeating: UInt8(ascii: "A"), count: 1 << 20) + [0x0D, 0x0A])
            #expect(await c.line() == "501 command line too long (over 512 bytes)")
            #expect(await c.line() == nil)
            let d = try LineClient(port: fx.nntpPort)
            _ = await d.line()
            #expect(await d.ask("GROUP test").hasPrefix("211"))
        }
    }

    /// lei imports the group over NNTP; its thread of a series is the same set of messages lei
    /// gets from the HTTP server.
    @Test func leiReadsTheSameThreadOverNNTPAsOverHTTP() async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) {
            let fx = try await ProtocolFixture.shared()
            let (viaHTTP, viaNNTP) = try await leiThreads(fx, source: "nntp://127.0.0.1:\(fx.nntpPort)/test")
            #expect(viaHTTP.count >= 4)
            #expect(viaNNTP == viaHTTP)
        }
    }
}

/// The Message-IDs of one series' thread as lei finds it over HTTP (`lei q --only URL -t`) and
/// after `lei import SOURCE` (`lei q --no-external -t`).
func leiThreads(_ fx: ProtocolFixture, source: String) async throws -> ([String], [String]) {
    let dir = try tempDir("lei")
    let env = try leiEnv(dir)
    defer { _ = try? Command.run(["lei", "daemon-kill"], env: env) }
    let cover = "m:20200428151725.31091-1-joro@8bytes.org"
    let http = try await runProgram(
        ["lei", "q", "--only", "http://127.0.0.1:\(fx.httpPort)/test/", "-t", "-o", "mboxrd:" + dir + "/http.mbox", cover], env: env,
        cwd: dir)
    #expect(http.status == 0, "\(http.stderr)")
    let imported = try await runProgram(["lei", "import", source], env: env, cwd: dir)
    #expect(imported.status == 0, "\(imported.stderr)")
    let q = try await runProgram(["lei", "q", "--no-external", "-t", "-o", "mboxrd:" + dir + "/got.mbox", cover], env: env, cwd: dir)
    #expect(q.status == 0, "\(q.stderr)")
    return (try mboxMessageIDs(dir + "/http.mbox"), try mboxMessageIDs(dir + "/got.mbox"))
}

/// The Message-IDs of an mbox file's messages, sorted.
func mboxMessageIDs(_ path: String) throws -> [String] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw POSIXError(.ENOENT) }
    defer { close(fd) }
    var ids: [String] = []
    try MboxReader(fd: fd, format: .mboxrd).forEach { e in ids.append(Message.parse(e.bytes).primaryID ?? "?") }
    return ids.sorted()
}
