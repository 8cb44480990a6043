/// What one upstream may cost a mirror: how long a transfer may take, how slow it may get, how
/// much metadata (manifest, config snippet) is read. Measured on main before these existed: a
/// git endpoint that never answered hung `clone` and `fetch` for good (killed at 200 s), a 1 MB
/// `manifest.js.gz` inflating to 1 GiB peaked at 2.13 GB RSS, and a `config/raw` that never
/// ended wrote 31 GB to the temporary directory in 120 s.
public struct MirrorLimits: Sendable, Equatable {
    /// Wall-clock seconds one git transfer or one download may take (`--timeout`), after which
    /// it is killed: a source that trickles just fast enough cannot hold a mirror for ever.
    public var timeout = 4 * 3600
    /// Seconds a transfer may stay under `lowSpeedBytes` per second (`--stall-timeout`):
    /// git's `http.lowSpeedTime`, curl's `--speed-time`. A source that never answers or sends
    /// a byte every 20 s is given up on after this long.
    public var stallTimeout = 60
    /// Bytes per second under which a transfer counts as stalled (`http.lowSpeedLimit`).
    public var lowSpeedBytes = 1000
    /// Seconds to connect to the source.
    public var connectTimeout = 30
    /// Largest `manifest.js.gz`, downloaded or inflated (lore.kernel.org's, every inbox and
    /// epoch, is about 1 MB of JSON; parsing 300 MB of it took 2.48 GB).
    public var maxManifestBytes = 32 << 20
    /// Largest `_/text/config/raw` (a few hundred bytes in practice).
    public var maxConfigBytes = 1 << 20

    public init() {}

    /// git's `-c` options bounding an HTTP transfer's speed.
    var gitOptions: [String] {
        ["-c", "http.lowSpeedLimit=\(lowSpeedBytes)", "-c", "http.lowSpeedTime=\(stallTimeout)"]
    }

    /// `command` killed (with what it started) after `timeout` seconds, by coreutils'
    /// `timeout`, which runs it in a process group of its own and signals the whole group, so
    /// that `git-remote-https` and `index-pack` go too; 5 s after SIGTERM, SIGKILL.
    func deadline(_ command: [String]) -> [String] {
        ["timeout", "--kill-after=5", "\(timeout)"] + command
    }

    /// `timeout`'s exit status when the deadline passed (124), or SIGKILL's after it (137).
    static func timedOut(_ status: Int32) -> Bool { status == 124 || status == 137 }
}

/// A transfer from an upstream that went over one of `MirrorLimits`.
public struct MirrorLimitExceeded: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
