import Mail
import Support

/// `git patch-id --stable`, reimplemented: a patch's id that ignores whitespace, line numbers
/// and the order of its files. b4 looks up review replies by it (`patchid:`).
///
/// A port of git 2.39's builtin/patch-id.c `get_one_patchid` in stable mode: each file's diff
/// (from its `diff ` line) is hashed with SHA-1, whitespace removed from every line, hunk
/// headers and `index` lines skipped; the per-file hashes are summed as 160-bit little-endian
/// numbers with carry. Only the first patch of the input counts, as public-inbox keeps only the
/// first line of git's output.
public enum PatchID {
    /// The patch id of the first patch in `text`, nil when it holds no patch.
    public static func stable(_ text: String) -> String? { stable(bytes: Array(text.utf8)) }

    /// The patch id of the first patch in `bytes` (as `git patch-id --stable < FILE`).
    public static func stable(bytes: [UInt8]) -> String? {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for i in bytes.indices where bytes[i] == 0x0A {
            lines.append(bytes[start...i])  // with its newline, as strbuf_getwholeline
            start = i + 1
        }
        if start < bytes.count { lines.append(bytes[start...]) }
        var next = 0
        while next < lines.count {
            let (length, id) = onePatch(lines, &next)
            if length > 0 { return Digest.hex(id) }
        }
        return nil
    }

    /// The patch ids of a message, one per text part that holds a patch (public-inbox indexes
    /// every text part whose lines start with `diff `, `--- ` or `+++ `), without repeats.
    public static func ids(of message: Message) -> [String] {
        var texts: [String] = []
        for p in message.parts where p.isText && p.contentType != "text/html" && p.contentType != "text/xhtml" {
            if let t = p.text { texts.append(t) }
        }
        if message.parts.isEmpty { texts.append(message.bodyText) }
        var out: [String] = []
        for t in texts where looksLikePatch(t) {
            if let id = stable(t), !out.contains(id) { out.append(id) }
        }
        return out
    }

    /// public-inbox's `/^(?:diff|---|\+\+\+) /ms`.
    static func looksLikePatch(_ text: String) -> Bool {
        var atLineStart = true
        var u = text.utf8[...]
        while let c = u.first {
            if atLineStart && (c == UInt8(ascii: "d") || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")) {
                if u.starts(with: "diff ".utf8) || u.starts(with: "--- ".utf8) || u.starts(with: "+++ ".utf8) { return true }
            }
            atLineStart = c == 0x0A
            u = u.dropFirst()
        }
        return false
    }

    private static func starts(_ line: ArraySlice<UInt8>, _ prefix: StaticString) -> Bool {
        let p = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        return line.count >= p.count && zip(line, p).allSatisfy { $0 == $1 }
    }

    private static func isHex(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }

    private static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }

    /// 160-bit addition with carry, as git's flush_one_hunk.
    private static func add(_ result: inout [UInt8], _ hash: [UInt8]) {
        var carry: UInt16 = 0
        for i in 0..<20 {
            carry += UInt16(result[i]) + UInt16(hash[i])
            result[i] = UInt8(truncatingIfNeeded: carry)
            carry >>= 8
        }
    }

    /// git's get_one_patchid (stable, not verbatim): reads lines from `next` on; returns the
    /// hashed length (0: no patch) and the id.
    private static func onePatch(_ lines: [ArraySlice<UInt8>], _ next: inout Int) -> (Int, [UInt8]) {
        var ctx = SHA1()
        var result = [UInt8](repeating: 0, count: 20)
        var patchLength = 0
        var before = -1
        var after = -1
        while next < lines.count {
            let line = lines[next]
            next += 1
            var p = line
            if starts(line, "diff-tree ") {
                p = line.dropFirst(10)
            } else if starts(line, "commit ") {
                p = line.dropFirst(7)
            } else if starts(line, "From ") {
                p = line.dropFirst(5)
            } else if starts(line, "\\ ") && line.count > 12 {
                continue
            }
            if p.count >= 40 && p.prefix(40).allSatisfy(isHex) { break }  // the next commit
            if patchLength == 0 && !starts(line, "diff ") { continue }
            let first = line.first ?? 0
            if before == -1 {
                if starts(line, "index ") {
                    continue
                } else if starts(line, "--- ") {
                    before = 1
                    after = 1
                } else if !isAlpha(first) {
                    break
                }
            }
            if before == 0 && after == 0 {
                if starts(line, "@@ -") {
                    // git's scan_hunk_header: the old and new line counts of `@@ -a,b +c,d @@`
                    if let (b, a) = BodyLines.hunkCounts(Substring(decoding: line, as: UTF8.self)) {
                        before = b
                        after = a
                    }
                    continue
                }
                if !starts(line, "diff ") { break }
                add(&result, ctx.finalize())
                ctx = SHA1()
                before = -1
                after = -1
            }
            if first == UInt8(ascii: "-") || first == UInt8(ascii: " ") { before -= 1 }
            if first == UInt8(ascii: "+") || first == UInt8(ascii: " ") { after -= 1 }
            let stripped = line.filter { !isSpace($0) }
            patchLength += stripped.count
            ctx.update(stripped)
        }
        add(&result, ctx.finalize())
        return (patchLength, result)
    }
}
