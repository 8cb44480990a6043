import Foundation

/// The first line of a crash report (`kernel BUG at …`, `BUG: KASAN: …`, `WARNING: CPU: … at …`,
/// `general protection fault …`, `Oops: …`, `UBSAN: …`, lockdep's `WARNING: possible …`,
/// `INFO: task … blocked …`, `rcu: INFO: … stall …`, `Kernel panic - not syncing: …`), read
/// into the report's kind and what it says of where.
struct CrashHeadline: Equatable {
    var kind: String
    var location: String?
    var function: String?
    /// Lines that continue the report they follow rather than start one (`Oops: …` after
    /// `BUG: unable to handle …`, the panic that ends an oops).
    var continuation: Bool = false
    /// The oops counter `[#N]`: a report numbered 2 or more follows from the first.
    var oopsNumber: Int?

    /// Lockdep's headlines after `WARNING: ` (or inside `[ INFO: … ]` in old kernels).
    static let lockdep: [(String, String)] = [
        ("possible circular locking dependency", "lockdep: possible circular locking dependency"),
        ("possible recursive locking", "lockdep: possible recursive locking"),
        ("inconsistent lock state", "lockdep: inconsistent lock state"),
        ("possible irq lock inversion", "lockdep: possible irq lock inversion"),
        ("suspicious RCU usage", "lockdep: suspicious RCU usage"),
        ("bad unlock balance", "lockdep: bad unlock balance"),
        ("held lock freed", "lockdep: held lock freed"),
        ("lock held when returning to user space", "lockdep: lock held when returning to user space"),
        ("HARDIRQ-safe -> HARDIRQ-unsafe lock order", "lockdep: HARDIRQ-safe -> HARDIRQ-unsafe lock order"),
        ("SOFTIRQ-safe -> SOFTIRQ-unsafe lock order", "lockdep: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order"),
    ]

    init(kind: String, location: String? = nil, function: String? = nil, continuation: Bool = false, oopsNumber: Int? = nil) {
        self.kind = kind
        self.location = location
        self.function = function
        self.continuation = continuation
        self.oopsNumber = oopsNumber
    }

    /// The words a headline starts with.
    static let starts: [[UInt8]] = [
        "kernel BUG at", "BUG: ", "WARNING: ", "[ INFO: ", "general protection fault", "Oops", "Internal error: Oops",
        "Unable to handle kernel", "UBSAN: ", "INFO: task ", "INFO: rcu", "rcu: INFO: ", "Kernel panic", "NMI watchdog: ",
        "watchdog: ",
    ].map { Array($0.utf8) }

    /// Whether `text` starts like a headline (a wrapped one may need its next line to be read).
    static func mayStart(_ text: Substring) -> Bool { starts.contains { text.utf8.starts(with: $0) } }

    /// Reads `text` (a log line's text, prefixes off) as a headline; nil for any other line.
    init?(_ text: Substring) {
        guard let first = text.utf8.first else { return nil }
        // cheap refusal: every headline starts with one of these letters
        switch first {
        case UInt8(ascii: "k"), UInt8(ascii: "B"), UInt8(ascii: "W"), UInt8(ascii: "g"), UInt8(ascii: "O"),
            UInt8(ascii: "U"), UInt8(ascii: "I"), UInt8(ascii: "r"), UInt8(ascii: "K"), UInt8(ascii: "N"),
            UInt8(ascii: "w"), UInt8(ascii: "["):
            break
        default: return nil
        }
        var t = text
        for p in ["NMI watchdog: ", "watchdog: "] where t.hasPrefix(p) { t = t.dropFirst(p.count) }
        if t.hasPrefix("kernel BUG at ") {
            let loc = CrashHeadline.path(t.dropFirst(14))
            self.init(kind: "kernel BUG", location: loc)
        } else if t.hasPrefix("BUG: ") {
            self.init(bug: t.dropFirst(5))
        } else if t.hasPrefix("WARNING: ") || t.hasPrefix("[ INFO: ") {
            guard let h = CrashHeadline(warning: t) else { return nil }
            self = h
        } else if t.hasPrefix("general protection fault") {
            let rest = t.dropFirst(24)
            guard rest.hasPrefix(":") || rest.hasPrefix(",") || rest.hasPrefix(" for") else { return nil }
            self.init(kind: "general protection fault", oopsNumber: CrashHeadline.oopsNumber(t))
        } else if t.hasPrefix("Oops: ") || t.hasPrefix("Oops - ") || t.hasPrefix("Internal error: Oops") {
            guard t.contains("[#") else { return nil }
            self.init(kind: "Oops", continuation: true, oopsNumber: CrashHeadline.oopsNumber(t))
        } else if t.hasPrefix("Unable to handle kernel ") {
            // arm, arm64, powerpc
            let what = t.dropFirst(24)
            let kind =
                what.hasPrefix("NULL pointer dereference")
                ? "NULL pointer dereference"
                : what.hasPrefix("paging request") ? "paging request" : "Unable to handle kernel " + CrashHeadline.words(what)
            self.init(kind: kind)
        } else if t.hasPrefix("UBSAN: ") {
            let rest = t.dropFirst(7)
            guard let r = rest.range(of: " in ") else { return nil }
            self.init(kind: "UBSAN: " + rest[..<r.lowerBound], location: CrashHeadline.path(rest[r.upperBound...], column: true))
        } else if t.hasPrefix("INFO: task "), t.contains(" blocked for more than ") {
            self.init(kind: "hung task")
        } else if t.hasPrefix("INFO: rcu") || t.hasPrefix("rcu: INFO: ") {
            guard t.contains("stall") else { return nil }
            self.init(kind: "RCU stall")
        } else if t.hasPrefix("Kernel panic - not syncing: ") {
            let why = t.dropFirst(28)
            self.init(kind: "Kernel panic", location: CrashHeadline.words(why), continuation: true)
        } else {
            return nil
        }
    }

