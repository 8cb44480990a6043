// The mbox reader in every variant, from a file descriptor as an import reads it. The reader
// never invents bytes, offsets move forward, and an mboxrd written by Tidings reads back as
// the same messages.
import FuzzSupport
@testable import Mail

/// One file per process, rewritten for every input (in memory where /dev/shm exists).
let fd: Int32 = {
    let dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    let path = "\(dir)/tidings-fuzz-mbox-\(getpid())"
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    check(fd >= 0, "cannot create \(path)")
    unlink(path)
    return fd
}()

/// The reader's buffer size: small ones make lines and Content-Length bodies span reads.
nonisolated(unsafe) var bufferSize = 64

func read(_ bytes: [UInt8], _ format: MboxFormat) -> [MboxEntry] {
    check(ftruncate(fd, 0) == 0, "ftruncate failed")
    lseek(fd, 0, SEEK_SET)
    bytes.withUnsafeBytes { p in
        var off = 0
        while off < p.count {
            let n = write(fd, p.baseAddress! + off, p.count - off)
            check(n > 0, "write failed")
            off += n
        }
    }
    lseek(fd, 0, SEEK_SET)
    var out: [MboxEntry] = []
    do {
        try MboxReader(fd: fd, format: format, bufferSize: bufferSize).forEach { out.append($0) }
    } catch {
        check(false, "MboxReader threw \(error)")
    }
    return out
}

func written(_ entries: [MboxEntry]) -> [UInt8] { entries.flatMap { MboxrdWriter.entry($0.bytes) } }

runFuzzer { raw in
    bufferSize = 1 + Int(raw.count % 251)
    for format in MboxFormat.allCases {
        let entries = read(raw, format)
        var total = 0
        var last = -1
        for e in entries {
            total += e.bytes.count
            check(e.offset > last && e.offset <= raw.count, "\(format): offset \(e.offset) after \(last) of \(raw.count)")
            last = e.offset
            if let t = e.receivedAt { _ = UTCCalendar.components(t) }
        }
        check(total <= raw.count, "\(format): \(total) bytes of messages from \(raw.count) bytes")
    }
    let entries = read(raw, .mboxrd)
    let once = written(entries)
    let again = read(once, .mboxrd)
    check(again.count == entries.count, "mboxrd written: \(entries.count) messages read back as \(again.count)")
    check(written(again) == once, "mboxrd written, read and written again differs")
}
