import Foundation
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// An upstream built to hurt a mirror, on a free loopback port (a Python http.server). The
/// first path segment picks the behaviour (every one lists epoch 0 in its manifest):
///
/// - `bomb`: `manifest.js.gz` is 1 MB of gzip inflating to 1 GiB of zeros;
/// - `bigjson`: `manifest.js.gz` inflates to 300 MiB of valid JSON;
/// - `endless`: `_/text/config/raw` never ends;
/// - `drip`: git's `info/refs` sends one byte a second, for ever;
/// - `hang`: git's requests are never answered;
/// - `evil`: git is relayed to `upstream`, `_/text/config/raw` holds hostile values;
/// - the root `manifest.js.gz` lists inbox paths that point at `witness` (another host);
///
/// and every request is logged to `log`, one path a line.
final class HostileUpstream: @unchecked Sendable {
    let port: Int
    let process: Subprocess
    let log: String
    var url: String { "http://127.0.0.1:\(port)" }

    /// The hostile config snippet of `evil`: an option, a command, a new section by newline,
    /// a second inbox's section, and one good address.
    static let evilConfig = """
        [publicinbox "evil"]
        \taddress = --global
        \taddress = -c core.sshCommand=touch pwned
        \taddress = "ok@example.org\\n[core]\\n\\tsshCommand = touch pwned"
        \taddress = evil@example.org
        \tnewsgroup = --evil
        [publicinbox "other"]
        \taddress = other@example.org
        \tinboxdir = /etc
        """

    static let script = #"""
        import gzip, http.server, json, os, sys, time, urllib.request, urllib.error
        port, upstream, witness, log, evil = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
        def manifest(entries):
            return gzip.compress(json.dumps(entries).encode())
        def epoch0(name):
            return manifest({"/%s/git/0.git" % name: {"description": name, "fingerprint": "f" * 40, "modified": 1}})
        zeros = gzip.compress(b"\0" * (1 << 20))
        letters = gzip.compress(b"a" * (1 << 20))
        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"
            def reply(self, body, status=200, kind="application/octet-stream"):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def relay(self, body=None):
                req = urllib.request.Request(upstream + self.path, data=body, method=self.command)
                for k in ("Content-Type", "Content-Encoding", "Git-Protocol", "Accept"):
                    if self.headers.get(k): req.add_header(k, self.headers[k])
                try:
                    r = urllib.request.urlopen(req)
                except urllib.error.HTTPError as e:
                    r = e
                self.reply(r.read(), r.status, r.headers.get("Content-Type", "text/plain"))
            def stream(self, pieces):
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                try:
                    for p in pieces: self.wfile.write(p); self.wfile.flush()
                except OSError:
                    pass
            def do_GET(self):
                with open(log, "a") as f: f.write(self.path + "\n")
                parts = self.path.split("/")
                name, rest = (parts[1], "/".join(parts[2:])) if len(parts) > 2 else ("", self.path)
                if self.path == "/manifest.js.gz":
                    w = witness.split("//")[1]
                    keys = ["@%s/x/git/0.git" % w, "//%s/y/git/0.git" % w, "/../z/git/0.git", "http://%s/q/git/0.git" % w]
                    return self.reply(manifest({k: {"fingerprint": "f" * 40} for k in keys}))
                if name == "bomb" and rest == "manifest.js.gz":
                    return self.stream(zeros for _ in range(1024))
                if name == "bigjson" and rest == "manifest.js.gz":
                    head = gzip.compress(b'{"/bigjson/git/0.git": {"description": "')
                    return self.stream([head] + [letters] * 300 + [gzip.compress(b'"}}')])
                if name == "evil" and rest == "_/text/config/raw":
                    return self.reply(evil.encode(), kind="text/plain")
                if name == "evil":
                    return self.relay()
                if rest == "manifest.js.gz":
                    return self.reply(epoch0(name))
                if name == "endless" and rest == "_/text/config/raw":
                    line = b'\taddress = endless@example.org\n' * 32768
                    def forever():
                        yield b'[publicinbox "endless"]\n'
                        while True: yield line
                    return self.stream(forever())
                if name == "drip" and "info/refs" in rest:
                    def drip():
                        while True:
                            yield b"0"
                            time.sleep(1)
                    return self.stream(drip())
                if name == "hang" and rest.startswith("git/"):
                    time.sleep(3600)
                return self.reply(b"not found\n", 404, "text/plain")
            def do_POST(self):
                with open(log, "a") as f: f.write(self.path + "\n")
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path.startswith("/evil/"): return self.relay(body)
                time.sleep(3600)
            def log_message(self, *a): pass
        class S(http.server.ThreadingHTTPServer):
            daemon_threads = True
        S(("127.0.0.1", port), H).serve_forever()
        """#

    /// `upstream`: where `evil` relays git; `witness`: the host the root manifest points at.
    init(upstream: String = "http://127.0.0.1:9", witness: String = "http://127.0.0.1:9", log: String) throws {
        port = try ServerProcess.freePort()
        self.log = log
        FileManager.default.createFile(atPath: log, contents: Data())
        process = try Subprocess(
            ["python3", "-c", HostileUpstream.script, "\(port)", upstream, witness, log, HostileUpstream.evilConfig],
            environment: ["http_proxy": "", "no_proxy": "*"])
        process.closeStdin()
        for _ in 0..<100 {
            if ServerProcess.connects(port) { break }
            usleep(100_000)
        }
    }

    /// The paths asked for so far.
    var requests: [String] { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }

    deinit {
        process.signal(SIGKILL)
        process.wait()
    }
}
