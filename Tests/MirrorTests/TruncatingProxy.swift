import Foundation
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP proxy in front of a server that passes everything through except the answers to
/// `git-upload-pack`, which it cuts in half and ends: a pack truncated in transit.
final class TruncatingProxy: @unchecked Sendable {
    let port: Int
    let process: Subprocess
    var url: String { "http://127.0.0.1:\(port)" }

    static let script = """
        import http.server, sys, urllib.request
        upstream = sys.argv[2]
        class H(http.server.BaseHTTPRequestHandler):
            def relay(self, body=None):
                req = urllib.request.Request(upstream + self.path, data=body, method=self.command)
                for k in ("Content-Type", "Content-Encoding", "Git-Protocol", "Accept"):
                    if self.headers.get(k): req.add_header(k, self.headers[k])
                try:
                    r = urllib.request.urlopen(req)
                except urllib.error.HTTPError as e:
                    r = e
                data = r.read()
                self.send_response(r.status)
                for k in ("Content-Type", "Cache-Control"):
                    if r.headers.get(k): self.send_header(k, r.headers[k])
                self.end_headers()
                if self.path.endswith("git-upload-pack"):
                    data = data[: len(data) // 2]
                self.wfile.write(data)
            def do_GET(self): self.relay()
            def do_POST(self): self.relay(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            def log_message(self, *a): pass
        http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
        """

    init(upstream: String) throws {
        port = try ServerProcess.freePort()
        process = try Subprocess(["python3", "-c", TruncatingProxy.script, "\(port)", upstream], environment: ["http_proxy": ""])
        process.closeStdin()
        for _ in 0..<100 where !ServerProcess.connects(port) { usleep(100_000) }
    }

    deinit {
        process.signal(SIGKILL)
        process.wait()
    }
}
