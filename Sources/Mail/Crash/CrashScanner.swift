import Foundation

/// Finds the kernel crash reports in a message body: in its own text and in quoted text (`> `,
/// `>>`, nested), with the lines a mail client wrapped joined again (a line without the
/// timestamp the report's lines have, a frame's `[module]` or source path pushed to the next
/// line). Lines of diffs are not read: a patch's commit message may carry a report, its code
/// may not.
public enum CrashScanner {
    /// Frames kept per report.
    public static let maxFrames = 8
    /// Lines read after a headline at most.
    static let maxReportLines = 400

    /// The reports in `lines` (a body as `BodyLines` classifies it), each crash once: a second
    /// report with the same signature is left out, as are oopses numbered 2 or more (`[#2]`:
    /// what followed from the first).
    public static func reports(in lines: [BodyLines.Line]) -> [CrashReport] {
        guard lines.contains(where: { ($0.kind == .text || $0.kind == .quote) && mayStartReport($0.text) }) else { return [] }
        let log = logicalLines(lines)
        var syzbot: [Int: String] = [:]
        for case let l? in log {
            if syzbot[l.depth] == nil, let id = syzbotID(l.text) { syzbot[l.depth] = id }
        }
        var out: [CrashReport] = []
        var seen: Set<String> = []
        var lastEnd = -10
        // quote depths that had a report: a panic after one is its consequence
        var reported: Set<Int> = []
        var i = 0
        while i < log.count {
            guard let l = log[i], let h = CrashHeadline(Substring(l.text)) else {
                i += 1
                continue
            }
            if h.continuation && (i - lastEnd <= 5 || reported.contains(l.depth)) {
                i += 1
                continue
            }
            // syzbot: `BUG: KASAN: … in inlined_fn file.c:151 [inline]` above the line naming
            // the function it was inlined in, which is what an unsymbolized report shows
            if l.text.hasSuffix("[inline]"), i + 1 < log.count, let next = log[i + 1], CrashHeadline(Substring(next.text))?.kind == h.kind {
                i += 1
                continue
            }
            let (report, end) = read(log, headline: h, at: i)
            lastEnd = end
            i = max(end, i + 1)
            guard var r = report else { continue }
            reported.insert(l.depth)
            r.syzbotID = syzbot[l.depth]
            if seen.insert(r.signature).inserted {
                out.append(r)
            } else if !r.quoted, let k = out.firstIndex(where: { $0.signature == r.signature }) {
                out[k].quoted = false
            }
        }
        return out
    }

    /// A log line after joining what a mail client wrapped.
    struct Logical {
        var depth: Int
        var timestamped: Bool
        var indent: Int
        var text: String
    }

    /// Text and quoted lines as log lines, wrapped lines joined; nil where a diff line or other
    /// break stands.
    static func logicalLines(_ lines: [BodyLines.Line]) -> [Logical?] {
        var out: [Logical?] = []
        out.reserveCapacity(lines.count)
        for line in lines {
            guard line.kind == .text || line.kind == .quote else {
                out.append(nil)
                continue
            }
            let l = CrashLogLine(line.text)
            if let last = out.last, var p = last, p.depth == l.depth, !l.text.isEmpty, !p.text.isEmpty || p.timestamped,
                continues(p, l)
            {
                p.text += p.text.isEmpty ? String(l.text) : " " + l.text
                out[out.count - 1] = p
                continue
            }
            out.append(Logical(depth: l.depth, timestamped: l.timestamped, indent: l.indent, text: String(l.text)))
        }
        return out
    }

    /// Whether `l` is the rest of `p` that a mail client pushed to a line of its own.
    static func continues(_ p: Logical, _ l: CrashLogLine) -> Bool {
        if p.timestamped && !l.timestamped { return true }
        if p.timestamped || l.timestamped { return false }
        // an untimestamped frame: `[<…>] ?` or a source path or `[inline]` on the next line
        if (p.text.hasSuffix("?") || p.text.hasSuffix(">]")) && p.text.contains("[<") { return true }
        guard p.indent > 0, l.indent == 0 else { return false }
        guard p.text.contains("+0x") || p.text.contains("[<") || p.text.contains(".c:") else { return false }
        return l.text.hasPrefix("[") || CrashFrame.startsWithPath(l.text)
    }

    /// Whether a body line may start a report: most lines are refused on the first byte after
    /// quote marks and blanks (a headline's first letter, a timestamp's `[`, a log level's `<`,
    /// a syslog date's month), the rest on their first words (`BUG_ON(…)` is no headline).
    static func mayStartReport(_ s: Substring) -> Bool {
        guard let c = s.utf8.first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") && $0 != UInt8(ascii: ">") }),
            firstBytes.contains(c)
        else { return false }
        return CrashHeadline.mayStart(CrashLogLine(s).text)
    }

    /// Headlines' first letters, `[`, `<`, and the first letters of months.
    static let firstBytes = Set("kBWgOUIrKNwC[<JFMASOND".utf8)

