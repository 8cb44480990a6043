import Foundation

/// One smart-HTTP request for an epoch, as `git http-backend` takes it (CGI variables).
public struct GitRequest: Sendable {
    public enum Service: Sendable, Equatable {
        /// `GET info/refs?service=git-upload-pack`: the ref advertisement (v0) or capabilities (v2).
        case infoRefs
        /// `POST git-upload-pack`: negotiation and the pack.
        case uploadPack
    }

    /// The epoch's git directory.
    public var gitDir: String
    public var service: Service
    public var method: String
    public var query: String
    public var contentType: String?
    /// `Content-Encoding` of the request body (git sends `gzip` for large negotiations).
    public var contentEncoding: String?
    /// The `Git-Protocol` header (`version=2`), passed on as `GIT_PROTOCOL`.
    public var gitProtocol: String?

    /// `header` looks a request header up by name.
    public init(gitDir: String, service: Service, method: String, query: String, header: (String) -> String?) {
        self.gitDir = gitDir
        self.service = service
        self.method = method
        self.query = query
        contentType = header("Content-Type")
        contentEncoding = header("Content-Encoding")
        gitProtocol = header("Git-Protocol")
    }

    /// The CGI environment of `git http-backend` for this request.
    var environment: [String: String] {
        var env: [String: String] = [
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_TRANSLATED": gitDir + (service == .infoRefs ? "/info/refs" : "/git-upload-pack"),
            "REQUEST_METHOD": method,
            "QUERY_STRING": query,
            "GIT_PROJECT_ROOT": "",
            "PATH_INFO": "",
        ]
        // partial clones (`--filter`): what lets a mirror take what exists of an epoch that
        // lacks objects (`PartialTransfer`), and lets readers skip blobs they do not want
        let inherited = Int(ProcessInfo.processInfo.environment["GIT_CONFIG_COUNT"] ?? "") ?? 0
        env["GIT_CONFIG_COUNT"] = String(inherited + 1)
        env["GIT_CONFIG_KEY_\(inherited)"] = "uploadpack.allowFilter"
        env["GIT_CONFIG_VALUE_\(inherited)"] = "true"
        if let contentType { env["CONTENT_TYPE"] = contentType }
        if let contentEncoding { env["HTTP_CONTENT_ENCODING"] = contentEncoding }
        if let gitProtocol, GitRequest.isPlainHeader(gitProtocol) {
            env["GIT_PROTOCOL"] = gitProtocol
            env["HTTP_GIT_PROTOCOL"] = gitProtocol
        }
        return env
    }

    /// Printable ASCII only: a header value that becomes an environment variable.
    static func isPlainHeader(_ s: String) -> Bool {
        s.utf8.count < 256 && s.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7f }
    }
}
