import Foundation
import GRDB

/// Questions about single messages by number or Message-ID.
extension ArchiveIndex {
    /// The content hash public-inbox uses to tell copies of a message apart.
    public func contentHash(num: Int64) throws -> [UInt8]? {
        try read { db in
            try Data.fetchOne(db.cachedStatement(sql: "SELECT chash FROM over WHERE num=?"), arguments: [num]).map { Array($0) }
        }
    }

    /// Which of `mids` are stored (for linking Message-IDs quoted in bodies).
    public func stored(among mids: [String]) throws -> Set<String> {
        guard !mids.isEmpty else { return [] }
        return try read { db in
            var out = Set<String>()
            let st = try db.cachedStatement(sql: "SELECT 1 FROM msgid WHERE mid=? LIMIT 1")
            for m in mids where try Bool.fetchOne(st, arguments: [m]) ?? false { out.insert(m) }
            return out
        }
    }
}
