import Foundation
import FoundationXML
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Index
import Mail
import TestSupport
import Testing

@testable import Web

let root = "20200103184044.73568-1-dverkamp@chromium.org"

@Suite struct PageTests {
    let fx = WebFixture.shared

    @Test func inboxListAndTopics() async throws {
        let r = try await fx.get("/")
        #expect(r.status == .ok)
        #expect(r.text.contains("href=\"test/\""))
        #expect(r.text.contains("href=\"all/\""))
        let t = try await fx.get("/test/")
        #expect(t.status == .ok)
        #expect(t.text.contains("/T/#t\">[PATCH v2 1/2] virtio-balloon: initialize all vq callbacks</a>"))  // 5-message thread
        #expect(t.text.contains("(5+ messages)"))
        #expect(t.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
        #expect(t.headers[.xContentTypeOptions] == "nosniff")
        let old = try await fx.get("/test/?t=20190101000000")
        #expect(old.status == .notFound || old.text.contains("[No topics in range]") || old.status == .ok)
    }

    @Test func messagePageHasEverything() async throws {
        let r = try await fx.get("/test/\(root)/")
        #expect(r.status == .ok)
        let h = r.text
        #expect(h.contains("<b>From:</b> Daniel Verkamp &lt;dverkamp@chromium.org&gt;"))
        #expect(h.contains("(<a href=\"raw\">raw</a>)"))
        #expect(h.contains("[thread overview]"))
        #expect(h.contains("5+ messages / expand[<a href=\"T/#u\">flat</a>|<a href=\"t/#u\">nested</a>]"))
        #expect(h.contains("[this message]"))
        #expect(h.contains("rel=next>next</a>"))
        let cmd = """
              git send-email \\
                --in-reply-to=20200103184044.73568-1-dverkamp@chromium.org \\
                --to=dverkamp@chromium.org \\
                --cc=cohuck@redhat.com \\
                --cc=mst@redhat.com \\
                --cc=stable@vger.kernel.org \\
                --cc=virtualization@lists.linux-foundation.org \\
                /path/to/YOUR_REPLY
            """
        #expect(h.contains(cmd))
        #expect(
            h.contains(
                "href=\"mailto:dverkamp@chromium.org?In-Reply-To=%3C20200103184044.73568-1-dverkamp@chromium.org%3E&amp;Cc=cohuck%40redhat.com%2Cmst%40redhat.com"
            ))
        #expect(h.contains("&amp;Subject=Re%3A%20%5BPATCH%20v2%201%2F2%5D%20virtio-balloon"))
        #expect(h.contains("<span class=\"add\">+\tcallbacks[VIRTIO_BALLOON_VQ_STATS] = NULL;</span>"))
        #expect(h.contains("<span class=\"hunk\">@@ -475,7 +475,9 @@"))
        // a reply: In-Reply-To linked to the parent, prev/parent links
        let reply = try await fx.get("/test/20200105082433-mutt-send-email-mst@kernel.org/")
        #expect(
            reply.text.contains(
                "<b>In-Reply-To:</b> &lt;<a href=\"../286AC319A985734F985F78AFA26841F73E39205A@shsmsx102.ccr.corp.intel.com/\">"))
        #expect(reply.text.contains("prev parent</a>") || reply.text.contains(">parent</a>"))
        #expect(reply.text.contains("<span class=\"q\">"))
    }

    @Test func ghostsAreMarked() async throws {
        let r = try await fx.get("/test/20200214163827.1606668-1-jean-philippe@linaro.org/")
        #expect(r.status == .ok)
        #expect(
            r.text.contains("[not found] ` &lt;<a href=\"../20200219111604.GH1961@8bytes.org/\">20200219111604.GH1961@8bytes.org</a>&gt;"))
        #expect(r.text.contains("[this message]"))
        let t = try await fx.get("/test/20200214163827.1606668-1-jean-philippe@linaro.org/t/")
        #expect(t.text.contains("[parent not found: &lt;"))
    }

    @Test func threadPages() async throws {
        let flat = try await fx.get("/test/\(root)/T/")
        #expect(flat.status == .ok)
        let anchor = URLs.anchor(root)
        #expect(flat.text.contains("id=m\(anchor)>*</a> <u id=u><b>[PATCH v2 1/2]"))
        #expect(flat.text.contains("0 siblings, 2 replies; 5+ messages in thread"))
        #expect(flat.text.contains("<b id=t>Thread overview:</b> 5+ messages"))
        #expect(flat.text.contains("\"><b>flat</b></a>|"))
        let nested = try await fx.get("/test/\(root)/t/", headers: [.acceptEncoding: "gzip"])
        #expect(nested.headers[.contentEncoding] == "gzip")
        let html = String(decoding: try gunzip(nested.bytes), as: UTF8.self)
        #expect(html.contains("<ul class=th><li>"))
        #expect(html.contains("\"><b>nested</b></a>]"))
        #expect(html.hasSuffix("</html>"))
    }

    @Test func looseMatchesAreListed() async throws {
        // the three "Revert virtio-net" copies share a Message-ID; the SEV-ES review shares a subject
        let r = try await fx.get("/test/20200504104129.GD15046@zn.tnic/")
        #expect(r.status == .ok)
        #expect(r.text.contains("[this message]"))
    }

    @Test func rawIsMboxrd() async throws {
        let r = try await fx.get("/test/\(root)/raw")
        #expect(r.status == .ok)
        #expect(r.headers[.contentType] == "text/plain; charset=us-ascii")
        #expect(r.headers[.contentDisposition] == "inline; filename=PATCH-v2-1-2-virtio-balloon-initialize-all-vq-callbacks.txt")
        #expect(r.text.hasPrefix("From mboxrd@z Thu Jan  1 00:00:00 1970\n"))
        let row = try #require(try fx.main.inbox.index.messages(mid: root).first)
        #expect(r.bytes == Mbox.entry(try fx.main.inbox.raw(row)))
        let missing = try await fx.get("/test/nope@nowhere/raw")
        #expect(missing.status == .notFound)
        // every copy of a reused Message-ID
        let dup = try await fx.get("/test/20201018103122.454967-1-mst@redhat.com/raw")
        #expect(dup.text.components(separatedBy: "From mboxrd@z Thu Jan  1 00:00:00 1970\n").count - 1 == 3)
        let etag = try #require(r.headers[.eTag])
        let again = try await fx.get("/test/\(root)/raw", headers: [.ifNoneMatch: etag])
        #expect(again.status == .notModified)
    }

    @Test func threadMboxGz() async throws {
        let r = try await fx.get("/test/\(root)/t.mbox.gz")
        #expect(r.status == .ok)
        #expect(r.headers[.contentType] == "application/gzip")
        #expect(r.headers[.contentDisposition] == "inline; filename=PATCH-v2-1-2-virtio-balloon-initialize-all-vq-callbacks.mbox.gz")
        let mbox = try gunzip(r.bytes)
        let t = try #require(try fx.main.inbox.index.thread(of: root))
        var expected: [UInt8] = []
        for row in try fx.main.inbox.index.threadInArticleOrder(tid: t.seed.tid, sid: t.seed.sid, after: 0, batch: 1000) {
            expected += Mbox.entry(try fx.main.inbox.raw(row))
        }
        #expect(mbox == expected)
        #expect(String(decoding: mbox, as: UTF8.self).components(separatedBy: "From mboxrd@z").count - 1 == 5)
        let all = try await fx.get("/test/all.mbox.gz")
        let allText = String(decoding: try gunzip(all.bytes), as: UTF8.self)
        #expect(
            allText.components(separatedBy: "From mboxrd@z Thu Jan  1 00:00:00 1970\n").count - 1
                == (try fx.main.inbox.index.stats().messages))
    }

    final class XMLCheck: NSObject, XMLParserDelegate {
        var entries = 0
        func parser(
            _ parser: XMLParser, didStartElement e: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            if e == "entry" { entries += 1 }
        }
    }

    func parseXML(_ bytes: [UInt8]) -> (Bool, Int) {
        let p = XMLParser(data: Data(bytes))
        let d = XMLCheck()
        p.delegate = d
        let ok = p.parse()
        return (ok, d.entries)
    }

    @Test func atomFeedsAreWellFormed() async throws {
        let n = try await fx.get("/test/new.atom")
        #expect(n.headers[.contentType] == "application/atom+xml")
        let (ok, entries) = parseXML(n.bytes)
        #expect(ok)
        #expect(entries == 25)
        let t = try await fx.get("/test/\(root)/t.atom")
        let (ok2, e2) = parseXML(t.bytes)
        #expect(ok2)
        #expect(e2 == 5)
        #expect(t.text.contains("<thr:in-reply-to ref=\"urn:uuid:"))
        let missing = try await fx.get("/test/nope@nowhere/t.atom")
        #expect(missing.status == .notFound)
        // the hostile message inside a feed is still well-formed XML
        let all = try await fx.get("/all/new.atom")
        #expect(parseXML(all.bytes).0)
    }

    @Test func redirects() async throws {
        let a = try await fx.get("/test")
        #expect(a.status == .movedPermanently)
        #expect(a.headers[.location]?.hasSuffix("/test/") == true)
        let b = try await fx.get("/test/\(root)")
        #expect(b.status == .movedPermanently)
        #expect(b.headers[.location]?.hasSuffix("/test/\(root)/") == true)
        let c = try await fx.get("/test/\(root)/T")
        #expect(c.headers[.location]?.hasSuffix("/test/\(root)/T/#u") == true)
        let d = try await fx.get("/test/\(root)/t")
        #expect(d.headers[.location]?.hasSuffix("/test/\(root)/t/#u") == true)
        let e = try await fx.get("/\(root)")
        #expect(e.status == .found)
        #expect(e.headers[.location]?.hasSuffix("/test/\(root)/") == true)
        let pct = try await fx.get("/test/" + root.replacingOccurrences(of: "@", with: "%40") + "/")
        #expect(pct.status == .ok)
        let legacy = try await fx.get("/test/m/\(root).html")
        #expect(legacy.status == .movedPermanently)
        let text = try await fx.get("/test/_/text/help")
        #expect(text.status == .found)
    }

    @Test func notFoundPages() async throws {
        let a = try await fx.get("/test/20200103184044.73568-1-dverkamp@chromium.or/")
        #expect(a.status == .multipleChoices)
        #expect(a.text.contains("1 partial match found"))
        #expect(a.text.contains("href=\"../\(root)/\""))
        let b = try await fx.get("/test/zz/")
        #expect(b.status == .notFound)
        let c = try await fx.get("/test/nothing-here-at-all@example.com/T/")
        #expect(c.status == .multipleChoices)
        #expect(c.text.contains("marc.info"))
    }

    @Test func attachmentsAreInert() async throws {
        // 014: multipart/alternative with an HTML part
        let mid = "20190907020028.1001029B8@mail.linuxfoundation.org"
        let page = try await fx.get("/test/\(mid)/")
        #expect(page.text.contains("[-- Attachment #"))
        let m = Message.parse(try fx.main.inbox.raw(try #require(try fx.main.inbox.index.messages(mid: mid).first)))
        let html = try #require(m.parts.first { $0.contentType == "text/html" })
        let r = try await fx.get("/test/\(mid)/\(html.index)-a.bin")
        #expect(r.status == .ok)
        #expect(r.headers[.contentType]?.hasPrefix("text/plain") == true)
        #expect(r.headers[.xContentTypeOptions] == "nosniff")
        #expect(r.bytes == html.bytes)
        let missing = try await fx.get("/test/\(mid)/9-a.bin")
        #expect(missing.status == .notFound)
        // a binary attachment downloads
        let kb = "201907230131.wUPWMhl5%lkp@intel.com"
        let km = Message.parse(try fx.main.inbox.raw(try #require(try fx.main.inbox.index.messages(mid: kb).first)))
        let bin = try #require(km.parts.first { !$0.contentType.hasPrefix("text/") })
        let br = try await fx.get("/test/\(URLs.mid(kb))/\(bin.index)-config.gz")
        #expect(br.headers[.contentType] == "application/octet-stream")
        #expect(br.headers[.contentDisposition]?.hasPrefix("attachment") == true)
    }

    @Test func methodsAndCompression() async throws {
        let del = try await fx.get("/test/", method: .delete)
        #expect(del.status == .methodNotAllowed)
        let post = try await fx.get("/test/", method: .post)
        #expect(post.status == .notFound)  // POST without q= (public-inbox: 404)
        let postOther = try await fx.get("/test/\(root)/raw", method: .post)
        #expect(postOther.status == .methodNotAllowed)
        let head = try await fx.get("/test/\(root)/", method: .head)
        #expect(head.status == .ok)
        #expect(head.body.readableBytes == 0)
        let plain = try await fx.get("/test/\(root)/")
        let gz = try await fx.get("/test/\(root)/", headers: [.acceptEncoding: "gzip, deflate"])
        #expect(gz.headers[.contentEncoding] == "gzip")
        #expect(gz.headers[.vary] == "Accept-Encoding")
        #expect(try gunzip(gz.bytes) == plain.bytes)
        let etag = try #require(plain.headers[.eTag])
        let cached = try await fx.get("/test/\(root)/", headers: [.ifNoneMatch: etag])
        #expect(cached.status == .notModified)
    }

    @Test func textPages() async throws {
        let help = try await fx.get("/test/_/text/help/")
        #expect(help.status == .ok)
        let mirror = try await fx.get("/test/_/text/mirror/raw")
        #expect(mirror.text.contains("git clone --mirror http://127.0.0.1/test/0 test/git/0.git"))
        let config = try await fx.get("/test/_/text/config/raw")
        #expect(config.headers[.contentDisposition] == "inline; filename=inbox.config")
        #expect(config.text.contains("[publicinbox \"test\"]"))
        #expect(config.text.contains("\taddress = test@example.org"))
        let unknown = try await fx.get("/test/_/text/nope/")
        #expect(unknown.status == .notFound)
        let desc = try await fx.get("/test/description")
        #expect(desc.status == .ok)
    }

    @Test func allInboxesMergesAndDiffs() async throws {
        // identical copy in both inboxes: shown once
        let same = try await fx.get("/all/\(WebFixture.identicalMid)/")
        #expect(same.status == .ok)
        #expect(!same.text.contains("WARNING: multiple messages"))
        // differing copies: warning and a working diff
        let diff = try await fx.get("/all/\(WebFixture.changedMid)/")
        #expect(diff.text.contains("WARNING: multiple messages have this Message-ID (<a href=\"d/\">diff</a>)"))
        let d = try await fx.get("/all/\(WebFixture.changedMid)/d/")
        #expect(d.status == .ok)
        #expect(d.text.contains("<span class=\"add\">+A line only the second copy has.</span>"))
        let list = try await fx.get("/all/")
        #expect(list.status == .ok)
        let both = try await fx.get("/\(WebFixture.changedMid)")
        #expect(both.headers[.location]?.hasSuffix("/all/\(WebFixture.changedMid)/") == true)
    }
}
