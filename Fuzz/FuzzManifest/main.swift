// grokmirror's manifest as `tidings clone` and `fetch` read it from another server: parsed or
// refused with an error, never a trap; a manifest that parses is written and read back the
// same; the epochs found for an inbox are distinct, ascending and not negative.
import FuzzSupport
@testable import Mirror

runFuzzer { raw in
    guard let m = try? Manifest.parse(raw) else { return }
    do {
        let again = try Manifest.parse(try m.json())
        check(again == m, "manifest written and read back differs")
    } catch {
        check(false, "manifest written cannot be read back: \(error)")
    }
    for path in ["/test", "/", ""] + m.entries.keys.prefix(4).map({ String($0.prefix(200)) }) {
        let epochs = RemoteInbox.epochs(in: m, inboxPath: path).map(\.epoch)
        check(epochs == epochs.sorted() && Set(epochs).count == epochs.count, "epochs \(epochs) for \(show(path))")
        check(epochs.allSatisfy { $0 >= 0 }, "negative epoch in \(epochs)")
    }
}