    /// `Reported-by: syzbot+0789f0c7e45efd7bb643@syzkaller.appspotmail.com` or
    /// `dashboard link: https://syzkaller.appspot.com/bug?extid=0789f0c7e45efd7bb643`.
    static func syzbotID(_ text: String) -> String? {
        if let r = text.range(of: "syzbot+"), let at = text[r.upperBound...].firstIndex(of: "@") {
            let id = text[r.upperBound..<at]
            if !id.isEmpty, id.allSatisfy(\.isHexDigit) { return String(id) }
        }
        if text.hasPrefix("dashboard link:"), let r = text.range(of: "extid=") {
            let id = text[r.upperBound...].prefix(while: \.isHexDigit)
            if !id.isEmpty { return String(id) }
        }
        return nil
    }

    /// Reads the report whose headline is `log[start]`; returns it (nil when what follows the
    /// headline does not make it a report) and the index after its last line.
    static func read(_ log: [Logical?], headline h: CrashHeadline, at start: Int) -> (CrashReport?, Int) {
        let head = log[start]!
        var oops = h.oopsNumber
        var function = h.function
        var location = h.location
        var version: String?
        var frames: [CrashFrame] = []
        // the caller the registers name (`LR [c…] fn+…`, `ra : fn+…`): a frame when no trace follows
        var caller: String?
        enum Trace { case before, inside, done }
        var trace = Trace.before
        // powerpc's `--- interrupt: 300 at …` inside a trace: the registers of the interrupted
        // code follow, then its frames
        var interrupted = false
        var evidence = head.timestamped
        var blanks = 0
        var j = start + 1
        var end = log.count
        while j < log.count {
            guard let l = log[j], l.depth == head.depth, j - start <= maxReportLines else {
                end = j
                break
            }
            if l.text.isEmpty {
                if !l.timestamped {
                    blanks += 1
                    if blanks >= 2 || trace == .done || (!head.timestamped && trace == .inside) {
                        end = j
                        break
                    }
                }
                if trace == .inside && !frames.isEmpty { trace = .done }
                j += 1
                continue
            }
            blanks = 0
            if head.timestamped && !l.timestamped {
                end = j
                break
            }
            let t = Substring(l.text)
            if t.hasPrefix("---[ end ") {
                end = j + 1
                break
            }
            if t.hasPrefix("=========="), j > start + 1 {
                end = j + 1
                break
            }
            if let next = CrashHeadline(t) {
                // the oops line after `BUG: unable to handle …`; the same headline pasted twice,
                // or printed again by another CPU before the first one's trace
                if next.continuation
                    || (next.kind == h.kind && frames.isEmpty && next.location == location
                        && (next.function == nil || next.function == function))
                {
                    if let n = next.oopsNumber, oops == nil { oops = n }
                    j += 1
                    continue
                }
                end = j
                break
            }
            switch trace {
            case .before:
                if isTraceStart(t) {
                    trace = .inside
                } else if t.hasPrefix("[<") || t.hasPrefix("([<"), let f = CrashFrame(t), !f.function.isEmpty {
                    // ARM and RISC-V print their frames without a `Call Trace:` line
                    trace = .inside
                    frames.append(f)
                    evidence = true
                } else if caller == nil, let f = callerFunction(t) {
                    caller = f
                } else if let f = faultingFunction(t) {
                    // a stall or lockup caught spinning in a lock: the lock says nothing
                    if function == nil && !CrashFrame.isGeneric(f) { function = f }
                    evidence = true
                } else if version == nil, let v = kernelVersion(t) {
                    version = v
                    evidence = true
                } else if location == nil, h.kind.hasPrefix("lockdep: suspicious RCU"), let p = CrashHeadline.path(t) {
                    location = p
                } else if function == nil, h.kind.hasPrefix("lockdep:"), t.hasPrefix("at: ") || t.contains("}, at: ") {
                    if let r = t.range(of: "at: ") {
                        function = t[r.upperBound...].split(separator: " ").first.flatMap {
                            CrashFrame.normalize($0.split(separator: "+").first ?? $0)
                        }
                    }
                }
            case .inside:
                if t == "<IRQ>" || t == "</IRQ>" || t == "<TASK>" || t == "</TASK>" || t == "<NMI>" || t == "</NMI>" || t == "<EOI>"
                    || t == "<SOFTIRQ>" || t == "</SOFTIRQ>"
                {
                    break
                }
                if let f = CrashFrame(t) {
                    frames.append(f)
                    evidence = true
                    interrupted = false
                } else if t.hasPrefix("--- interrupt:") {
                    interrupted = true
                } else if !interrupted {
                    trace = .done
                }
            case .done:
                break
            }
            j += 1
        }
        if let n = oops, n > 1 { return (nil, end) }
        var names: [String] = []
        for f in frames where !f.unreliable && !f.inlined && !CrashFrame.isGeneric(f.function) {
            if names.last != f.function { names.append(f.function) }
        }
        if names.isEmpty, let c = caller, !CrashFrame.isGeneric(c) { names = [c] }
        if let fn = function {
            while names.first == fn { names.removeFirst() }
        } else if !names.isEmpty {
            function = names.removeFirst()
        }
        // a bare `BUG: something` in prose is no report: a report says where, or is a kernel log;
        // one that names neither where nor a frame (a headline quoted alone, a log a mail client
        // ran together) cannot be told from other crashes of its kind and is left out
        let specific = location != nil || function != nil
        guard specific, evidence || h.kind != "Kernel panic" else { return (nil, end) }
        let report = CrashReport(
            kind: h.kind, title: head.text, location: location, function: function, frames: Array(names.prefix(maxFrames)),
            kernelVersion: version, quoted: head.depth > 0)
        return (report, end)
    }

