import HTTPTypes
import Hummingbird
import Index
import Logging
import NIOCore
import Support

/// Pulls a large body chunk by chunk (each `next()` is blocking work, run on the site's pool).
protocol ChunkSource: AnyObject, Sendable {
    /// The next piece, nil at the end.
    func next() throws -> [UInt8]?
}

/// A response before HTTP encoding: status, type, extra headers, and the body as bytes or as a
/// stream. `compress` says whether `Accept-Encoding: gzip` may apply; `gzipBody` makes the body
/// itself gzip (`*.mbox.gz`).
struct Reply: Sendable {
    enum Body: Sendable {
        case bytes([UInt8])
        case stream(any ChunkSource)
    }

    var status: HTTPResponse.Status = .ok
    var contentType: String
    var headers: [(HTTPField.Name, String)] = []
    var body: Body
    var compress = true
    var gzipBody = false
    var etag: String?
    /// For streams: called with the whole encoded body once it is written, if it stayed small.
    var onComplete: (@Sendable ([UInt8]) -> Void)?
    /// `onComplete` gets the body as the stream gave it, before any gzip (a page kept to serve
    /// again, whatever the next client accepts).
    var keepsPlainBody = false
    /// The largest body gathered for `onComplete` (the cache's largest value): a larger one is
    /// not kept, and its bytes are let go as soon as it outgrows this.
    var keepLimit = 0
    /// The page shows a stand-in for a message git could not give (a partial mirror): served,
    /// never kept in the cache (the object may come back without the inbox changing).
    var standsIn = false

    static let htmlType = "text/html; charset=UTF-8"

    static func html(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, etag: String? = nil) -> Reply {
        Reply(status: status, contentType: htmlType, body: .bytes(bytes), etag: etag)
    }

    static func text(_ s: String, status: HTTPResponse.Status = .ok, type: String = "text/plain; charset=UTF-8") -> Reply {
        Reply(status: status, contentType: type, body: .bytes(Array(s.utf8)))
    }

    static func notFoundPlain(_ s: String = "Not Found\n") -> Reply {
        var r = Reply.text(s, status: .notFound)
        r.headers = [(.cacheControl, "no-cache, max-age=0, must-revalidate"), (.expires, "Fri, 01 Jan 1980 00:00:00 GMT")]
        return r
    }

    /// The answer to a request that failed: a limit as 503 (overloaded, with Retry-After) or
    /// 413, with the reason; anything else as 500, logged.
    static func failure(_ error: any Error, path: String = "", logger: Logger? = nil) -> Reply {
        switch error {
        case is SearchOverloaded, is SearchTimedOut:
            var r = Reply.text("Service Unavailable: \(error); try again in a few seconds\n", status: .serviceUnavailable)
            r.headers = [(.retryAfter, "5"), (.cacheControl, "no-store")]
            return r
        case let e as RequestTooLarge:
            var r = Reply.text("Content Too Large: a request body may have at most \(e.limit) bytes\n", status: .contentTooLarge)
            r.headers = [(.connection, "close")]
            return r
        default:
            logger?.error("\(path): \(error)")
            return Reply.text("Internal error\n", status: .internalServerError)
        }
    }

    static func redirect(_ location: String, status: HTTPResponse.Status) -> Reply {
        var r = Reply.text("Redirecting to \(location)\n", status: status, type: "text/plain")
        r.headers = [(.location, location)]
        r.compress = false
        return r
    }
}

/// What a stream gathers to keep once it ends (`Reply.onComplete`): at most `limit` bytes, and
/// only while the site's budget for bytes gathered by all streams at once has room, so a
/// thousand streams in flight hold a bounded total, not a page each.
struct StreamKeeper {
    private(set) var whole: [UInt8]?
    private var taken = 0
    let limit: Int
    let budget: ByteBudget

    init(limit: Int, budget: ByteBudget) {
        self.limit = limit
        self.budget = budget
        whole = limit > 0 ? [] : nil
    }

    mutating func append(_ b: some Collection<UInt8>) {
        guard whole != nil else { return }
        guard whole!.count + b.count <= limit, budget.take(b.count) else { return release() }
        taken += b.count
        whole! += b
    }

    /// Stops gathering and gives the bytes back to the budget.
    mutating func release() {
        whole = nil
        budget.give(taken)
        taken = 0
    }
}

