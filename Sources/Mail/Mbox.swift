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
    /// The message, or of one larger than the reader's `maxMessageBytes`, its first bytes.
    public var bytes: [UInt8]
    /// The message's size in the mailbox, all of it counted (`bytes.count` unless truncated).
    public var size: Int
    /// Byte offset of its `From ` line in the (decompressed) mailbox.
    public var offset: Int
    /// The date on the `From ` line, when it has one: the time the message was received.
    public var receivedAt: Int64?

    public var isTruncated: Bool { size > bytes.count }
}

/// Splits a mailbox into messages, streaming. Memory is bounded whatever the input: lines are
/// read in pieces of at most the buffer size, and of a message over `maxMessageBytes` only that
/// many bytes are kept while the rest is counted (a 1 GiB message in a 1 MB gzip took 3.18 GB
/// of RSS before).
public struct MboxReader {
    public let format: MboxFormat
    private let reader: LineReader
    private let pieceSize: Int
    private let keep: Int

    /// `bufferSize`: the first read's size (the buffer grows for lines up to the piece size:
    /// the larger of it and 64 KiB, so that separators, quoting and Content-Length are read
    /// the same whatever the buffer). `maxMessageBytes`: how much of one message is kept (nil:
    /// all of it).
    public init(fd: Int32, format: MboxFormat, bufferSize: Int = 1 << 20, maxMessageBytes: Int? = nil) {
        self.format = format
        self.reader = LineReader(fd: fd, bufferSize: bufferSize)
        pieceSize = max(1 << 16, bufferSize)
        keep = max(0, maxMessageBytes ?? Int.max)
    }

    /// A message being read: its first `keep` bytes, and how many it has.
    struct Accumulated {
        let keep: Int
        var bytes: [UInt8] = []
        var size = 0

        mutating func append(_ piece: ArraySlice<UInt8>) {
            size += piece.count
            if bytes.count < keep { bytes += piece.prefix(keep - bytes.count) }
        }
    }

    /// Calls `body` with each message in order.
    public func forEach(_ body: (MboxEntry) throws -> Void) throws {
        var current = Accumulated(keep: keep)
        var currentOffset = 0
        var received: Int64?
        var started = false
        var previousBlank = true
        var pendingBlank: ArraySlice<UInt8>?
        var lineStart = true
        func finish() throws {
            if started {
                try body(MboxEntry(bytes: current.bytes, size: current.size, offset: currentOffset, receivedAt: received))
            }
            current = Accumulated(keep: keep)
        }
        while true {
            let lineOffset = reader.offset
            guard let line = reader.nextLine(atMost: pieceSize) else { break }
            let continues = !lineStart
            lineStart = line.last == 0x0A
            if continues {
                // the rest of a line longer than a piece: never a From_ line, never blank
                current.append(line)
                continue
            }
            if isFromLine(line) && previousBlank {
                // the blank line before a From_ line belongs to the separator
                pendingBlank = nil
                try finish()
                started = true
                currentOffset = lineOffset
                received = MboxReader.fromLineDate(line)
                previousBlank = false
                skipRestOfLine(&lineStart)
                if format == .mboxcl || format == .mboxcl2 { previousBlank = readWithContentLength(into: &current) }
                continue
            }
            if !started {
                // blank lines before the first From_ line (an mbox that begins with one) are
                // no message; else no From_ line: a single message file
                if MboxReader.isBlank(line) { continue }
                started = true
                currentOffset = lineOffset
            }
            if let b = pendingBlank {
                current.append(b)
                pendingBlank = nil
            }
            if MboxReader.isBlank(line) {
                pendingBlank = line
                previousBlank = true
                continue
            }
            previousBlank = false
            current.append(unquote(line))
        }
        if let b = pendingBlank, format == .mboxcl2 { current.append(b) }
        try finish()
    }

    /// A whole line holding nothing but its line end.
    static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
        (line.count == 1 && line.first == 0x0A) || (line.count == 2 && line.first == 0x0D && line.last == 0x0A)
    }

    /// Drops the pieces of a line longer than a piece (a From_ line) after its first.
    private func skipRestOfLine(_ lineStart: inout Bool) {
        while !lineStart, let rest = reader.nextLine(atMost: pieceSize) { lineStart = rest.last == 0x0A }
        lineStart = true
    }

    /// For mboxcl/mboxcl2: reads the header block, then Content-Length bytes of body (those
    /// past what `current` keeps are counted, not held). Without a usable Content-Length only
    /// the header block is read, and the caller goes on line by line as for mboxo. Returns
    /// whether the body was read by its length.
    private func readWithContentLength(into current: inout Accumulated) -> Bool {
        var length: Int?
        var lineStart = true
        while let line = reader.nextLine(atMost: pieceSize) {
            current.append(line)
            let whole = lineStart
            lineStart = line.last == 0x0A
            guard whole else { continue }
            if MboxReader.isBlank(line) { break }
            let lower = String(decoding: line.prefix(16), as: UTF8.self).lowercased()
            if lower.hasPrefix("content-length:") {
                length = Int(String(decoding: line.dropFirst(15).prefix(64), as: UTF8.self).trimmingASCIIWhitespace())
            }
        }
        skipRestOfLine(&lineStart)
        guard let length, length >= 0 else { return false }
        let room = min(length, max(0, current.keep - current.bytes.count))
        let body = read(upTo: room)
        current.append((format == .mboxcl ? unquoteAll(body) : body)[...])
        if body.count == room && length > room { current.size += reader.skip(count: length - room) }
        return true
    }

    /// Up to `n` bytes, fewer at the end of input, read a piece at a time (a Content-Length of
    /// 10^18 costs what the input holds, not an allocation of that size).
    private func read(upTo n: Int) -> [UInt8] {
        var out: [UInt8] = []
        while out.count < n {
            let chunk = reader.read(count: min(n - out.count, pieceSize))
            if chunk.isEmpty { break }
            out += chunk
        }
        return out
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
