// swift-tools-version:6.1
import PackageDescription

// Flotilla: a self-hosted, distributed CI system. No package dependencies: Foundation,
// Dispatch, Glibc and three system C libraries (OpenSSL, SQLite, libyaml).
let package = Package(
    name: "Flotilla",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "flotilla", targets: ["flotilla"]),
        .executable(name: "flotilla-bench", targets: ["FlotillaBench"]),
    ],
    targets: [
        // C doors: one system-library target per library; only one Swift module imports each.
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),
        // Linux kernel interfaces missing from the Glibc module (epoll, eventfd, signalfd);
        // only FlotillaNet imports it.
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),

        // Pure wire format: frames, messages, codecs, handshake/session state machines.
        .target(name: "WireProtocol", path: "Protocol", exclude: ["PROTOCOL.md"]),
        // The OpenSSL door: in-memory TLS engine, PKI, SHA-256.
        .target(name: "FlotillaTLS", dependencies: ["COpenSSL"], path: "Sources/FlotillaTLS"),
        // The libyaml door: a YAML node tree that keeps line and column of every node.
        .target(name: "FlotillaYAML", dependencies: ["CYAML"], path: "Sources/FlotillaYAML"),
        // Domain core: pipeline model and loader, matrix, expressions, planning, bundles, logging.
        .target(name: "FlotillaCore", dependencies: ["FlotillaYAML", "FlotillaTLS"],
                path: "Sources/FlotillaCore"),
        // Networking: syscalls, epoll event loop, TLS framed connections.
        .target(name: "FlotillaNet", dependencies: ["WireProtocol", "FlotillaTLS", "FlotillaCore", "CLinux"],
                path: "Sources/FlotillaNet"),
        // The SQLite door: durable coordinator state (WAL, migrations, typed records).
        .target(name: "FlotillaStore", dependencies: ["CSQLite", "WireProtocol", "FlotillaCore"],
                path: "Sources/FlotillaStore"),
        .target(name: "FlotillaCoordinator",
                dependencies: ["WireProtocol", "FlotillaCore", "FlotillaNet", "FlotillaTLS", "FlotillaStore"],
                path: "Coordinator"),
        .target(name: "FlotillaAgent",
                dependencies: ["WireProtocol", "FlotillaCore", "FlotillaNet", "FlotillaTLS"],
                path: "Agents"),
        .executableTarget(name: "flotilla",
                          dependencies: ["FlotillaCoordinator", "FlotillaAgent", "FlotillaCore",
                                         "FlotillaNet", "FlotillaTLS", "WireProtocol", "FlotillaStore"],
                          path: "Sources/flotilla"),
        .executableTarget(name: "FlotillaBench",
                          dependencies: ["FlotillaCoordinator", "FlotillaAgent", "FlotillaCore",
                                         "FlotillaNet", "FlotillaTLS", "WireProtocol"],
                          path: "Sources/FlotillaBench"),
        // Shipped test doubles: manual clock, byte-at-a-time decoder verifier, helpers.
        .target(name: "TestSupport", dependencies: ["WireProtocol", "FlotillaCore", "FlotillaTLS"],
                path: "Sources/TestSupport"),

        .testTarget(name: "WireProtocolTests", dependencies: ["WireProtocol", "TestSupport"]),
        .testTarget(name: "FlotillaTLSTests", dependencies: ["FlotillaTLS", "TestSupport"]),
        .testTarget(name: "FlotillaCoreTests", dependencies: ["FlotillaCore", "FlotillaYAML", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "FlotillaStoreTests", dependencies: ["FlotillaStore", "TestSupport"]),
        .testTarget(name: "FlotillaNetTests", dependencies: ["FlotillaNet", "FlotillaTLS", "WireProtocol", "TestSupport"]),
        .testTarget(name: "FlotillaCoordinatorTests", dependencies: ["FlotillaCoordinator", "WireProtocol", "FlotillaCore", "TestSupport"]),
        .testTarget(name: "FlotillaAgentTests", dependencies: ["FlotillaAgent", "WireProtocol", "FlotillaCore", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["FlotillaCore", "FlotillaStore", "FlotillaTLS", "WireProtocol", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
