import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import Mail
import Mirror
import NIOCore
import Support

/// Answers every request of the archive site: routes the raw path, runs the blocking work on
/// the site's thread pool and encodes the reply.
public struct WebResponder: HTTPResponder {
    public typealias Context = BasicRequestContext
    public let site: Site
    public let limits: ServerLimits
    /// git processes serving clones now (at most `limits.gitProcesses`).
    let gitProcesses: GitProcesses

    public init(site: Site, limits: ServerLimits = ServerLimits()) {
        self.site = site
        self.limits = limits
        gitProcesses = GitProcesses(limit: limits.gitProcesses, cpuSeconds: limits.gitCPUSeconds)
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let route = Route.parse(Substring(request.uri.path), isScope: { site.scope(named: $0) != nil })
        switch route {
        case .gitInfoRefs, .gitUploadPack: return try await serveGit(route, request: request, context: context)
        default: break
        }
        switch request.method {
        case .get, .head: break
        case .post:
            let pairs = SearchParams.decode(request.uri.query ?? "")
            var scopeName: String?
            var mid: String?
            switch route {
            case .topics(let s): scopeName = s
            case .message(let s, let m):
                scopeName = s
                mid = m
            default: break
            }
            if let scopeName, let sc = site.scope(named: Substring(scopeName)) {
                guard var p = SearchParams(pairs) else { return try await site.response(.notFoundPlain(), for: request) }
                // public-inbox: a body starting `x=` with anything but 0 asks for whole threads
                let body: ByteBuffer
                do {
                    if let n = request.headers[.contentLength].flatMap({ Int($0) }), n > limits.maxBodyBytes {
                        throw RequestTooLarge(limit: limits.maxBodyBytes)
                    }
                    body = try await request.body.collect(upTo: limits.maxBodyBytes)
                } catch {
                    return try await site.response(.failure(RequestTooLarge(limit: limits.maxBodyBytes)), for: request)
                }
                let head = Array(body.readableBytesView.prefix(3))
                if head.count == 3 && head[0] == UInt8(ascii: "x") && head[1] == UInt8(ascii: "=") && head[2] != UInt8(ascii: "0") {
                    p.threads = true
                }
                let params = p
                let threadMid = mid
                let reply: Reply
                do {
                    if params.x == "m" {
                        reply = try await site.searching { try SearchPage.mbox(scope: sc, params: params, mid: threadMid) }
                    } else {
                        let host = request.head.authority
                        reply = try await site.searching { try SearchPage.render(scope: sc, params: params, host: host) }
                    }
                } catch {
                    reply = .failure(error, path: request.uri.path, logger: context.logger)
                }
                return try await site.response(reply, for: request)
            }
            fallthrough
        default:
            var r = Reply.text("Method Not Allowed\n", status: .methodNotAllowed)
            r.headers = [(.allow, "GET, HEAD")]
            return try await site.response(r, for: request)
        }
        let reply: Reply
        do {
            reply = try await handle(route, request: request)
        } catch {
            reply = .failure(error, path: request.uri.path, logger: context.logger)
        }
        return try await site.response(reply, for: request)
    }

