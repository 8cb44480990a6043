import Testing

@testable import Web

/// Links in body lines, as the message and thread pages write them: URLs (local when they name
/// a Message-ID the archive has), `<Message-ID>`s, and everything else escaped text.
@Suite struct LinkifyTests {
    static let known = "20190522103307.12711-1-kraxel@redhat.com"

    func render(_ line: String, known: Set<String> = [Self.known]) -> String {
        var w = HTMLWriter()
        MessageBody(attachmentPrefix: "", midPrefix: "../", known: known).line(Substring(line), into: &w)
        return w.string
    }

    @Test func archiveLinksToKnownMessagesStayLocal() {
        #expect(
            render("Link: https://lore.kernel.org/r/20190522103307.12711-1-kraxel@redhat.com")
                == "Link: <a href=\"../20190522103307.12711-1-kraxel@redhat.com/\">https://lore.kernel.org/r/20190522103307.12711-1-kraxel@redhat.com</a>"
        )
        // escaped in the URL (%40), in a list's own path, and via gmane
        #expect(
            render("see https://lore.kernel.org/virtualization/20190522103307.12711-1-kraxel%40redhat.com/T/#u.")
                .hasPrefix("see <a href=\"../20190522103307.12711-1-kraxel@redhat.com/\">"))
        #expect(render("(mid.gmane.org/20190522103307.12711-1-kraxel@redhat.com)").contains("href=\"../20190522103307"))
        // unknown Message-IDs and other URLs go out, nofollow; trailing punctuation is text
        #expect(
            render("Fixes: see https://example.org/x/a@b/, HTTPS://Example.org/(y).")
                == "Fixes: see <a href=\"https://example.org/x/a@b/\" rel=\"nofollow\">https://example.org/x/a@b/</a>, <a href=\"HTTPS://Example.org/(y)\" rel=\"nofollow\">HTTPS://Example.org/(y)</a>."
        )
    }

    @Test func bracketedMessageIDsLinkOnlyWhenKnown() {
        #expect(
            render("In <20190522103307.12711-1-kraxel@redhat.com> you said")
                == "In &lt;<a href=\"../20190522103307.12711-1-kraxel@redhat.com/\">20190522103307.12711-1-kraxel@redhat.com</a>&gt; you said"
        )
        #expect(render("Signed-off-by: Gerd Hoffmann <kraxel@redhat.com>") == "Signed-off-by: Gerd Hoffmann &lt;kraxel@redhat.com&gt;")
        #expect(render("a <not a mid> & <b@c d>") == "a &lt;not a mid&gt; &amp; &lt;b@c d&gt;")
    }

    @Test func whatIsNotALinkIsEscapedTextWithItsCharactersWhole() {
        #expect(render("drivers/gpu/drm/qxl: é <x> javascript://x") == "drivers/gpu/drm/qxl: é &lt;x&gt; javascript://x")
        #expect(render("ftp:/ nope, git://") == "ftp:/ nope, git://")
        var mids: [String] = []
        Linkify.candidates("<a@b> https://lore.kernel.org/r/c@d https://x.org/only-host", into: &mids)
        #expect(mids == ["a@b", "c@d"])
    }
}
