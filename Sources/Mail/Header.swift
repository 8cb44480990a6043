/// One header field as it appeared in the message: its name and raw value bytes
/// (folding kept, 8-bit bytes kept).
public struct HeaderField: Sendable, Equatable {
    public let name: String
    /// `name` lower-cased, for lookups.
    public let lowercasedName: String
    public let rawValue: [UInt8]

    public init(name: String, rawValue: [UInt8]) {
        self.name = name
        self.lowercasedName = HeaderField.asciiLowercased(name)
        self.rawValue = rawValue
    }

    /// `s` with ASCII capitals lowered (field names are ASCII; `lowercased()` is Unicode's, slower).
    static func asciiLowercased(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return s }
        return String(decoding: s.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// The value with folding removed (CR/LF before whitespace dropped), leading/trailing
    /// whitespace trimmed, still undecoded. Invalid UTF-8 is carried as Latin-1.
    public var unfolded: String {
        var out = [UInt8]()
        out.reserveCapacity(rawValue.count)
        for b in rawValue where b != 0x0A && b != 0x0D { out.append(b) }
        return Charset.stringFromHeaderBytes(out).trimmingASCIIWhitespace()
    }

    /// The unfolded raw bytes (no CR/LF), trimmed.
    public var unfoldedBytes: [UInt8] {
        var out = rawValue.filter { $0 != 0x0A && $0 != 0x0D }
        while let f = out.first, f == 0x20 || f == 0x09 { out.removeFirst() }
        while let l = out.last, l == 0x20 || l == 0x09 { out.removeLast() }
        return out
    }
}

/// The header block of a message: fields in their original order, duplicates kept.
public struct Headers: Sendable, Equatable {
    public var fields: [HeaderField]

    public init(fields: [HeaderField] = []) { self.fields = fields }

    /// All raw fields named `name` (case-insensitive), in order.
    public func all(_ name: String) -> [HeaderField] {
        let lower = HeaderField.asciiLowercased(name)
        return fields.filter { $0.lowercasedName == lower }
    }

    /// The unfolded values of all fields named `name`.
    public func values(_ name: String) -> [String] { all(name).map(\.unfolded) }

    /// The first unfolded value of `name`.
    public func first(_ name: String) -> String? { all(name).first?.unfolded }

    /// Parses a header block (the bytes before the first empty line). Lines that are neither
    /// a field nor a continuation (an mbox `From ` line, junk) are skipped.
    ///
    /// `only` (lower-case names) keeps just those fields and skips the others without building
    /// them: reading a body needs three fields of forty.
    public static func parse(_ bytes: ArraySlice<UInt8>, only: [String]? = nil) -> Headers {
        let wanted = only?.map { Array($0.utf8) }
        func isWanted(_ n: ArraySlice<UInt8>) -> Bool {
            guard let wanted else { return true }
            return wanted.contains { w in
                w.count == n.count && zip(w, n).allSatisfy { a, b in a == (b >= 0x41 && b <= 0x5A ? b + 0x20 : b) }
            }
        }
        var fields: [HeaderField] = []
        var name: String?
        var value: [UInt8] = []
        func flush() {
            if let n = name {
                // without its final line ending
                while let l = value.last, l == 0x0A || l == 0x0D { value.removeLast() }
                fields.append(HeaderField(name: n, rawValue: value))
            }
            name = nil
            value = []
        }
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            var j = i
            while j < end && bytes[j] != 0x0A { j += 1 }
            let lineEnd = j < end ? j + 1 : j
            let line = bytes[i..<lineEnd]
            let first = line.first ?? 0
            if first == 0x20 || first == 0x09 {
                if name != nil { value += line }
            } else if let colon = line.firstIndex(of: UInt8(ascii: ":")),
                colon > line.startIndex,
                line[line.startIndex..<colon].allSatisfy({ $0 > 0x20 && $0 < 0x7F })
            {
                flush()
                guard isWanted(line[line.startIndex..<colon]) else {
                    i = lineEnd
                    continue
                }
                name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
                var v = Array(line[(colon + 1)...])
                if v.first == 0x20 { v.removeFirst() }
                value = v
            } else {
                flush()
            }
            i = lineEnd
        }
        flush()
        return Headers(fields: fields)
    }
}

/// Where the header block of raw message bytes ends: the index of the body's first byte
/// (after the empty line), or `bytes.count` when there is no body.
public func headerBoundary(_ bytes: [UInt8]) -> (headerEnd: Int, bodyStart: Int) { headerBoundary(bytes[...]) }

/// The same for a piece of a message (a MIME part); the indices are the slice's own.
public func headerBoundary(_ bytes: ArraySlice<UInt8>) -> (headerEnd: Int, bodyStart: Int) {
    let s = bytes.startIndex
    let n = bytes.endIndex
    // an empty first line means no headers at all
    if n > s && bytes[s] == 0x0A { return (s, s + 1) }
    if n > s + 1 && bytes[s] == 0x0D && bytes[s + 1] == 0x0A { return (s, s + 2) }
    var i = s
    while i < n {
        if bytes[i] == 0x0A {
            if i + 1 < n && bytes[i + 1] == 0x0A { return (i + 1, i + 2) }
            if i + 2 < n && bytes[i + 1] == 0x0D && bytes[i + 2] == 0x0A { return (i + 1, i + 3) }
        }
        i += 1
    }
    return (n, n)
}

extension String {
    /// Trims spaces, tabs, CR and LF from both ends.
    public func trimmingASCIIWhitespace() -> String {
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        func ws(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" || s == "\r" || s == "\n" }
        while start < end && ws(scalars[start]) { start = scalars.index(after: start) }
        while end > start && ws(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        return String(scalars[start..<end])
    }
}
