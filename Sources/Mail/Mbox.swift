import Support

#if canImport(Glibc)
    import Glibc
#endif

/// The mbox variants a reader can split.
public enum MboxFormat: String, Sendable, CaseIterable {
    /// `>From ` quoting reversible: every `>*From ` line loses one `>`.
    case mboxrd
    /// Only `From ` lines were quoted: `>From ` becomes `From `.
    case mboxo
    /// Content-Length says where the body ends; `>From ` quoted as mboxo.
    case mboxcl
    /// Content-Length says where the body ends; nothing quoted.
    case mboxcl2
}

/// One message split out of a mailbox, with where it came from.
public struct MboxEntry: Sendable {
    public var bytes: [UInt8]
    /// Byte offset of its `From ` line in the (decompressed) mailbox.
    public var offset: Int
    /// The date on the `From ` line, when it has one: the time the message was received.
    public var receivedAt: Int64?
}

/// Splits a mailbox into messages, streaming.
public struct MboxReader {
    public let format: MboxFormat
    private let reader: LineReader

    /// `bufferSize`: the first read's size (the buffer grows for longer lines).
    public init(fd: Int32, format: MboxFormat, bufferSize: Int = 1 << 20) {
        self.format = format
        self.reader = LineReader(fd: fd, bufferSize: bufferSize)
    }

    /// Calls `body` with each message in order.
    public func forEach(_ body: (MboxEntry) throws -> Void) throws {
        var current: [UInt8] = []
        var currentOffset = 0
        var received: Int64?
        var started = false
        var previousBlank = true
        var pendingBlank: ArraySlice<UInt8>?
        func finish() throws {
            if started { try body(MboxEntry(bytes: current, offset: currentOffset, receivedAt: received)) }
            current = []
        }
        while true {
            let lineOffset = reader.offset
            guard let line = reader.nextLine() else { break }
            if isFromLine(line) && previousBlank {
                // the blank line before a From_ line belongs to the separator
                pendingBlank = nil
                try finish()
                started = true
                currentOffset = lineOffset
                received = MboxReader.fromLineDate(line)
                previousBlank = false
                if format == .mboxcl || format == .mboxcl2 {
                    let (message, complete) = readWithContentLength()
                    current = message
                    previousBlank = complete
                }
                continue
            }
            if !started {
                // no From_ line: a single message file
                started = true
                currentOffset = lineOffset
            }
            if let b = pendingBlank {
                current += b
                pendingBlank = nil
            }
            let blank = line.count == 1 || (line.count == 2 && line.first == 0x0D)
            if blank {
                pendingBlank = line
                previousBlank = true
                continue
            }
            previousBlank = false
            current += unquote(line)
        }
        if let b = pendingBlank, format == .mboxcl2 { current += b }
        try finish()
    }

    /// For mboxcl/mboxcl2: reads the header block, then Content-Length bytes of body. Without
    /// a usable Content-Length only the header block is returned, and the caller goes on line
    /// by line as for mboxo.
    private func readWithContentLength() -> (message: [UInt8], complete: Bool) {
        var head: [UInt8] = []
        var length: Int?
        while let line = reader.nextLine() {
            head += line
            if line.count == 1 || (line.count == 2 && line.first == 0x0D) { break }
            let lower = String(decoding: line.prefix(16), as: UTF8.self).lowercased()
            if lower.hasPrefix("content-length:") {
                length = Int(String(decoding: line.dropFirst(15), as: UTF8.self).trimmingASCIIWhitespace())
            }
        }
        guard let length, length >= 0 else { return (head, false) }
        var body = reader.read(count: length)
        if format == .mboxcl { body = unquoteAll(body) }
        return (head + body, true)
    }

    private func isFromLine(_ line: ArraySlice<UInt8>) -> Bool {
        line.count >= 5 && line.starts(with: [0x46, 0x72, 0x6F, 0x6D, 0x20])  // "From "
    }

    private func unquote(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        switch format {
        case .mboxcl2: return line
        case .mboxrd:
            // >+From  → one > fewer
            var i = line.startIndex
            while i < line.endIndex && line[i] == UInt8(ascii: ">") { i += 1 }
            if i > line.startIndex && line[i...].starts(with: [0x46, 0x72, 0x6F, 0x6D, 0x20]) {
                return line.dropFirst()
            }
            return line
        case .mboxo, .mboxcl:
            if line.starts(with: Array(">From ".utf8)) { return line.dropFirst() }
            return line
        }
    }

