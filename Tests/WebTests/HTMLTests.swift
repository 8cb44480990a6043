import Testing

@testable import Web

@Suite struct HTMLEscapingTests {
    @Test func textEscapesMarkup() {
        #expect(HTML.text("<script>a & b</script>") == "&lt;script&gt;a &amp; b&lt;/script&gt;")
        #expect(HTML.text("\"q\" 'x'") == "\"q\" 'x'")
    }

    @Test func attributeEscapesQuotes() {
        #expect(HTML.attribute("a\"b'c<d>&") == "a&#34;b&#39;c&lt;d&gt;&amp;")
    }

    @Test func controlCharactersAreVisible() {
        #expect(HTML.text("a\u{0}b\u{1B}c\u{7F}d\u{1}e\r\t\n") == "a\\0b^[c\\x7fd\\x01e\\r\t\n")
        #expect(HTML.text("x\u{FFFE}y\u{FFFF}z") == "x\u{FFFD}y\u{FFFD}z")
        #expect(HTML.text("ünï 答复 \u{FFFD}") == "ünï 答复 \u{FFFD}")
        // other characters encoded with a leading EF byte pass unchanged
        #expect(HTML.text("\u{F000}\u{FFBE}\u{FFFD}\u{FFFE}\u{FFFF}") == "\u{F000}\u{FFBE}\u{FFFD}\u{FFFD}\u{FFFD}")
    }

    @Test func escapingCopiesRunsBetweenSpecialBytes() {
        let run = String(repeating: "plain text ünï ", count: 40)
        let s = run + "<a href='x'>\u{1}" + run + "&\"" + run
        let want = run + "&lt;a href='x'&gt;\\x01" + run + "&amp;\"" + run
        #expect(HTML.text(s) == want)
        #expect(HTML.text(s.dropFirst(3)) == String(want.dropFirst(3)))
        #expect(HTML.attribute(s) == run + "&lt;a href=&#39;x&#39;&gt;\\x01" + run + "&amp;&#34;" + run)
        #expect(HTML.text("") == "" && HTML.text("&") == "&amp;" && HTML.text("\u{FFFE}") == "\u{FFFD}")
    }

    @Test func writerKeepsMarkupAndEscapesData() {
        var w = HTMLWriter()
        w.link("../a\"b/", "<x>")
        #expect(w.string == "<a href=\"../a&#34;b/\">&lt;x&gt;</a>")
    }

    @Test func urlHelpers() {
        #expect(URLs.mid("attach/slash+plus@example.com") == "attach%2Fslash+plus@example.com")
        #expect(URLs.mid("a b<c>#?%") == "a%20b%3Cc%3E%23%3F%25")
        #expect(URLs.unescapeMid("foo%40bar") == "foo@bar")
        #expect(URLs.filename(fromSubject: "[PATCH] hello world") == "PATCH-hello-world")
        #expect(URLs.filename(fromSubject: "...") == nil)
        #expect(URLs.strippingOneRe("Re: RE: x") == "RE: x")
        #expect(URLs.attachmentName("weird name!.bin", contentType: "application/octet-stream") == "a.bin")
        #expect(URLs.attachmentName("fix.patch", contentType: "text/x-diff") == "fix.patch")
        #expect(URLs.shortTime(1_704_099_600) == "2024-01-01  9:00")
        #expect(URLs.uuid("t\nx").hasPrefix("urn:uuid:"))
        #expect(URLs.parsePageTime("20240101090000")?.seconds == 1_704_099_600)
        #expect(URLs.parsePageTime("20240101-")?.newer == true)
        #expect(URLs.parsePageTime("2024x") == nil)
    }

    @Test func replyHelpers() {
        #expect(ReplyInstructions.squoteMaybe("a@b.c") == "a@b.c")
        #expect(ReplyInstructions.squoteMaybe("a'b!@c") == "'a'\\''b'\\!'@c'")
        #expect(ReplyInstructions.hasRe("Re: x"))
        #expect(ReplyInstructions.hasRe("[PATCH] Re: x"))
        #expect(!ReplyInstructions.hasRe("Pre: x"))
    }

    @Test func lineDiff() {
        let ops = LineDiff.diff(["a", "b", "c"], ["a", "x", "c"])
        #expect(
            ops == [.same("a"), .added("x"), .removed("b"), .same("c")] || ops == [.same("a"), .removed("b"), .added("x"), .same("c")])
    }
}

@Suite struct RouteTests {
    func parse(_ p: String) -> Route { Route.parse(Substring(p), isScope: { $0 == "test" || $0 == "all" }) }

    @Test func inboxForms() {
        #expect(parse("/") == .inboxList)
        #expect(parse("/test") == .redirect(scope: "test", path: "", permanent: true))
        #expect(parse("/test/") == .topics(scope: "test"))
        #expect(parse("/test/new.atom") == .newAtom(scope: "test"))
        #expect(parse("/test/new.html") == .newHTML(scope: "test"))
        #expect(parse("/test/all.mbox.gz") == .allMbox(scope: "test"))
        #expect(parse("/test/_/text/help/") == .text(scope: "test", key: "help", raw: false))
        #expect(parse("/test/_/text/config/raw") == .text(scope: "test", key: "config", raw: true))
        #expect(parse("/test/_/text/mirror") == .redirect(scope: "test", path: "_/text/mirror/", permanent: false))
    }

    @Test func messageForms() {
        let m = "a/b+c@d"
        #expect(parse("/test/a%2Fb+c%40d/") == .message(scope: "test", mid: m))
        #expect(parse("/test/a%2Fb+c@d/raw") == .raw(scope: "test", mid: m))
        #expect(parse("/test/x@y/T/") == .threadFlat(scope: "test", mid: "x@y"))
        #expect(parse("/test/x@y/t/") == .threadNested(scope: "test", mid: "x@y"))
        #expect(parse("/test/x@y/t.mbox.gz") == .threadMbox(scope: "test", mid: "x@y"))
        #expect(parse("/test/x@y/t.atom") == .threadAtom(scope: "test", mid: "x@y"))
        #expect(parse("/test/x@y/2-a.txt") == .attachment(scope: "test", mid: "x@y", index: "2", filename: "a.txt"))
        #expect(parse("/test/x@y/1.2-fix.patch") == .attachment(scope: "test", mid: "x@y", index: "1.2", filename: "fix.patch"))
        #expect(parse("/test/x@y") == .redirect(scope: "test", path: "x@y/", permanent: true))
        #expect(parse("/test/x@y/T") == .redirect(scope: "test", path: "x@y/T/#u", permanent: true))
        #expect(parse("/test/x@y/t") == .redirect(scope: "test", path: "x@y/t/#u", permanent: true))
        #expect(parse("/test/x@y/R") == .redirect(scope: "test", path: "x@y/#R", permanent: true))
        #expect(parse("/test/m/x@y.html") == .redirect(scope: "test", path: "x@y/", permanent: true))
        #expect(parse("/test/t/x@y/mbox.gz") == .redirect(scope: "test", path: "x@y/t.mbox.gz", permanent: true))
        #expect(parse("/test/f/x@y.txt") == .redirect(scope: "test", path: "x@y/raw", permanent: true))
        #expect(parse("/x@y") == .bareMid(mid: "x@y"))
        #expect(parse("/nope/x@y/") == .notFound)
        #expect(parse("/test/x@y/zzz") == .notFound)
    }
}
