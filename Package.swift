// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Tidings",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tidings", targets: ["tidings"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // GMime 3 (Debian libgmime-3.0-dev) with a header shim for its type-check macros.
        .systemLibrary(
            name: "CGMime",
            path: "Sources/CGMime",
            pkgConfig: "gmime-3.0",
            providers: [.apt(["libgmime-3.0-dev"])]
        ),
        // Intel ISA-L's igzip (Debian libisal-dev): gzip for responses, several times faster than zlib.
        .systemLibrary(
            name: "CISAL",
            path: "Sources/CISAL",
            pkgConfig: "libisal",
            providers: [.apt(["libisal-dev"])]
        ),
        // pipe2 and closefrom for spawning (GNU extensions Swift's Glibc module does not expose).
        .target(name: "CSupport"),
        // small tools every module uses: processes, digests, locks, line reading.
        .target(
            name: "Support",
            dependencies: [
                "CSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                // the connection budget shared by the HTTP, NNTP and IMAP listeners
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // mail → a Swift model: headers, Message-IDs, MIME parts, text, quotes, diffs, mbox/Maildir.
        .target(name: "Mail", dependencies: ["CGMime", "Support"]),
        // git epochs in public-inbox v2 layout, the public-inbox config file.
        .target(name: "Store", dependencies: ["Mail", "Support"]),
        // SQLite: article numbers, overview, threads, full-text search; ingest.
        .target(
            name: "Index",
            dependencies: [
                "Mail", "Store", "Support", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                // the threads searches run on (SearchGate), shared by the web and IMAP servers
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Mirroring: git smart HTTP and grokmirror manifests served, other archives cloned and fetched.
        .target(name: "Mirror", dependencies: ["Mail", "Store", "Index", "Support"]),
        // HTTP: public-inbox-compatible archive site.
        .target(
            name: "Web",
            dependencies: [
                "CISAL", "Mail", "Store", "Index", "Mirror", "Support",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        // NNTP (RFC 3977) and IMAP (RFC 3501), read-only, as public-inbox-nntpd and -imapd.
        .target(
            name: "Protocols",
            dependencies: [
                "Mail", "Store", "Index", "Support",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "tidings",
            dependencies: [
                "Mail", "Store", "Index", "Web", "Protocols", "Mirror", "Support",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Fixture lookup and temporary inboxes shared by the test targets.
        .target(name: "TestSupport", dependencies: ["Mail", "Store", "Index", "Support"], path: "Tests/TestSupport"),
        .testTarget(name: "MailTests", dependencies: ["Mail", "Support", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Mail", "Support", "TestSupport"]),
        .testTarget(name: "IndexTests", dependencies: ["Index", "Store", "Mail", "Support", "TestSupport"]),
        .testTarget(name: "SearchTests", dependencies: ["Index", "Store", "Mail", "TestSupport"]),
        .testTarget(
            name: "ProtocolTests",
            dependencies: [
                "Protocols", "Web", "Index", "Store", "Mail", "Support", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "MirrorTests",
            dependencies: [
                "Mirror", "Web", "Index", "Store", "Mail", "Support", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "WebTests",
            dependencies: [
                "Web", "Index", "Store", "Mail", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)

// libFuzzer targets (Fuzz/NAME/), declared only when scripts/fuzz.sh builds them with
// `-sanitize=fuzzer,address`: never part of the default build, the tests or CI.
if Context.environment["TIDINGS_FUZZ"] == "1" {
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/FuzzSupport"))
    let fuzzTargets: [(String, [Target.Dependency])] = [
        ("FuzzMessage", ["Mail"]), ("FuzzMbox", ["Mail"]), ("FuzzMaildir", ["Index", "Mail"]), ("FuzzBody", ["Index", "Mail"]),
        ("FuzzQuery", ["Index", "Store"]), ("FuzzDate", ["Index", "Mail"]), ("FuzzRoute", ["Web", "Mail"]),
        ("FuzzIMAP", ["Protocols"]), ("FuzzNNTP", ["Protocols"]), ("FuzzManifest", ["Mirror"]), ("FuzzConfig", ["Store"]),
    ]
    for (name, dependencies) in fuzzTargets {
        package.targets.append(.executableTarget(name: name, dependencies: ["FuzzSupport"] + dependencies, path: "Fuzz/\(name)"))
    }
}
