import GRDB
import Mail

/// The opening of each message in its author's words (schema 6): the first lines of prose of its
/// body, kept in the index so that a search result page can show what each hit says without
/// reading and decoding its message from git (ten such reads were two thirds of the cost of an
/// uncached result page). The full-text tables keep no text (`content=''`).
enum Gist {
    /// At most this many bytes of a message are kept.
    static let maxBytes = 1024

    static let tables = "CREATE TABLE IF NOT EXISTS gist(num INTEGER PRIMARY KEY, text TEXT NOT NULL);"

    static func exist(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM sqlite_master WHERE type='table' AND name='gist'")) ?? false
    }

    /// The non-blank prose lines of a body (neither quoted nor a diff), trimmed, one per line, up
    /// to `maxBytes`: what the author wrote. A body without prose (a bare diff, a quote alone)
    /// gives its first non-blank lines of any kind. A line that does not fit whole is cut at a
    /// character boundary when it is the first, and left out otherwise.
    static func of(_ lines: [BodyLines.Line]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        for prose in [true, false] {
            for line in lines where !prose || line.kind == .text {
                let t = trimmed(line.text.utf8)
                guard !t.isEmpty else { continue }
                let room = maxBytes - out.count - (out.isEmpty ? 0 : 1)
                if t.count > room {
                    if out.isEmpty { out += prefix(t, room) }
                    return String(decoding: out, as: UTF8.self)
                }
                if !out.isEmpty { out.append(0x0A) }
                out += t
            }
            if !out.isEmpty { break }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func trimmed(_ s: Substring.UTF8View) -> ArraySlice<UInt8> {
        let b = ArraySlice(s)
        var lo = b.startIndex
        var hi = b.endIndex
        while lo < hi && isBlank(b[lo]) { lo += 1 }
        while hi > lo && isBlank(b[hi - 1]) { hi -= 1 }
        return b[lo..<hi]
    }

    static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }

    /// The first `n` bytes of `s` or fewer, ending at a UTF-8 character boundary.
    static func prefix(_ s: ArraySlice<UInt8>, _ n: Int) -> ArraySlice<UInt8> {
        guard s.count > n else { return s }
        var end = s.startIndex + max(0, n)
        while end > s.startIndex && s[end] & 0xC0 == 0x80 { end -= 1 }
        return s[s.startIndex..<end]
    }

    static func insert(_ db: Database, num: Int64, text: String) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO gist(num, text) VALUES (?, ?)").execute(arguments: [num, text])
    }

    static func delete(_ db: Database, num: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM gist WHERE num=?").execute(arguments: [num])
    }
}

extension ArchiveIndex {
    /// What each of the messages `nums` says first (`Gist`), by article number; nil for an index
    /// that predates gists (schema 5 and older, until `SearchUpgrade` has run).
    public func gists(of nums: [Int64]) throws -> [Int64: String]? {
        try pool.read { db in
            guard try Gist.exist(db) else { return nil }
            var out: [Int64: String] = [:]
            guard !nums.isEmpty else { return out }
            let marks = Array(repeating: "?", count: nums.count).joined(separator: ",")
            for row in try Row.fetchAll(db, sql: "SELECT num, text FROM gist WHERE num IN (\(marks))", arguments: StatementArguments(nums))
            {
                out[row[0]] = row[1]
            }
            return out
        }
    }
}
