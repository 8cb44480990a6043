import HTTPTypes
import Hummingbird
import Mirror
import Store
import NIOCore

/// git smart HTTP for every epoch (protocol v0 and v2, upload-pack only), through
/// `git http-backend`: the request body streams into it, its output streams to the client, at
/// most `ServerLimits.gitProcesses` run at once and one more gets 503 with Retry-After.
extension WebResponder {
    /// Largest negotiation accepted (git itself buffers at most 10 MB of one), as sent and,
    /// for a gzip body, once inflated (git inflated them itself, without a bound: a 3.1 MB
    /// gzip body cost 45 s of git CPU).
    static let maxGitRequestBytes = 16 << 20

    func serveGit(_ route: Route, request: Request, context: Context) async throws -> Response {
        let scopeName: String
        let epoch: Int?
        let service: GitRequest.Service
        switch route {
        case .gitInfoRefs(let s, let e):
            (scopeName, epoch, service) = (s, e, .infoRefs)
        case .gitUploadPack(let s, let e):
            (scopeName, epoch, service) = (s, e, .uploadPack)
        default:
            return try await site.response(.notFoundPlain(), for: request)
        }
        guard let sc = site.scope(named: Substring(scopeName)), !sc.isAll else {
            return try await site.response(.notFoundPlain(), for: request)
        }
        let repo = sc.inboxes[0].repository
        let gitDir = epoch.map { repo.epochPath($0) } ?? repo.allGit
        guard Store.fileExists(gitDir + "/HEAD") else { return try await site.response(.notFoundPlain(), for: request) }
        let query = request.uri.query ?? ""
        switch service {
        case .infoRefs:
            guard request.method == .get || request.method == .head else { return try await methodNotAllowed("GET, HEAD", request) }
            guard query == "service=git-upload-pack" else {
                let push = query == "service=git-receive-pack"
                var r = Reply.text(
                    push ? "Forbidden: this archive is read-only\n" : "Not Found: only smart HTTP (git 1.6.6 and later) is served\n",
                    status: push ? .forbidden : .notFound)
                r.compress = false
                return try await site.response(r, for: request)
            }
        case .uploadPack:
            guard request.method == .post else { return try await methodNotAllowed("POST", request) }
        }
        var gitRequest = GitRequest(
            gitDir: gitDir, service: service, method: request.method == .post ? "POST" : "GET", query: query,
            header: { HTTPField.Name($0).flatMap { request.headers[$0] } })
        // a gzip body is inflated here, within the bound, and reaches git plain
        let gzipped = ["gzip", "x-gzip"].contains(gitRequest.contentEncoding?.lowercased())
        let inflater = gzipped ? GzipInflater(limit: Self.maxGitRequestBytes) : nil
        if inflater != nil { gitRequest.contentEncoding = nil }
        let backend: GitBackend
        do {
            backend = try GitBackend.start(gitRequest, slots: gitProcesses)
        } catch let busy as GitBusy {
            var r = Reply.text("Service Unavailable: \(busy); try again in a minute\n", status: .serviceUnavailable)
            r.headers = [(.retryAfter, "60"), (.cacheControl, "no-store")]
            r.compress = false
            return try await site.response(r, for: request)
        }
        let head: GitBackend.Head
        do {
            if service == .uploadPack {
                var total = 0
                for try await chunk in request.body {
                    total += chunk.readableBytes
                    guard total <= Self.maxGitRequestBytes else { throw RequestTooLarge(limit: Self.maxGitRequestBytes) }
                    let bytes = Array(chunk.readableBytesView)
                    try await backend.write(try inflater?.inflate(bytes) ?? bytes)
                }
                backend.finishInput()
            }
            head = try await backend.head()
        } catch {
            backend.abort()
            return try await site.response(.failure(error, path: request.uri.path, logger: context.logger), for: request)
        }
        var fields = HTTPFields()
        for (name, value) in head.headers {
            if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
        }
        fields[.xContentTypeOptions] = "nosniff"
        let status = HTTPResponse.Status(code: head.status)
        if request.method == .head {
            backend.abort()
            return Response(status: status, headers: fields, body: ResponseBody())
        }
        return Response(
            status: status, headers: fields,
            body: ResponseBody { writer in
                do {
                    while let chunk = try await backend.next() { try await writer.write(ByteBuffer(bytes: chunk)) }
                    try await writer.finish(nil)
                    await backend.finish()
                } catch {
                    backend.abort()
                    throw error
                }
            })
    }

    private func methodNotAllowed(_ allow: String, _ request: Request) async throws -> Response {
        var r = Reply.text("Method Not Allowed\n", status: .methodNotAllowed)
        r.headers = [(.allow, allow)]
        return try await site.response(r, for: request)
    }
}
