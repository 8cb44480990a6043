import Foundation
import Index
import Mail
import TestSupport

/// All corpus fixtures imported once into a temporary inbox, shared (read-only) by the tests.
enum SearchFixture {
    nonisolated(unsafe) static let inbox: TemporaryInbox = {
        let t = try! TemporaryInbox()
        try! t.importFiles(Fixtures.corpusFiles.map(Fixtures.corpusPath))
        return t
    }()

    static var index: ArchiveIndex { inbox.inbox.index }

    /// The manifest entry of the fixture file whose name starts with `prefix` ("028").
    static func entry(_ prefix: String) -> Fixtures.Entry {
        Fixtures.manifest.first { $0.file.hasPrefix(prefix + "-") }!
    }

    static func mid(_ prefix: String) -> String { entry(prefix).messageID }

    static func message(_ prefix: String) -> Message { Message.parse(Fixtures.corpus(entry(prefix).file)) }

    /// 2020-06-15 12:00:00 UTC, a Monday.
    static let now: Int64 = 1_592_222_400

    /// The Message-IDs that `q` finds (all of them).
    static func hits(_ q: String, now: Int64 = now) throws -> Set<String> {
        let r = try index.search(SearchQuery.parse(q, now: now), limit: 1000)
        return Set(r.rows.map(\.mid))
    }

    /// Runs `git ARGS` with `input` on stdin; its stdout.
    static func git(_ args: [String], input: [UInt8] = [], environment: [String: String] = [:]) throws -> String {
        try Command.run(["git"] + args, input: input, env: environment).text
    }

    /// The longest word (letters only, 5+) of `text`.
    static func longestWord(_ text: some StringProtocol) -> String? {
        let words = String(text).split { (c: Character) in !c.isLetter }.map(String.init)
        return words.filter { $0.count >= 5 }.max { $0.count < $1.count }
    }
}
