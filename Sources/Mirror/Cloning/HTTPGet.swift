import Foundation
import Support

/// Small HTTP downloads (manifests, config snippets) through curl, which handles TLS, proxies
/// and redirects as users already have them set up; packs move through git itself.
enum HTTPGet {
    /// The body of `url`; nil for a 404 when `allowMissing`. Other failures are errors.
    static func fetch(_ url: String, allowMissing: Bool = false) throws -> [UInt8]? {
        let tmp = NSTemporaryDirectory() + "tidings-get-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let r = try Subprocess.execute([
            "curl", "-sS", "-L", "--max-time", "300", "--connect-timeout", "30", "-o", tmp, "-w", "%{http_code}", url,
        ])
        guard r.status == 0 else {
            throw Subprocess.Failure(description: "\(url): \(r.errorText.trimmingASCIIWhitespaceLines())")
        }
        let code = Int(r.text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        if code == 404 && allowMissing { return nil }
        guard code == 200 else { throw Subprocess.Failure(description: "\(url): HTTP \(code)") }
        return Array(FileManager.default.contents(atPath: tmp) ?? Data())
    }
}
