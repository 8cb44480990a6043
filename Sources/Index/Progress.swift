import Foundation

/// Progress of long work on a terminal: count, rate and ETA on one redrawn line (only when
/// stderr is a TTY), and a summary line always.
public final class Progress: @unchecked Sendable {
    private let label: String
    private let tty: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    public var total: Int?

    public init(label: String, total: Int? = nil, tty: Bool = isatty(2) != 0) {
        self.label = label
        self.total = total
        self.tty = tty
    }

    public var elapsed: Double { Date().timeIntervalSince(start) }

    /// Redraws at most ten times a second.
    public func update(_ done: Int) {
        guard tty else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let rate = Double(done) / max(elapsed, 0.001)
        var line = "\r\(label): \(done)"
        if let total, total > 0 {
            let pct = min(100, done * 100 / total)
            let width = 24
            let filled = width * min(done, total) / total
            line += "/\(total) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(pct)%"
            let eta = rate > 0 ? Double(total - done) / rate : 0
            line += String(format: "  %.0f msg/s  ETA %d:%02d", rate, Int(eta) / 60, Int(eta) % 60)
        } else {
            line += String(format: " msgs  %.0f msg/s", rate)
        }
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
    }

    /// Clears the progress line.
    public func finish() {
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
