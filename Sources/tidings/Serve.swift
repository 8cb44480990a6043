import ArgumentParser

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve every inbox over HTTP.")
    @Option(help: "HOST:PORT to listen on") var listen: String = "127.0.0.1:8080"
    @OptionGroup var config: ConfigOption

    func run() throws {
        throw ValidationError("not built yet")
    }
}
