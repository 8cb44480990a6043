import Foundation
import GRDB
import GRDBSQLite

/// How much work one search may do. A query is refused up front when it names more terms than
/// `maxTerms` or more wildcards than `maxWildcards` (FTS5 expands each prefix into a merged list
/// of every matching term in one step that cannot be interrupted); whatever is left is bounded
/// in time by a deadline that SQLite checks while it runs (`sqlite3_progress_handler`).
public enum SearchLimits {
    /// Most full-text terms in one query (b4's long `patchid:` and Message-ID ORs are not
    /// full-text terms: they are looked up in their own tables).
    public static let maxTerms = 256
    /// Most wildcard terms (`foo*`, `dfblob:abc1234`, `m:prefix*`) in one query.
    public static let maxWildcards = 16
    /// The deadline of the searches run on this thread (set by the server for each search, see
    /// `withDeadline`); nil: no limit (CLI, tests).
    @TaskLocal public static var deadline: ContinuousClock.Instant?

    /// Runs `body` with searches on this thread bounded by `deadline`.
    public static func withDeadline<T>(_ deadline: ContinuousClock.Instant, _ body: () throws -> T) throws -> T {
        if ContinuousClock.now >= deadline { throw SearchTimedOut() }
        return try $deadline.withValue(deadline) { try body() }
    }

    /// Refuses a query whose terms exceed the limits, with the reason.
    public static func check(_ root: SearchQuery.Node) throws {
        var terms = 0
        var wildcards = 0
        func walk(_ n: SearchQuery.Node) {
            switch n {
            case .text(_, _, let wildcard, _):
                terms += 1
                if wildcard { wildcards += 1 }
            case .blob:
                terms += 1
                wildcards += 1
            case .messageID(_, let wildcard): if wildcard { wildcards += 1 }
            case .and(let inc, let exc): (inc + exc).forEach(walk)
            case .or(let c): c.forEach(walk)
            case .patchID, .crash, .range, .nothing: break
            }
        }
        walk(root)
        if wildcards > maxWildcards {
            throw SearchQuery.ParseError("the query has \(wildcards) wildcard terms; at most \(maxWildcards) are allowed")
        }
        if terms > maxTerms {
            throw SearchQuery.ParseError("the query has \(terms) terms; at most \(maxTerms) are allowed")
        }
    }

    /// Runs `body` on `db` so that SQLite stops it (`SearchTimedOut`) once the current
    /// `deadline` has passed.
    static func bounded<T>(_ db: Database, deadline: ContinuousClock.Instant?, _ body: () throws -> T) throws -> T {
        guard let deadline else { return try body() }
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { throw SearchTimedOut() }
        let end = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        end.pointee =
            DispatchTime.now().uptimeNanoseconds &+ UInt64(left.components.seconds) * 1_000_000_000
            &+ UInt64(left.components.attoseconds / 1_000_000_000)
        defer { end.deallocate() }
        // called every 1,000 virtual machine steps (FTS5 row steps included): nonzero interrupts
        sqlite3_progress_handler(
            db.sqliteConnection, 1000,
            { ctx in DispatchTime.now().uptimeNanoseconds > ctx!.assumingMemoryBound(to: UInt64.self).pointee ? 1 : 0 }, end)
        defer { sqlite3_progress_handler(db.sqliteConnection, 0, nil, nil) }
        do {
            return try body()
        } catch let e as DatabaseError where e.resultCode == .SQLITE_INTERRUPT {
            throw SearchTimedOut()
        }
    }
}

/// A search ran past its deadline (`SearchLimits.deadline`) and was stopped.
public struct SearchTimedOut: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the search took too long and was stopped" }
}
