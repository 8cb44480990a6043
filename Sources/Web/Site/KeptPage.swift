/// A whole page as the cache keeps it (`Scope.cachedPage`): its content type and ETag before
/// the body, so a hit is answered as the page first was.
enum KeptPage {
    /// What to keep of `r`, nil when it is not a page to keep: not 200, a stream, extra
    /// headers, a gzip body, or standing in for a missing message.
    static func bytes(_ r: Reply) -> [UInt8]? {
        guard r.status == .ok, !r.standsIn, r.headers.isEmpty, r.compress, !r.gzipBody, case .bytes(let body) = r.body else {
            return nil
        }
        let head = r.contentType + "\n" + (r.etag ?? "") + "\n"
        return Array(head.utf8) + body
    }

    /// The reply kept by `bytes`, nil if `kept` is not one.
    static func reply(_ kept: [UInt8]) -> Reply? {
        guard let first = kept.firstIndex(of: 0x0A), let second = kept[(first + 1)...].firstIndex(of: 0x0A) else { return nil }
        let type = String(decoding: kept[..<first], as: UTF8.self)
        let etag = String(decoding: kept[(first + 1)..<second], as: UTF8.self)
        return Reply(contentType: type, body: .bytes(Array(kept[(second + 1)...])), etag: etag.isEmpty ? nil : etag)
    }
}