    private init(bug s: Substring) {
        if s.hasPrefix("KASAN: ") || s.hasPrefix("KFENCE: ") || s.hasPrefix("KMSAN: ") || s.hasPrefix("KCSAN: ") {
            let tool = s.prefix(while: { $0 != ":" })
            let rest = s.dropFirst(tool.count + 2)
            if let r = rest.range(of: " in ") {
                let fn = rest[r.upperBound...].split(separator: " ").first.flatMap {
                    CrashFrame.normalize($0.split(separator: "+").first ?? $0)
                }
                self.init(kind: String(tool) + ": " + rest[..<r.lowerBound], function: fn)
            } else {
                self.init(kind: String(tool) + ": " + CrashHeadline.words(rest))
            }
            return
        }
        if s.hasPrefix("unable to handle kernel NULL pointer dereference") || s.hasPrefix("kernel NULL pointer dereference") {
            self.init(kind: "NULL pointer dereference")
        } else if s.hasPrefix("unable to handle kernel paging request") || s.hasPrefix("unable to handle page fault") {
            self.init(kind: "paging request")
        } else if s.hasPrefix("soft lockup") {
            self.init(kind: "soft lockup")
        } else if s.hasPrefix("memory leak") {
            self.init(kind: "memory leak")
        } else if let r = s.range(of: " at "), CrashFrame.startsWithPath(s[r.upperBound...]) {
            // `sleeping function called from invalid context at kernel/sched/core.c:6772`
            self.init(kind: "BUG: " + s[..<r.lowerBound], location: CrashHeadline.path(s[r.upperBound...]))
        } else {
            // `stack guard page was hit at 00000000cab483ba (stack is …)`: the words before `at`
            let what = s.range(of: " at ").map { s[..<$0.lowerBound] } ?? s
            self.init(kind: "BUG: " + CrashHeadline.words(what))
        }
    }

    private init?(warning t: Substring) {
        for (phrase, kind) in CrashHeadline.lockdep where t.contains(phrase) {
            self.init(kind: kind)
            return
        }
        guard t.hasPrefix("WARNING: ") else { return nil }
        // `WARNING: CPU: 3 PID: 102 at kernel/dma/direct.c:35 fn+0x1/0x2`, `WARNING: at file:line fn()`
        guard let r = t.range(of: " at "), CrashFrame.startsWithPath(t[r.upperBound...]) else { return nil }
        let after = t[r.upperBound...]
        let loc = CrashHeadline.path(after)
        let fnToken = after.split(separator: " ").dropFirst().first.map { $0.split(separator: "+").first ?? $0 }
        let fn = fnToken.map { $0.hasSuffix("()") ? $0.dropLast(2) : $0 }.flatMap { CrashFrame.normalize($0) }
        self.init(kind: "WARNING", location: loc, function: fn)
    }

    /// `drivers/net/virtio_net.c:1667!` → `drivers/net/virtio_net.c:1667`; a build path
    /// (`/home/u/linux/kernel/dma/direct.c:364`) is cut to the kernel tree; `column` drops a
    /// `:COL` after the line (UBSAN).
    static func path(_ s: Substring, column: Bool = false) -> String? {
        var token = s.prefix(while: { $0 != " " && $0 != "\t" && $0 != "!" })
        while let l = token.last, l == "," || l == "." || l == ")" { token = token.dropLast() }
        guard let colon = token.firstIndex(of: ":"), colon != token.startIndex else { return nil }
        var file = token[..<colon]
        var line = token[token.index(after: colon)...]
        if column, let c = line.firstIndex(of: ":") { line = line[..<c] }
        guard !line.isEmpty, line.allSatisfy(\.isASCIIDigit) else { return nil }
        if file.hasPrefix("/") || file.hasPrefix("./") || file.hasPrefix("../") {
            for top in topDirectories {
                if let r = file.range(of: "/" + top + "/", options: .backwards) {
                    file = file[file.index(after: r.lowerBound)...]
                    break
                }
            }
        }
        return String(file) + ":" + line
    }

    static let topDirectories = [
        "arch", "block", "certs", "crypto", "drivers", "fs", "include", "init", "io_uring", "ipc", "kernel", "lib", "mm",
        "net", "rust", "samples", "security", "sound", "virt", "tools",
    ]

    /// A headline's words without numbers and addresses (`soft lockup - CPU#3 stuck for 22s!`
    /// keeps `soft lockup - CPU# stuck for s!`): what stays the same between two reports.
    static func words(_ s: Substring) -> String {
        var out = ""
        var lastSpace = false
        for w in s.split(separator: " ") {
            if w.hasPrefix("0x") || w.allSatisfy(\.isHexDigit) && w.contains(where: \.isASCIIDigit) { continue }
            let kept = String(w.filter { !$0.isASCIIDigit })
            if kept.isEmpty || kept == "[#]" { continue }
            if !out.isEmpty && !lastSpace { out += " " }
            out += kept
            lastSpace = false
        }
        while out.hasSuffix(":") || out.hasSuffix(",") { out.removeLast() }
        return out
    }

    /// `[#2]` in an oops line.
    static func oopsNumber(_ s: Substring) -> Int? {
        guard let r = s.range(of: "[#") else { return nil }
        return Int(s[r.upperBound...].prefix(while: \.isASCIIDigit))
    }
}