    func handle(_ route: Route, request: Request) async throws -> Reply {
        let site = self.site
        let host = request.head.authority
        let query = request.uri.queryParameters
        let t = query["t"].map { Substring($0) }
        func scope(_ name: String) -> Scope { site.scope(named: Substring(name))! }
        switch route {
        case .inboxList:
            return try await site.blocking { Reply.html(try InboxList.render(site: site)) }
        case .topics(let s):
            let sc = scope(s)
            if let p = SearchParams(SearchParams.decode(request.uri.query ?? "")), p.q.contains(where: { !$0.isWhitespace }) {
                return try await site.searching { try SearchPage.render(scope: sc, params: p, host: host) }
            }
            return try await site.blocking {
                try sc.cachedPage("topics|" + (t.map(String.init) ?? "")) { generation in
                    try TopicsPage.render(scope: sc, t: t, etag: generation + "t" + (t.map(String.init) ?? ""))
                }
            }
        case .newHTML(let s):
            let sc = scope(s)
            return try await site.blocking { try NewPage.render(scope: sc, t: t) }
        case .newAtom(let s):
            let sc = scope(s)
            return try await site.blocking {
                try sc.cachedPage("atom|" + (host ?? "") + "|" + (t.map(String.init) ?? "")) { _ in
                    try Atom.newFeed(scope: sc, host: host, t: t)
                }
            }
        case .description(let s):
            return .text(scope(s).title + "\n", type: "text/plain")
        case .allMbox(let s):
            return Mbox.all(scope: scope(s))
        case .text(let s, let key, let raw):
            let sc = scope(s)
            return try await site.blocking { TextPages.render(scope: sc, key: key, raw: raw, host: host) }
        case .message(let s, let mid):
            let sc = scope(s)
            return try await site.blocking {
                try sc.cachedPage("m|" + mid) { generation in
                    try MessagePage.render(site: site, scope: sc, mid: mid, etag: generation + "m")
                        ?? NotFound.render(scope: sc, mid: mid, host: host, upfx: "../")
                }
            }
        case .raw(let s, let mid):
            let sc = scope(s)
            return try await site.blocking { try Mbox.raw(scope: sc, mid: mid) }
        case .threadFlat(let s, let mid), .threadNested(let s, let mid):
            let sc = scope(s)
            var isNested = false
            if case .threadNested = route { isNested = true }
            let nested = isNested
            return try await site.blocking {
                if let r = try ThreadPage.render(scope: sc, mid: mid, nested: nested) { return r }
                return try NotFound.render(scope: sc, mid: mid, host: host, upfx: "../../")
            }
        case .threadMbox(let s, let mid):
            let sc = scope(s)
            return try await site.blocking { try Mbox.thread(scope: sc, mid: mid) }
        case .threadAtom(let s, let mid):
            let sc = scope(s)
            return try await site.blocking { try Atom.threadFeed(scope: sc, mid: mid, host: host) }
        case .diff(let s, let mid):
            let sc = scope(s)
            return try await site.blocking { try DiffPage.render(scope: sc, mid: mid) }
        case .attachment(let s, let mid, let index, _):
            let sc = scope(s)
            return try await site.blocking { try Attachments.serve(scope: sc, mid: mid, index: index) }
        case .series(let s, let mid):
            let sc = scope(s)
            return try await site.blocking { try SeriesPage.render(scope: sc, mid: mid, host: host) }
        case .seriesMbox(let s, let mid):
            let sc = scope(s)
            return try await site.blocking { try SeriesMbox.render(scope: sc, mid: mid) }
        case .seriesList(let s):
            let sc = scope(s)
            return try await site.blocking { try SeriesListPage.render(scope: sc, t: t) }
        case .seriesJSON(let s, let mid):
            let sc = scope(s)
            return try await site.blocking { try SeriesJSON.series(scope: sc, mid: mid, host: host) }
        case .seriesCompare(let s, let mid):
            let sc = scope(s)
            return try await site.blocking { try SeriesComparePage.render(scope: sc, mid: mid, host: host) }
        case .seriesListJSON(let s):
            let sc = scope(s)
            return try await site.blocking { try SeriesJSON.list(scope: sc, host: host, t: t) }
        case .seriesAtom(let s):
            let sc = scope(s)
            return try await site.blocking { try SeriesListPage.atom(scope: sc, host: host, t: t) }
        case .crashJSON(let s, let mid):
            let sc = scope(s)
            return try await site.blocking { try CrashJSON.message(scope: sc, mid: mid, host: host) }
        case .crashList(let s):
            let sc = scope(s)
            return try await site.blocking { try CrashListPage.render(scope: sc, t: t) }
        case .crashAtom(let s):
            let sc = scope(s)
            return try await site.blocking { try CrashListPage.atom(scope: sc, host: host, t: t) }
        case .crashListJSON(let s):
            let sc = scope(s)
            return try await site.blocking { try CrashJSON.list(scope: sc, host: host, t: t) }
        case .bareMid(let mid):
            return try await site.blocking {
                var found: [Scope] = []
                for ib in site.inboxes where try ib.index.has(mid: mid) { found.append(site.scope(named: Substring(ib.name))!) }
                if found.count == 1 { return Reply.redirect(absolute(host, "/\(found[0].name)/\(URLs.mid(mid))/"), status: .found) }
                if found.count > 1 { return Reply.redirect(absolute(host, "/all/\(URLs.mid(mid))/"), status: .found) }
                return Reply.notFoundPlain()
            }
        case .redirect(let s, let path, let permanent):
            var loc = absolute(host, "/\(s)/" + path)
            if let q = request.uri.query, !q.isEmpty, !path.contains("#") { loc += "?" + q }
            return .redirect(loc, status: permanent ? .movedPermanently : .found)
        case .manifest(let s):
            let sc = s.flatMap { site.scope(named: Substring($0)) } ?? site.all
            return try await site.blocking { try ManifestFile.render(site: site, scope: sc) }
        case .gitInfoRefs, .gitUploadPack, .notFound:
            return .notFoundPlain()
        }
    }

    func absolute(_ host: String?, _ path: String) -> String {
        guard let host, !host.isEmpty, !host.contains("/"), !host.contains("\\") else { return path }
        return "http://" + host + path
    }
}

/// Builds the HTTP application that serves `site` on `host:port` within `limits`.
public func makeApplication(
    site: Site, host: String, port: Int, limits: ServerLimits = ServerLimits(),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    makeApplication(site: site, host: host, port: port, connections: ConnectionGuard(limits: limits), onServerRunning: onServerRunning)
}

/// Builds the HTTP application with its connections counted in `budget`, shared with the NNTP
/// and IMAP listeners (whose cap then applies instead of `limits.maxConnections`).
public func makeApplication(
    site: Site, host: String, port: Int, limits: ServerLimits, budget: ConnectionBudget,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    makeApplication(
        site: site, host: host, port: port, connections: ConnectionGuard(limits: limits, budget: budget),
        onServerRunning: onServerRunning)
}

func makeApplication(
    site: Site, host: String, port: Int, connections: ConnectionGuard, onServerRunning: @escaping @Sendable (any Channel) async -> Void
) -> some ApplicationProtocol {
    Application(
        responder: WebResponder(site: site, limits: connections.limits),
        server: HTTPServerBuilder { responder in GuardedHTTP1Channel(responder: responder, connections: connections) },
        configuration: .init(address: .hostname(host, port: port), serverName: "tidings", backlog: 1024),
        onServerRunning: onServerRunning,
        logger: {
            var l = Logger(label: "tidings.web")
            l.logLevel = .notice
            return l
        }())
}
