// The Maildir reader as an import uses it (`MessageSource.detect` + `forEach`), on a Maildir
// built from the input: chunks separated by 0xFF, each a file name line then the content; the
// first byte of a name picks `new/` (even) or `cur/` (odd). Every file that is not hidden must
// be read exactly once, byte for byte; delivery writes a file that reads back the same.
import Foundation
import FuzzSupport
@testable import Index
@testable import Mail

let base = NSTemporaryDirectory() + "tidings-fuzz-maildir-\(getpid())"
atexit { _ = try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "tidings-fuzz-maildir-\(getpid())") }

func writeFile(_ path: [UInt8], _ content: ArraySlice<UInt8>) -> Bool {
    let fd = (path + [0]).withUnsafeBufferPointer { p in
        p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
    }
    guard fd >= 0 else { return false }
    defer { close(fd) }
    let n = content.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    check(n == content.count, "short write")
    return true
}

runFuzzer { raw in
    try? FileManager.default.removeItem(atPath: base)
    for sub in ["new", "cur", "tmp"] {
        try! FileManager.default.createDirectory(atPath: base + "/" + sub, withIntermediateDirectories: true)
    }
    var expected: [[UInt8]] = []
    for chunk in raw.split(separator: 0xFF, omittingEmptySubsequences: false).prefix(64) {
        let nl = chunk.firstIndex(of: 0x0A) ?? chunk.endIndex
        var name = chunk[chunk.startIndex..<nl].prefix(200).map { $0 == UInt8(ascii: "/") || $0 == 0 ? UInt8(ascii: "_") : $0 }
        if name.isEmpty { name = Array("m".utf8) }
        let content = nl < chunk.endIndex ? chunk[(nl + 1)...] : []
        let sub = name[0] & 1 == 0 ? "new/" : "cur/"
        let hidden = name[0] == UInt8(ascii: ".")
        if name == Array(".".utf8) || name == Array("..".utf8) { continue }
        guard writeFile(Array((base + "/" + sub).utf8) + name, content) else { continue }  // the same name twice
        if !hidden { expected.append(Array(content)) }
    }
    let sources: [MessageSource]
    do {
        sources = try MessageSource.detect(base)
    } catch {
        check(false, "a Maildir not recognised: \(error)")
        return
    }
    check(sources.count == 1, "\(sources.count) sources")
    check(sources[0].count() == expected.count, "count() \(String(describing: sources[0].count())) for \(expected.count) files")
    var got: [[UInt8]] = []
    var origins = Set<String>()
    do {
        try sources[0].forEach { input in
            got.append(input.bytes)
            check(origins.insert(input.origin).inserted, "\(input.origin) read twice")
        }
    } catch {
        check(false, "reading the Maildir threw \(error)")
    }
    check(got.count == expected.count, "\(got.count) messages read from \(expected.count) files")
    check(got.sorted { $0.lexicographicallyPrecedes($1) } == expected.sorted { $0.lexicographicallyPrecedes($1) }, "the bytes read differ")
    // a delivery into the same Maildir is read back as written
    let message = Array(raw.prefix(4096))
    do {
        let path = try Maildir(path: base).deliver(message)
        check(FileManager.default.contents(atPath: path).map(Array.init) == message, "delivered bytes differ")
        check(Maildir.writerPID(String(path.split(separator: "/").last!)) == getpid(), "writer pid of \(path)")
    } catch {
        check(false, "delivery failed: \(error)")
    }
    for name in (try? FileManager.default.contentsOfDirectory(atPath: base + "/cur")) ?? [] { _ = Maildir.writerPID(name) }
}
