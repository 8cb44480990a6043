import Foundation
import Hummingbird
import HummingbirdTesting
import Index
import Mail
import Store
import TestSupport
import Testing

@testable import Web

/// One archive for all web tests: inbox `test` with every corpus and synthetic fixture, and
/// inbox `other` with an identical copy of one message and a changed copy of another.
final class WebFixture: @unchecked Sendable {
    let main: TemporaryInbox
    let other: TemporaryInbox
    let site: Site
    static let changedMid = "20190725175044.29303-1-dgilbert@redhat.com"
    static let identicalMid = "20191008024054.32368-1-yuehaibing@huawei.com"

    init() throws {
        main = try TemporaryInbox(name: "test", address: "test@example.org")
        try main.importFiles(Fixtures.corpusFiles.map(Fixtures.corpusPath) + Fixtures.syntheticFiles.map(Fixtures.syntheticPath))
        other = try TemporaryInbox(name: "other", address: "other@example.org")
        var changed = String(decoding: Fixtures.corpus("029-cover-letter-0-4.eml"), as: UTF8.self)
        changed = changed.replacingOccurrences(
            of: "\n\n", with: "\n\nA line only the second copy has.\n\n", options: [], range: changed.range(of: "\n\n"))
        try other.importBytes([Fixtures.corpus("028-patch-single.eml"), Array(changed.utf8)])
        // many tests search at once on a loaded machine: no refusals, no deadline in the way
        site = Site(inboxes: [main.inbox, other.inbox], search: .init(threads: 2, admitted: 256, timeout: .seconds(120)))
    }

    static let shared: WebFixture = try! WebFixture()

    func app() -> some ApplicationProtocol { Application(responder: WebResponder(site: site)) }

    /// GET (or another method) through the in-process client.
    func get(_ uri: String, method: HTTPRequest.Method = .get, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await app().test(.router) { client in
            try await client.execute(uri: uri, method: method, headers: headers) { $0 }
        }
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var bytes: [UInt8] { Array(buffer: body) }
}

func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let r = try Command.run(["gzip", "-dc"], input: bytes)
    #expect(r.status == 0, "\(r.stderr)")
    return r.stdout
}

/// Asserts a page body has no markup that came from a message.
func expectNoInjection(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let lower = html.lowercased()
    #expect(!lower.contains("<script"), sourceLocation: sourceLocation)
    #expect(!lower.contains("<img"), sourceLocation: sourceLocation)
    #expect(!lower.contains("<a href=\"javascript"), sourceLocation: sourceLocation)
    #expect(!lower.contains("<a href=javascript"), sourceLocation: sourceLocation)
    #expect(!lower.contains("<b>bold"), sourceLocation: sourceLocation)
}
