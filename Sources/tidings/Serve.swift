import ArgumentParser
import Foundation
import Hummingbird
import Store
import Web

/// `tidings serve --listen HOST:PORT`: every inbox of the config over HTTP.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve every inbox over HTTP.")
    @Option(help: "HOST:PORT to listen on") var listen: String = "127.0.0.1:8080"
    @Option(help: "Threads for blocking work (git, SQLite); default 2×cores, at least 4") var threads: Int?
    @OptionGroup var config: ConfigOption

    func run() async throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen takes HOST:PORT")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        let site = try Site(config: config.piConfig, threads: threads)
        if site.inboxes.isEmpty { printError("no inboxes in \(config.piConfig.path); serving an empty list") }
        FileHandle.standardError.write(
            Data("tidings: serving \(site.inboxes.map(\.name).joined(separator: ", ")) on http://\(listen)/\n".utf8))
        try await makeApplication(site: site, host: host, port: port).runService()
    }
}
