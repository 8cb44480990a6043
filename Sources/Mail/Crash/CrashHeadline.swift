import Foundation

/// The first line of a crash report (`kernel BUG at …`, `BUG: KASAN: …`, `WARNING: CPU: … at …`,
/// `general protection fault …`, `Oops: …`, `UBSAN: …`, lockdep's `WARNING: possible …`,
/// `INFO: task … blocked …`, `rcu: INFO: … stall …`, `Kernel panic - not syncing: …`), and the
/// oops headlines of every architecture (MIPS `Kernel bug detected[#1]:` and `CPU 0 Unable to
/// handle kernel paging request …`, ARM, arm64, RISC-V and s390 `Unable to handle kernel …`,
/// powerpc `BUG: Unable to handle kernel data access …`, RISC-V `Kernel BUG [#1]`, the `Oops`
/// line that follows each), read into the report's kind and what it says of where.
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
        "watchdog: ", "Kernel bug detected", "Kernel BUG", "CPU ",
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
            UInt8(ascii: "w"), UInt8(ascii: "["), UInt8(ascii: "C"):
            break
        default: return nil
        }
        var t = text
        for p in ["NMI watchdog: ", "watchdog: "] where t.hasPrefix(p) { t = t.dropFirst(p.count) }
        if t.hasPrefix("CPU ") {
            // MIPS: `CPU 0 Unable to handle kernel paging request at virtual address 0, epc == …`
            let rest = t.dropFirst(4).drop(while: \.isASCIIDigit)
            guard rest.hasPrefix(" Unable to handle kernel ") else { return nil }
            t = rest.dropFirst()
        }
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
        } else if t.hasPrefix("Oops") || t.hasPrefix("Internal error: Oops") {
            // `Oops: 0002 [#1]`, `Oops - BUG: … [#1]`, RISC-V `Oops [#1]`, MIPS `Oops[#1]:`
            guard t.contains("[#") else { return nil }
            let after = t.hasPrefix("Oops") ? t.dropFirst(4) : t.dropFirst(20)
            guard after.hasPrefix(":") || after.hasPrefix(" -") || after.hasPrefix(" [#") || after.hasPrefix("[#") else { return nil }
            self.init(kind: "Oops", continuation: true, oopsNumber: CrashHeadline.oopsNumber(t))
        } else if t.hasPrefix("Kernel bug detected") || t.hasPrefix("Kernel BUG [#") {
            // MIPS `Kernel bug detected[#1]:`, RISC-V `Kernel BUG [#1]`: a BUG() without file and line
            guard t.contains("[#") else { return nil }
            self.init(kind: "kernel BUG", oopsNumber: CrashHeadline.oopsNumber(t))
        } else if t.hasPrefix("Unable to handle kernel ") {
            // arm, arm64, riscv, s390, powerpc before 5.6, MIPS after `CPU N`
            self.init(kind: CrashHeadline.faultKind(t.dropFirst(24)))
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
            // its reason (`Fatal exception`, `Attempted to kill init!`) names no place: a panic
            // is told apart only by where its trace says it happened
            self.init(kind: "Kernel panic", continuation: true)
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
        let lower = s.prefix(48).lowercased()
        if lower.hasPrefix("unable to handle kernel ") {
            // x86 `BUG: unable to handle kernel paging request`, powerpc `BUG: Unable to handle
            // kernel data access on read at 0x…`
            self.init(kind: CrashHeadline.faultKind(s.dropFirst(24)))
        } else if lower.hasPrefix("kernel null pointer dereference") {
            self.init(kind: "NULL pointer dereference")
        } else if lower.hasPrefix("unable to handle page fault") {
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

    /// The kind of a fault after `Unable to handle kernel `: a NULL pointer dereference, a
    /// paging request (powerpc's data access and instruction fetch are one), else its words
    /// (s390's `pointer dereference in virtual kernel address space`).
    static func faultKind(_ what: Substring) -> String {
        let lower = what.prefix(24).lowercased()
        if lower.hasPrefix("null pointer dereference") { return "NULL pointer dereference" }
        for p in ["paging request", "data access", "instruction fetch"] where lower.hasPrefix(p) { return "paging request" }
        let words = CrashHeadline.words(what.range(of: " at ").map { what[..<$0.lowerBound] } ?? what)
        return "Unable to handle kernel " + words
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
