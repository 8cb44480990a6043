import Foundation
import HTTPTypes
import HummingbirdTesting
import Index
import Mail
import TestSupport
import Testing

@testable import Web

/// Hostile Message-IDs, subjects, names, bodies and URLs never become markup or leave the
/// URL space.
@Suite struct HostileInputTests {
    let fx = WebFixture.shared
    /// `Message-ID: <"><script>alert(1)</script>@evil>`: as public-inbox, the id is the first
    /// `<…>`, i.e. `"`.
    let hostileMid = "\""

    @Test func hostileMessageEverywhere() async throws {
        let esc = URLs.mid(hostileMid)
        #expect(esc == "%22")
        for suffix in ["", "T/", "t/"] {
            let r = try await fx.get("/test/\(esc)/\(suffix)")
            #expect(r.status == .ok, "\(suffix)")
            expectNoInjection(r.text)
            #expect(
                r.text.contains("&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;")
                    || r.text.contains("&lt;script&gt;alert('subject')&lt;/script&gt;"))
        }
        let page = try await fx.get("/test/\(esc)/")
        // the In-Reply-To `../../../etc/passwd@evil` stays one escaped path segment
        #expect(page.text.contains("href=\"../..%2F..%2F..%2Fetc%2Fpasswd@evil/\""))
        #expect(page.text.contains("&lt;img src=x onerror=alert(1)&gt;"))
        // the git send-email argument is shell-quoted
        #expect(page.text.contains("--in-reply-to='\"'"))
        // the header holds several `<…>`: each is an id, each linked within the URL space
        #expect(page.text.contains("<b>Message-ID:</b> &lt;<a href=\"../%22/\">\"</a>&gt; (<a href=\"../%22/raw\">raw</a>)"))
        #expect(page.text.contains("<b>Message-ID:</b> &lt;<a href=\"../%2Fscript/\">/script</a>&gt;"))
        let raw = try await fx.get("/test/\(esc)/raw")
        #expect(raw.status == .ok)
        #expect(raw.headers[.contentType]?.hasPrefix("text/plain") == true)
        let topics = try await fx.get("/test/")
        expectNoInjection(topics.text)
        let atom = try await fx.get("/test/\(esc)/t.atom")
        expectNoInjection(atom.text)
        let newHTML = try await fx.get("/test/new.html")
        expectNoInjection(newHTML.text)
        // found by search: every result view (snippets, nested bodies, Atom) stays inert
        for view in ["", "&x=t", "&x=A", "&t=1", "&r=1"] {
            let r = try await fx.get("/test/?q=s:alert+OR+onerror" + view)
            #expect(r.status == .ok, "\(view)")
            #expect(r.text.contains("alert(&#39;subject&#39;)") || r.text.contains("alert('subject')"), "\(view)")
            expectNoInjection(r.text)
        }
    }

    @Test func everySyntheticFixtureRendersSafely() async throws {
        for file in Fixtures.syntheticFiles {
            let m = Message.parse(Fixtures.synthetic(file))
            let mids = try m.messageIDs.isEmpty ? [] : [m.messageIDs[0]]
            for mid in mids where try fx.main.inbox.index.has(mid: mid) {
                for suffix in ["", "T/", "t/", "raw", "t.atom"] {
                    let r = try await fx.get("/test/\(URLs.mid(mid))/\(suffix)")
                    #expect(r.status == .ok, "\(file) \(suffix)")
                    if suffix != "raw" { expectNoInjection(r.text) }
                }
            }
        }
    }

    @Test func craftedURLs() async throws {
        let urls = [
            "/test/%3Cscript%3Ealert(1)%3C%2Fscript%3E@x/",
            "/test/%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E@x/T/",
            "/test/javascript:alert(1)@x/",
            "/test/..%2F..%2Fetc%2Fpasswd/",
            "/test/%00%0d%0aSet-Cookie:x=y@x/",
            "/test/x@y/%3Cb%3E-a.txt",
            "/test/?t=%3Cscript%3E",
            "/test/new.atom?t=%3Cscript%3E",
            "/test/_/text/%3Cscript%3E/",
            "/%3Cscript%3E@x",
            "/all/%3Cscript%3Ealert(1)%3C%2Fscript%3E@x/",
        ]
        for u in urls {
            let r = try await fx.get(u)
            #expect(r.status != .internalServerError, "\(u)")
            expectNoInjection(r.text)
            for (name, value) in [(HTTPField.Name.location, r.headers[.location])] {
                if let v = value { #expect(!v.contains("\r") && !v.contains("\n") && !v.contains("<"), "\(name) \(u)") }
            }
        }
        let nf = try await fx.get("/test/%3Cscript%3Ealert(1)%3C%2Fscript%3E@x/")
        #expect(nf.status == .multipleChoices)
        #expect(nf.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;@x"))
        let redirect = try await fx.get("/test/%3Cscript%3E@x")
        #expect(redirect.status == .movedPermanently)
        #expect(redirect.headers[.location]?.hasSuffix("/test/%3Cscript%3E@x/") == true)
    }
}
