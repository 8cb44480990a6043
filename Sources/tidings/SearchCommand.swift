import ArgumentParser
import Foundation
import Index
import Mail

/// `tidings search NAME QUERY`: runs a query in public-inbox's search language.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Search an inbox (public-inbox's query language: s:, f:, d:, patchid: …).")
    @Argument var name: String
    @Argument(help: "The query, e.g. 's:virtio AND d:2020-01-01..2020-02-01'") var query: String
    @Option(help: "Hits to print") var limit = 50
    @Option(help: "Hits to skip") var offset = 0
    @Flag(help: "Print only the number of hits") var count = false
    @Flag(help: "Order by relevance instead of date") var relevance = false
    @Flag(help: "One hit per thread") var threads = false
    @Flag(help: "Print Message-IDs too") var mids = false
    @Option(name: .customLong("repeat"), help: "Run the query N times and print timings (benchmark)") var runs: Int = 0
    @OptionGroup var config: ConfigOption

    func run() throws {
        let inbox = try config.inbox(name, readOnly: true)
        let parsed: SearchQuery
        do {
            parsed = try SearchQuery.parse(query, now: Int64(Date().timeIntervalSince1970))
        } catch let e as SearchQuery.ParseError {
            printError("bad query: \(e.message)")
            throw ExitCode(2)
        }
        let order: SearchOrder = relevance ? .relevance : .date
        if runs > 0 {
            var times: [Double] = []
            for _ in 0..<runs {
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = try SearchQuery.parse(query, now: Int64(Date().timeIntervalSince1970))
                _ = try inbox.index.search(parsed, offset: offset, limit: limit, order: order, collapseThreads: threads)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            times.sort()
            func pct(_ p: Double) -> Double { times[min(times.count - 1, Int(Double(times.count) * p))] }
            print(String(format: "%d runs: p50 %.2f ms, p99 %.2f ms, max %.2f ms", times.count, pct(0.5), pct(0.99), times.last!))
            return
        }
        let r = try inbox.index.search(parsed, offset: offset, limit: count ? 1 : limit, order: order, collapseThreads: threads)
        if count {
            print(r.total)
            return
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        for row in r.rows {
            let date = f.string(from: Date(timeIntervalSince1970: TimeInterval(row.ds)))
            print("\(date)  \(row.fromDisplay.prefix(24).padding(toLength: 24, withPad: " ", startingAt: 0))  \(row.subject)")
            if mids { print("    <\(row.mid)>") }
        }
        let end = r.offset + r.rows.count
        print("-- \(r.rows.isEmpty ? "no results" : "results \(r.offset + 1)-\(end) of \(r.total)")")
    }
}
