import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Index
import Mail
import TestSupport
import Testing

@testable import Web

/// A message whose blob git no longer has (a partial mirror, a damaged pack) costs only itself:
/// its thread's pages show the others with a note where it was, and mbox downloads carry the rest.
@Suite struct MissingObjectTests {
    static let cover = Message.parse(Fixtures.bytes(Fixtures.series("01"))).primaryID!
    static let gone = Message.parse(Fixtures.bytes(Fixtures.series("05"))).primaryID!
    static let kept = Message.parse(Fixtures.bytes(Fixtures.series("06"))).primaryID!

    /// The dmabl thread with the blob of its reply 05 deleted from git (and the blob's bytes).
    static func damaged(cacheBytes: Int = 0) throws -> (TemporaryInbox, Site, [UInt8]) {
        let t = try TemporaryInbox(name: "test", address: "test@example.org")
        try t.importFiles((1...6).map { Fixtures.series(String(format: "%02d", $0)) })
        let git = t.inbox.repository.epochPath(0)
        try DamagedGit.unpack(git)
        let blob = try #require(try t.inbox.index.messages(mid: gone).first?.blob)
        let bytes = try t.inbox.raw(blob: blob)
        try DamagedGit.deleteObject(blob, in: git)
        let site = Site(inboxes: [t.inbox], cacheBytes: cacheBytes, search: .init(threads: 1, admitted: 16, timeout: .seconds(60)))
        return (t, site, bytes)
    }

    static func get(_ site: Site, _ uri: String, method: HTTPRequest.Method = .get) async throws -> TestResponse {
        try await Application(responder: WebResponder(site: site)).test(.router) { client in
            try await client.execute(uri: uri, method: method) { $0 }
        }
    }

    @Test func threadPagesShowTheOthersAndSayWhatIsMissing() async throws {
        let (t, site, _) = try Self.damaged()
        _ = t
        for view in ["T/", "t/"] {
            let r = try await Self.get(site, "/test/\(URLs.mid(Self.cover))/\(view)")
            #expect(r.status == .ok)
            let h = String(buffer: r.body)
            #expect(h.contains("</html>"), "\(view) cut short")
            #expect(h.contains("not available from git"), "\(view)")
            // the messages after the missing one are there, in full
            #expect(h.contains("id=m" + URLs.anchor(Self.kept)), "\(view)")
        }
        let page = try await Self.get(site, "/test/\(URLs.mid(Self.gone))/")
        #expect(page.status == .ok || page.status == .notFound)
        #expect(String(buffer: page.body).contains("not available from git"))
        let other = try await Self.get(site, "/test/\(URLs.mid(Self.kept))/")
        #expect(other.status == .ok)
        // the newest messages, their feed and the threaded search view: every other message whole
        for uri in ["/test/new.html", "/test/new.atom", "/test/?q=s:virtio-blk&x=t"] {
            let r = try await Self.get(site, uri)
            #expect(r.status == .ok, "\(uri)")
            let h = String(buffer: r.body)
            #expect(h.contains("not available from git"), "\(uri)")
            #expect(h.contains("Reviewed-by") || h.contains("virtio-blk"), "\(uri)")
        }
    }

    @Test func mboxDownloadsCarryTheRest() async throws {
        let (t, site, _) = try Self.damaged()
        _ = t
        for (uri, method) in [
            ("/test/\(URLs.mid(Self.cover))/t.mbox.gz", HTTPRequest.Method.get), ("/test/all.mbox.gz", .get),
            ("/test/?q=s:virtio-blk&x=m", .post),
        ] {
            let r = try await Self.get(site, uri, method: method)
            #expect(r.status == .ok, "\(uri)")
            let mbox = String(decoding: try gunzip(Array(buffer: r.body)), as: UTF8.self)
            let ids = mbox.split(separator: "\n").filter { $0.lowercased().hasPrefix("message-id: <") }
            #expect(ids.contains { $0.hasSuffix("<\(Self.kept)>") }, "\(uri)")
            #expect(!ids.contains { $0.hasSuffix("<\(Self.gone)>") }, "\(uri)")
            #expect(ids.count == 5, "\(uri): \(ids.count) messages")
        }
    }

    @Test func aPageWithAStandInIsNeverKeptSoTheMessageShowsOnceGitHasItAgain() async throws {
        let (t, site, bytes) = try Self.damaged(cacheBytes: 8 << 20)
        let uris = ["/test/\(URLs.mid(Self.gone))/", "/test/new.atom", "/test/?q=s:virtio-blk&x=t", "/test/\(URLs.mid(Self.cover))/T/"]
        for uri in uris {
            for _ in 0..<2 {
                let r = try await Self.get(site, uri)
                #expect(String(buffer: r.body).contains("not available from git"), "\(uri)")
                // no ETag to revalidate a stand-in by: a 304 would keep it once git has the message
                #expect(r.headers[.eTag] == nil, "\(uri)")
            }
        }
        // the object comes back (a repaired mirror) while the inbox stays as it was
        let put = try Command.run(
            ["git", "--git-dir=\(t.inbox.repository.epochPath(0))", "hash-object", "-w", "--stdin"], input: bytes)
        #expect(put.status == 0, "\(put.stderr)")
        // its own words, to find on every page once it is whole
        let line = "Looks I misread the patch, and this patch is fine"
        #expect(String(decoding: bytes, as: UTF8.self).contains(line))
        for uri in uris {
            let h = String(buffer: try await Self.get(site, uri).body)
            #expect(!h.contains("not available from git"), "\(uri) kept its stand-in")
            #expect(h.contains(line), "\(uri)")
        }
        // and a whole page is kept, with its ETag: the message page comes from the cache now
        #expect(site.scope(named: "test")?.cachedValue("m|" + Self.gone) != nil)
        #expect(try await Self.get(site, uris[0]).headers[.eTag] != nil)
    }
}