    static func isTraceStart(_ t: Substring) -> Bool {
        t == "Call Trace:" || t == "Call trace:" || t == "backtrace:" || t == "Backtrace:" || t.hasPrefix("Call Trace:") && t.count < 20
    }

    /// The function of `RIP: 0010:fn+0x1/0x2`, `RIP: 0010:[<…>] [<…>] fn+0x4/0x6`,
    /// `IP: [<…>] fn+0x10/0x20`, `pc : fn+0x1/0x2` (arm64), `EIP: fn+…`, `NIP [..] fn+…`
    /// (powerpc), `PC is at fn+…` (ARM), `epc   : a800… fn+…` (MIPS), `epc : fn+…` (RISC-V),
    /// `Krnl PSW : 0704… 0000… (fn+0x5e/0x2e0)` (s390).
    static func faultingFunction(_ t: Substring) -> String? {
        var rest: Substring
        if t.hasPrefix("RIP: ") || t.hasPrefix("EIP: ") {
            rest = t.dropFirst(5)
            // `0010:` segment
            if let colon = rest.firstIndex(of: ":"), rest[..<colon].allSatisfy(\.isHexDigit) { rest = rest[rest.index(after: colon)...] }
        } else if t.hasPrefix("IP: ") {
            rest = t.dropFirst(4)
        } else if t.hasPrefix("PC is at ") {
            rest = t.dropFirst(9)
        } else if t.hasPrefix("NIP ") {
            rest = t.dropFirst(4)
        } else if let r = register(t, ["pc", "epc", "Krnl PSW"]) {
            rest = r
        } else {
            return nil
        }
        return symbol(in: rest)
    }

    /// The caller the registers name: `LR [c…] fn+…` (powerpc), `ra : fn+…` (RISC-V, MIPS),
    /// `lr : fn+…` (arm64), `LR is at fn+…` (ARM).
    static func callerFunction(_ t: Substring) -> String? {
        if t.hasPrefix("LR is at ") { return symbol(in: t.dropFirst(9)) }
        if t.hasPrefix("LR [") { return symbol(in: t.dropFirst(3)) }
        guard let r = register(t, ["ra", "lr"]) else { return nil }
        return symbol(in: r)
    }

    /// What follows `NAME :` (blanks allowed before the colon) when `t` starts with one of `names`.
    static func register(_ t: Substring, _ names: [String]) -> Substring? {
        for n in names where t.hasPrefix(n) {
            let rest = t.dropFirst(n.count).drop(while: { $0 == " " })
            if rest.hasPrefix(": ") { return rest.dropFirst(2) }
        }
        return nil
    }

    /// The function of the first `fn+0x…` among addresses: `[<…>]`, `[…]`, bare hex numbers
    /// and a `(` before it are passed over; nil when a word of another kind comes first.
    static func symbol(in s: Substring) -> String? {
        var rest = s
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "(" })
            if rest.hasPrefix("[<"), let r = rest.range(of: ">]") {
                rest = rest[r.upperBound...]
            } else if rest.hasPrefix("["), let r = rest.firstIndex(of: "]") {
                rest = rest[rest.index(after: r)...]
            } else if let word = rest.split(separator: " ").first, word.count >= 8, word.allSatisfy(\.isHexDigit) {
                rest = rest.dropFirst(word.count)
            } else {
                break
            }
        }
        guard let token = rest.split(separator: " ").first, let plus = token.firstIndex(of: "+"), token[plus...].hasPrefix("+0x") else {
            return nil
        }
        return CrashFrame.normalize(token[..<plus])
    }

    /// The version in `CPU: 0 PID: 71 Comm: x Not tainted 5.4.0-rc1+ #1` (or `Tainted: G  W
    /// 5.4.0 #1`).
    static func kernelVersion(_ t: Substring) -> String? {
        guard
            t.hasPrefix("CPU: ") || t.hasPrefix("Comm: ") || t.hasPrefix("Pid: ") || t.hasPrefix("Not tainted ") || t.hasPrefix("Tainted: ")
        else { return nil }
        guard let r = t.range(of: "Not tainted ") ?? t.range(of: "Tainted: ") else { return nil }
        // `Tainted: G        W  O      5.4.0 #1`: taint letters, then the version
        for w in t[r.upperBound...].split(separator: " ") {
            if let f = w.first, f.isASCIIDigit, w.contains(".") { return String(w) }
        }
        return nil
    }
}
