import Foundation
import GRDB
import TestSupport
import Testing

@testable import Index

/// Bounds on one search: term and wildcard caps, and a deadline SQLite enforces.
@Suite struct SearchLimitsTests {
    static let now: Int64 = 1_600_000_000

    @Test func termAndWildcardCaps() throws {
        let wild = (0..<1000).map { "w\($0)x*" }.joined(separator: " OR ")
        #expect(throws: SearchQuery.ParseError("the query has 1000 wildcard terms; at most \(SearchLimits.maxWildcards) are allowed")) {
            try SearchQuery.parse(wild, now: Self.now)
        }
        let atCap = (0..<SearchLimits.maxWildcards).map { "w\($0)x*" }.joined(separator: " OR ")
        _ = try SearchQuery.parse(atCap, now: Self.now)
        let words = (0...SearchLimits.maxTerms).map { "word\($0)" }.joined(separator: " OR ")
        #expect(throws: SearchQuery.ParseError.self) { try SearchQuery.parse(words, now: Self.now) }
        // b4's long ORs of patch ids and Message-IDs are table lookups, not full-text terms
        let pids = (0..<600).map { "patchid:" + String(repeating: String(format: "%02x", $0 % 256), count: 20) }.joined(separator: " OR ")
        _ = try SearchQuery.parse(pids, now: Self.now)
    }

    /// A query past its deadline is stopped by SQLite itself (the progress handler), not left to
    /// run: a statement that never ends by itself ends as `SearchTimedOut`.
    @Test func deadlineInterruptsSQLite() throws {
        let inbox = try TemporaryInbox(name: "limits", address: "limits@example.org")
        let index = inbox.inbox.index
        let start = ContinuousClock.now
        #expect(throws: SearchTimedOut.self) {
            try SearchLimits.withDeadline(.now + .milliseconds(200)) {
                let deadline = SearchLimits.deadline
                return try index.read { db in
                    try SearchLimits.bounded(db, deadline: deadline) {
                        try Int.fetchOne(db, sql: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")
                    }
                }
            }
        }
        #expect(ContinuousClock.now - start < .seconds(3))
        // the handler is removed afterwards: the connection still answers
        #expect(try index.read { try Int.fetchOne($0, sql: "SELECT 1") } == 1)
        // and a deadline already past refuses the search before it starts
        #expect(throws: SearchTimedOut.self) { try SearchLimits.withDeadline(.now - .seconds(1)) { 1 } }
    }
}
