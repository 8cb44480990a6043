/// What a line of a message body is: prose, quoted text, or a piece of a diff.
public enum LineKind: Sendable, Equatable {
    case text
    case quote
    /// `diff --git`, `index`, `---`/`+++`, mode and rename lines.
    case diffHeader
    /// `@@ -a,b +c,d @@ …`
    case hunkHeader
    case added
    case removed
    case context
}

/// A body split into classified lines, and the search terms a patch carries.
public struct BodyLines: Sendable {
    public struct Line: Sendable, Equatable {
        public var kind: LineKind
        public var text: Substring
    }

    public var lines: [Line]

    public init(_ text: String) {
        lines = BodyLines.classify(text)
    }

    /// Classifies every line of `text`. Diffs are recognised from their headers and followed by
    /// their hunk line counts, so a `-` or `+` line of prose after a hunk is not taken for one.
    public static func classify(_ text: String) -> [Line] {
        enum State { case prose, header, hunk }
        var state = State.prose
        var oldLeft = 0
        var newLeft = 0
        var out: [Line] = []
        // split on LF over UTF-8 (no grapheme work), dropping a CR before it
        let utf8 = text.utf8
        var all: [Substring] = []
        all.reserveCapacity(64)
        var start = utf8.startIndex
        var i = start
        while i != utf8.endIndex {
            if utf8[i] == 0x0A {
                var e = i
                if e > start, utf8[utf8.index(before: e)] == 0x0D { e = utf8.index(before: e) }
                all.append(Substring(utf8[start..<e]))
                start = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        var last = utf8.endIndex
        if last > start, utf8[utf8.index(before: last)] == 0x0D { last = utf8.index(before: last) }
        all.append(Substring(utf8[start..<last]))
        out.reserveCapacity(all.count)
        @inline(__always) func firstByte(_ s: Substring) -> UInt8 { s.utf8.first ?? 0 }
        var n = 0
        while n < all.count {
            let line = all[n]
            let c = firstByte(line)
            switch state {
            case .hunk:
                if c == UInt8(ascii: "+") {
                    out.append(Line(kind: .added, text: line))
                    newLeft -= 1
                } else if c == UInt8(ascii: "-") {
                    out.append(Line(kind: .removed, text: line))
                    oldLeft -= 1
                } else if c == UInt8(ascii: " ") || line.isEmpty {
                    out.append(Line(kind: .context, text: line))
                    oldLeft -= 1
                    newLeft -= 1
                } else if c == UInt8(ascii: "\\") {
                    out.append(Line(kind: .context, text: line))
                } else {
                    state = .prose
                    continue
                }
                if oldLeft <= 0 && newLeft <= 0 { state = .header }
            case .header:
                if c == UInt8(ascii: "@"), let h = hunkCounts(line) {
                    out.append(Line(kind: .hunkHeader, text: line))
                    (oldLeft, newLeft) = h
                    state = (oldLeft <= 0 && newLeft <= 0) ? .header : .hunk
                } else if isDiffHeaderLine(line) {
                    out.append(Line(kind: .diffHeader, text: line))
                } else {
                    state = .prose
                    continue
                }
            case .prose:
                if c == UInt8(ascii: "d") && (line.hasPrefix("diff --git ") || line.hasPrefix("diff --cc ")) {
                    out.append(Line(kind: .diffHeader, text: line))
                    state = .header
                } else if c == UInt8(ascii: "-") && line.hasPrefix("--- ") && n + 2 < all.count && all[n + 1].hasPrefix("+++ ")
                    && hunkCounts(all[n + 2]) != nil
                {
                    out.append(Line(kind: .diffHeader, text: line))
                    state = .header
                } else if isQuote(line) {
                    out.append(Line(kind: .quote, text: line))
                } else {
                    out.append(Line(kind: .text, text: line))
                }
            }
            n += 1
        }
        if out.last?.text.isEmpty == true && out.last?.kind == .text { out.removeLast() }
        return out
    }

    static func isQuote(_ line: Substring) -> Bool {
        for c in line.utf8 {
            if c == UInt8(ascii: ">") { return true }
            if c != UInt8(ascii: " ") && c != UInt8(ascii: "\t") { return false }
        }
        return false
    }

    static let headerPrefixes = [
        "index ", "--- ", "+++ ", "new file mode", "deleted file mode", "old mode", "new mode", "similarity index",
        "dissimilarity index", "rename from", "rename to", "copy from", "copy to", "Binary files", "GIT binary patch",
        "diff --git ",
    ]

    static func isDiffHeaderLine(_ line: Substring) -> Bool {
        headerPrefixes.contains { line.hasPrefix($0) }
    }

    /// The old and new line counts of a hunk header, nil if `line` is not one.
    public static func hunkCounts(_ line: Substring) -> (Int, Int)? {
        guard line.hasPrefix("@@ -") else { return nil }
        let rest = line.dropFirst(4)
        guard let plus = rest.firstIndex(of: "+"), let end = rest[plus...].range(of: " @@") else { return nil }
        // digits only, as git's scan_hunk_header: `-9223372036854775808` is no line count (a
        // body with it crashed indexing and the page when the count was run down past Int.min)
        func number(_ s: Substring) -> Int? {
            guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return Int(s)
        }
        func count(_ s: Substring) -> Int? {
            let parts = s.split(separator: ",")
            guard let first = parts.first, number(first) != nil else { return nil }
            if parts.count > 1 { return number(parts[1].trimmingCharacters(in: " ")) }
            return 1
        }
        guard let a = count(rest[rest.startIndex..<plus].dropLast(rest[rest.startIndex..<plus].hasSuffix(" ") ? 1 : 0)),
            let b = count(rest[rest.index(after: plus)..<end.lowerBound])
        else { return nil }
        return (a, b)
    }

    /// The search-relevant pieces of a body, each line in exactly one of them. Where
    /// public-inbox indexes text apart (each line of a diff; each run of prose or of quote
    /// broken by other lines; each attachment), `gap` stands between, so that no phrase spans
    /// the two (`"memory block"` does not match a diff's `memory` and, a line further,
    /// `block`).
    public struct Terms: Sendable, Equatable {
        /// A private-use character: a word of its own to the full-text tokenizer that no query
        /// asks for.
        public static let gap: Substring = "\u{F8FF}"

        public var unquoted: [Substring] = []
        public var quoted: [Substring] = []
        public var added: [Substring] = []
        public var removed: [Substring] = []
        public var context: [Substring] = []
        public var hunkHeaders: [Substring] = []
        /// File names from `diff --git a/X b/Y`, `---`/`+++` lines (without a/ and b/).
        public var fileNames: [String] = []
        /// Blob id prefixes from `index PRE..POST` lines.
        public var preBlobs: [String] = []
        public var postBlobs: [String] = []

        /// Adds another text's terms after these, apart from them (a file name only once).
        public mutating func append(_ other: Terms) {
            func join(_ a: inout [Substring], _ b: [Substring]) {
                if !a.isEmpty && !b.isEmpty { a.append(Terms.gap) }
                a += b
            }
            join(&unquoted, other.unquoted)
            join(&quoted, other.quoted)
            join(&added, other.added)
            join(&removed, other.removed)
            join(&context, other.context)
            join(&hunkHeaders, other.hunkHeaders)
            fileNames += other.fileNames.filter { !fileNames.contains($0) }
            preBlobs += other.preBlobs
            postBlobs += other.postBlobs
        }
    }

    public var terms: Terms {
        var t = Terms()
        var names = Set<String>()
        func addName(_ n: Substring) {
            var s = n
            if s.hasPrefix("a/") || s.hasPrefix("b/") { s = s.dropFirst(2) }
            if s == "/dev/null" || s.isEmpty { return }
            let str = String(s)
            if names.insert(str).inserted { t.fileNames.append(str) }
        }
        // prose and quote: a gap where other lines came between; diff lines: one apart from the next
        var previous: LineKind?
        func add(_ text: Substring, to list: inout [Substring], run: Bool) {
            if !list.isEmpty && !run { list.append(Terms.gap) }
            list.append(text)
        }
        for l in lines {
            defer { previous = l.kind }
            switch l.kind {
            case .text: add(l.text, to: &t.unquoted, run: previous == .text)
            case .quote: add(l.text, to: &t.quoted, run: previous == .quote)
            case .added: add(l.text.dropFirst(), to: &t.added, run: false)
            case .removed: add(l.text.dropFirst(), to: &t.removed, run: false)
            case .context: add(l.text.dropFirst(), to: &t.context, run: false)
            case .hunkHeader:
                if let r = l.text.range(of: " @@", range: l.text.index(l.text.startIndex, offsetBy: 3)..<l.text.endIndex) {
                    add(l.text[r.upperBound...].drop(while: { $0 == " " }), to: &t.hunkHeaders, run: false)
                }
            case .diffHeader:
                if l.text.hasPrefix("diff --git ") {
                    let parts = l.text.dropFirst(11).split(separator: " ")
                    for p in parts { addName(p) }
                } else if l.text.hasPrefix("--- ") || l.text.hasPrefix("+++ ") {
                    let name = l.text.dropFirst(4).split(separator: "\t").first ?? ""
                    addName(name)
                } else if l.text.hasPrefix("index ") {
                    let spec = l.text.dropFirst(6).split(separator: " ").first ?? ""
                    let ab = spec.split(separator: ".", omittingEmptySubsequences: true)
                    if ab.count == 2 {
                        t.preBlobs.append(String(ab[0]))
                        t.postBlobs.append(String(ab[1]))
                    }
                }
            }
        }
        return t
    }
}

extension Substring {
    /// Drops the given characters from both ends.
    public func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}