/// A request body over `ServerLimits.maxBodyBytes`.
struct RequestTooLarge: Error {
    var limit: Int
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}

extension Site {
    /// Encodes a `Reply` for `request`: security headers, ETag/304, gzip, streaming, HEAD.
    func response(_ reply: Reply, for request: Request) async throws -> Response {
        var fields = HTTPFields()
        fields[.contentType] = reply.contentType
        fields[.xContentTypeOptions] = "nosniff"
        fields[.contentSecurityPolicy] =
            reply.contentType.hasPrefix("text/html") ? Style.contentSecurityPolicy : "default-src 'none'; sandbox"
        fields[.referrerPolicy] = "same-origin"
        for (k, v) in reply.headers { fields.append(HTTPField(name: k, value: v)) }
        if let etag = reply.etag {
            let tag = "\"" + etag + "\""
            fields[.eTag] = tag
            if let inm = request.headers[.ifNoneMatch],
                inm.split(separator: ",").contains(where: { $0.trimmingCharacters(in: " ") == tag || $0.trimmingCharacters(in: " ") == "*" }
                )
            {
                var f304 = HTTPFields()
                f304[.eTag] = tag
                return Response(status: .notModified, headers: f304, body: ResponseBody())
            }
        }
        let gzipOK = reply.compress && !reply.gzipBody && (request.headers[.acceptEncoding]?.contains("gzip") ?? false)
        if reply.compress && !reply.gzipBody { fields[.vary] = "Accept-Encoding" }
        let head = request.method == .head
        switch reply.body {
        case .bytes(let b):
            if gzipOK && b.count > 256 {
                fields[.contentEncoding] = "gzip"
                let z = try GzipStream.gzip(b)
                fields[.contentLength] = String(z.readableBytes)
                return Response(status: reply.status, headers: fields, body: head ? ResponseBody() : ResponseBody(byteBuffer: z))
            }
            fields[.contentLength] = String(b.count)
            if head { return Response(status: reply.status, headers: fields, body: ResponseBody()) }
            var buf = ByteBufferAllocator().buffer(capacity: b.count)
            buf.writeBytes(b)
            return Response(status: reply.status, headers: fields, body: ResponseBody(byteBuffer: buf))
        case .stream(let source):
            let gz = gzipOK || reply.gzipBody
            if gzipOK { fields[.contentEncoding] = "gzip" }
            if head { return Response(status: reply.status, headers: fields, body: ResponseBody()) }
            let site = self
            let onComplete = reply.onComplete
            let plain = reply.keepsPlainBody
            let limit = reply.keepLimit
            return Response(
                status: reply.status, headers: fields,
                body: ResponseBody { writer in
                    let z = gz ? try GzipStream() : nil
                    var pending: [UInt8] = []
                    var kept = StreamKeeper(limit: onComplete == nil ? 0 : limit, budget: site.keeping)
                    defer { kept.release() }
                    while true {
                        // pieces up to 32 KiB per trip to the blocking pool (a thread page: one
                        // piece per message), not one trip per piece
                        let chunk = try await site.blocking { () -> [UInt8]? in
                            guard var acc = try source.next() else { return nil }
                            while acc.count < 32768, let more = try source.next() { acc += more }
                            return acc
                        }
                        guard let chunk else { break }
                        pending += chunk
                        if pending.count < 32768 { continue }
                        let out: ByteBuffer
                        if let z { out = try z.compress(pending) } else { out = ByteBuffer(bytes: pending) }
                        if plain { kept.append(pending[...]) } else { kept.append(out.readableBytesView) }
                        // the next piece is made only once this one is taken by the socket (NIO's
                        // writer waits while the channel is not writable)
                        pending = []
                        if out.readableBytes > 0 { try await writer.write(out) }
                    }
                    let last = try z.map { try $0.compress(pending, finish: true) } ?? ByteBuffer(bytes: pending)
                    if plain { kept.append(pending[...]) } else { kept.append(last.readableBytesView) }
                    pending = []
                    if last.readableBytes > 0 { try await writer.write(last) }
                    try await writer.finish(nil)
                    if let whole = kept.whole, let onComplete { onComplete(whole) }
                })
        }
    }
}
