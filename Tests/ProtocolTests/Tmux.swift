import Foundation
import TestSupport

/// A terminal program in a detached tmux session, driven by keys and read from the screen.
final class Tmux {
    let name = "tidings-" + UUID().uuidString.prefix(8)

    init(_ command: String, env: [String: String]) throws {
        let vars = env.map { "\($0.key)=\($0.value)" }.sorted()
        let r = try Command.run(
            ["tmux", "new-session", "-d", "-s", name, "-x", "160", "-y", "48", "env"] + vars + ["sh", "-c", command])
        guard r.status == 0 else { throw POSIXError(.ECHILD) }
    }

    /// A terminal client with its own `home` (and a UTF-8 xterm), `env` added.
    convenience init(_ command: String, home: String, env: [String: String] = [:]) throws {
        try self.init(command, env: ["HOME": home, "LANG": "C.UTF-8", "TERM": "xterm"].merging(env) { $1 })
    }

    deinit { _ = try? Command.run(["tmux", "kill-session", "-t", name]) }

    func screen() -> String { (try? Command.run(["tmux", "capture-pane", "-p", "-t", name]).text) ?? "" }

    /// Waits up to `seconds` for `text` on the screen; returns the last screen either way.
    @discardableResult
    func wait(for text: String, seconds: Double = 60) async -> (found: Bool, screen: String) {
        let end = Date().addingTimeInterval(seconds)
        var s = ""
        while Date() < end {
            s = screen()
            if s.contains(text) { return (true, s) }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return (false, s)
    }

    /// Searches with `/` for `text` and opens what it finds (Enter).
    func searchAndOpen(_ text: String) async throws {
        keys("/")
        keys(text, literal: true)
        keys("Enter")
        try await Task.sleep(for: .milliseconds(500))
        keys("Enter")
    }

    /// Sends keys as tmux names them (`Enter`, `Escape`, or literal text with `literal`).
    func keys(_ keys: String..., literal: Bool = false) {
        _ = try? Command.run(["tmux", "send-keys", "-t", name] + (literal ? ["-l"] : []) + keys)
    }
}
