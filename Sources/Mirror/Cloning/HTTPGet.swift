import Foundation
import Support

/// Small HTTP downloads (manifests, config snippets) through curl, which handles TLS, proxies
/// and redirects as users already have them set up; packs move through git itself. The body
/// comes through a pipe and is kept up to a bound (no temporary file: one that never ended
/// filled 31 GB in 120 s), within `MirrorLimits`' time and speed limits.
enum HTTPGet {
    static let codeMarker = "tidings-http-code:"

    /// The body of `url`, at most `maxBytes`; nil for a 404 when `allowMissing`. Other
    /// failures, and a body over the bound, are errors (`what` names the file in them).
    static func fetch(_ url: String, what: String, maxBytes: Int, limits: MirrorLimits, allowMissing: Bool = false) throws -> [UInt8]? {
        let r = try BoundedRun.execute(arguments(url, maxBytes: maxBytes, limits: limits), maxOutput: maxBytes)
        let seconds = maxSeconds(limits)
        if r.exceeded || r.status == 63 {
            throw MirrorLimitExceeded("\(url): \(what) is larger than \(describe(bytes: maxBytes)); not read")
        }
        let (code, message) = split(r.errorText)
        guard r.status == 0 else {
            let hint = r.status == 28 ? " (limits: \(seconds) s in all, --stall-timeout \(limits.stallTimeout) s)" : ""
            throw Subprocess.Failure(description: "\(url): \(message)\(hint)")
        }
        if code == 404 && allowMissing { return nil }
        guard code == 200 else { throw Subprocess.Failure(description: "\(url): HTTP \(code)") }
        return r.stdout
    }

    /// curl's command line: the URL after `--`, so that one starting with `-` is never an option.
    static func arguments(_ url: String, maxBytes: Int, limits: MirrorLimits) -> [String] {
        [
            "curl", "-sS", "-L", "--max-redirs", "5", "--proto", "=http,https", "--proto-redir", "=http,https",
            "--max-time", "\(maxSeconds(limits))", "--connect-timeout", "\(limits.connectTimeout)",
            "--speed-limit", "\(limits.lowSpeedBytes)", "--speed-time", "\(limits.stallTimeout)",
            "--max-filesize", "\(maxBytes)", "-o", "-", "-w", "%{stderr}\n\(codeMarker)%{http_code}\n", "--", url,
        ]
    }

    /// Seconds one download may take: 5 minutes (as before these limits), or `--timeout` if
    /// shorter; a manifest of every lore.kernel.org inbox is about 1 MB.
    static func maxSeconds(_ limits: MirrorLimits) -> Int { min(limits.timeout, 300) }

    /// The HTTP status curl wrote at the end of standard error, and its message before it.
    static func split(_ errorText: String) -> (code: Int, message: String) {
        guard let r = errorText.range(of: codeMarker, options: .backwards) else { return (0, errorText.trimmingASCIIWhitespaceLines()) }
        let code = Int(errorText[r.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return (code, String(errorText[..<r.lowerBound]).trimmingASCIIWhitespaceLines())
    }

    /// `32 MiB`, `1 MiB`, `512 KiB`, `100 bytes`.
    static func describe(bytes n: Int) -> String {
        if n >= 1 << 20 && n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
        if n >= 1 << 10 && n % (1 << 10) == 0 { return "\(n >> 10) KiB" }
        return "\(n) bytes"
    }
}
