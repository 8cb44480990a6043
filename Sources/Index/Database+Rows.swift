import GRDB

extension Database {
    /// The rows `sql` selects, each decoded by `decode` while the statement stands on it: no copy
    /// of the row is made and its columns are read straight from SQLite (`Row.fetchAll` copied
    /// every row and decoded through `DatabaseValue`, a quarter of the series line's cost). The
    /// statement is compiled once per connection.
    func rows<T>(_ sql: String, _ arguments: StatementArguments = [], _ decode: (Row) throws -> T) throws -> [T] {
        var out: [T] = []
        let cursor = try Row.fetchCursor(cachedStatement(sql: sql), arguments: arguments)
        while let r = try cursor.next() { out.append(try decode(r)) }
        return out
    }
}
