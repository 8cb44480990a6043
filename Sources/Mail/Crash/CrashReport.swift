import Support

/// A kernel crash report found in a message body (an oops, BUG, WARNING, KASAN/UBSAN report,
/// lockdep splat, hung task, RCU stall, panic; syzbot's reports are these too), reduced to what
/// tells one crash from another: `CrashScanner` reads it, `signature` names it.
public struct CrashReport: Sendable, Equatable {
    /// What happened: `kernel BUG`, `WARNING`, `KASAN: use-after-free`, `NULL pointer
    /// dereference`, `general protection fault`, `lockdep: possible circular locking
    /// dependency`, `hung task`, `RCU stall`, `Kernel panic` …
    public var kind: String
    /// The headline as the kernel printed it (timestamp, quote marks and wrapping removed).
    public var title: String
    /// `file:line` where the kernel said it happened (`drivers/net/virtio_net.c:1667`), nil
    /// when it did not say.
    public var location: String?
    /// The faulting function (RIP/IP/pc, or named by the headline, else the innermost
    /// meaningful frame), without offsets and compiler suffixes (`.part.12`, `.isra.0`, `.cold`).
    public var function: String?
    /// The meaningful frames of the call trace below `function`, innermost first (at most
    /// `CrashScanner.maxFrames`): `?` frames, inlined frames and the machinery of reporting
    /// (dump_stack, __warn, kasan_report, fault entry, scheduler and lock waits …) left out.
    public var frames: [String]
    /// The kernel version from the `CPU: … Tainted: … VERSION #N` line, if given.
    public var kernelVersion: String?
    /// Found in quoted text (`> `), i.e. the message is a reply that quotes the report.
    public var quoted: Bool
    /// The syzbot bug id (`extid`) when the report comes with syzbot's dashboard link or
    /// `Reported-by: syzbot+…` tag.
    public var syzbotID: String?

    public init(
        kind: String, title: String, location: String? = nil, function: String? = nil, frames: [String] = [],
        kernelVersion: String? = nil, quoted: Bool = false, syzbotID: String? = nil
    ) {
        self.kind = kind
        self.title = title
        self.location = location
        self.function = function
        self.frames = frames
        self.kernelVersion = kernelVersion
        self.quoted = quoted
        self.syzbotID = syzbotID
    }

    /// How many frames the signature takes.
    public static let signatureFrames = 3

    /// The same for reports of the same crash, different for different ones: the kind, where
    /// (`file:line`, else the faulting function) and the top frames. Addresses, offsets,
    /// timestamps, CPU/PID/Comm, taint, hardware and module lists never enter it.
    public var signature: String {
        let place = location ?? function ?? ""
        return kind + "|" + place + "|" + frames.prefix(CrashReport.signatureFrames).joined(separator: ",")
    }

    /// A short stable name of `signature` for URLs and the `crash:` search prefix (12 hex digits).
    public var signatureID: String { String(Digest.sha1Hex(Array(signature.utf8)).prefix(12)) }

    /// `location`, else `function`, else the kind: what a list shows as where it crashed.
    public var place: String { location ?? function ?? kind }
}
