// public-inbox's config file (git-config syntax) as `tidings` reads it: through git, then
// split into inboxes. A file git refuses is an error, never a trap; every inbox read has a
// name and a directory; sizes are not negative.
import FuzzSupport
@testable import Store

/// One file per process, rewritten for every input (in memory where /dev/shm exists).
let path: String = {
    let dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    return "\(dir)/tidings-fuzz-config-\(getpid())"
}()

func write(_ bytes: [UInt8]) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    check(fd >= 0, "cannot create \(path)")
    defer { close(fd) }
    bytes.withUnsafeBytes { p in
        var off = 0
        while off < p.count {
            let n = Glibc.write(fd, p.baseAddress! + off, p.count - off)
            check(n > 0, "write failed")
            off += n
        }
    }
}

runFuzzer { raw in
    // include.path would make git read other files of this machine
    guard !raw.isEmpty, !String(decoding: raw, as: UTF8.self).lowercased().contains("include") else { return }
    write(raw)
    let config = PIConfig(path: path)
    guard let inboxes = try? config.inboxes() else { return }
    for c in inboxes {
        check(!c.name.isEmpty && !c.dir.isEmpty, "inbox \(show(c.name)) in \(show(c.dir))")
        if let m = c.maxMessageSize { check(m >= 0, "maxMessageSize \(m)") }
        if let l = c.ingestLimit { check(l > 0, "ingest limit \(l)") }
    }
    for v in ((try? config.entries()) ?? []).map(\.value) {
        if let n = InboxConfig.parseSize(v) { check(n >= 0, "size \(show(v)) read as \(n)") }
    }
}