    private func unquoteAll(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            var j = i
            while j < bytes.count && bytes[j] != 0x0A { j += 1 }
            let end = j < bytes.count ? j + 1 : j
            out += unquote(bytes[i..<end])
            i = end
        }
        return out
    }

    /// The asctime date at the end of a `From sender Thu Jan  1 00:00:00 1970` line.
    static func fromLineDate(_ line: ArraySlice<UInt8>) -> Int64? {
        let s = String(decoding: line, as: UTF8.self).trimmingASCIIWhitespace()
        let words = s.split(separator: " ")
        guard words.count >= 7 else { return nil }
        let tail = words.suffix(5)  // Day Mon DD HH:MM:SS YYYY
        let arr = Array(tail)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let mi = months.firstIndex(of: String(arr[1])), let day = Int(arr[2]), let year = Int(arr[4]) else {
            return nil
        }
        let hms = arr[3].split(separator: ":").compactMap { Int($0) }
        // a year or time no calendar has is no date (`From x Thu Jan 1 00:00:00 99999999999999`
        // overflowed the calendar arithmetic and stopped the import: found by fuzz.sh mbox)
        guard hms.count >= 2, (1...9999).contains(year), (1...31).contains(day), hms.allSatisfy({ (0...60).contains($0) })
        else { return nil }
        if year == 1970 && mi == 0 && day == 1 { return nil }  // mboxrd@z placeholder
        return UTCCalendar.seconds(year: year, month: mi + 1, day: day, hour: hms[0], minute: hms[1], second: hms.count > 2 ? hms[2] : 0)
    }
}

/// Writes messages as mboxrd, public-inbox's export form.
public enum MboxrdWriter {
    /// The separator line public-inbox writes before every message.
    public static let separator = Array("From mboxrd@z Thu Jan  1 00:00:00 1970\n".utf8)

    /// One message as an mboxrd entry: separator, `>*From ` lines quoted once more, a blank line
    /// after. CRLF line endings become LF.
    public static func entry(_ raw: [UInt8]) -> [UInt8] {
        var e = Encoder()
        var out = e.encode(raw[...])
        out += e.finish()
        return out
    }

    /// Writes one message as an mboxrd entry from pieces of any size, so that a message need
    /// not be held whole (`raw` of a large message streams from git). Optionally drops the
    /// message's own `From ` line and the header fields named in `dropping` (lower case).
    public struct Encoder: Sendable {
        private let dropping: Set<String>
        private let skipsFromLine: Bool
        private var carry: [UInt8] = []
        private var started = false
        private var inHeader = true
        private var firstLine = true
        private var droppingField = false

        public init(dropping: Set<String> = [], skipsFromLine: Bool = false) {
            self.dropping = dropping
            self.skipsFromLine = skipsFromLine
        }

        /// The entry's bytes for `piece` (lines cut by the piece's end wait for the next).
        public mutating func encode(_ piece: ArraySlice<UInt8>) -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(piece.count + carry.count + 64)
            if !started {
                started = true
                out += MboxrdWriter.separator
            }
            var rest = piece
            if !carry.isEmpty {
                // finish the line the last piece cut
                guard let nl = piece.firstIndex(of: 0x0A) else {
                    carry += piece
                    return out
                }
                carry += piece[...nl]
                line(carry[...], into: &out)
                carry.removeAll(keepingCapacity: true)
                rest = piece[(nl + 1)...]
            }
            var i = rest.startIndex
            while let nl = rest[i...].firstIndex(of: 0x0A) {
                line(rest[i...nl], into: &out)
                i = nl + 1
            }
            carry += rest[i...]
            return out
        }

        /// The rest of the entry once every piece was given: its last line and the blank line.
        public mutating func finish() -> [UInt8] {
            var out: [UInt8] = []
            if !started {
                started = true
                out += MboxrdWriter.separator
            }
            if !carry.isEmpty { line(carry[...], into: &out) }
            carry = []
            out.append(0x0A)
            return out
        }

        /// One line with its newline (none for a last line without one).
        private mutating func line(_ l: ArraySlice<UInt8>, into out: inout [UInt8]) {
            if inHeader {
                if l.first == 0x0A || (l.first == 0x0D && l.count <= 2) {
                    inHeader = false  // the blank line: the body follows, kept whole
                } else {
                    defer { firstLine = false }
                    if skipsFromLine && firstLine && l.starts(with: [0x46, 0x72, 0x6F, 0x6D, 0x20]) { return }
                    if l.first != 0x20 && l.first != 0x09 && !dropping.isEmpty {
                        let name = l.prefix { $0 != UInt8(ascii: ":") }
                        droppingField = dropping.contains(String(decoding: name, as: UTF8.self).lowercased())
                    }
                    if droppingField { return }
                }
            }
            var end = l.endIndex
            if end > l.startIndex && l[end - 1] == 0x0A { end -= 1 }
            if end > l.startIndex && l[end - 1] == 0x0D { end -= 1 }
            var k = l.startIndex
            while k < end && l[k] == UInt8(ascii: ">") { k += 1 }
            if end - k >= 5 && l[k..<(k + 5)].elementsEqual([0x46, 0x72, 0x6F, 0x6D, 0x20]) { out.append(UInt8(ascii: ">")) }
            out += l[l.startIndex..<end]
            out.append(0x0A)
        }
    }
}
