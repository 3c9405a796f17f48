// swift-tools-version: 6.1
import PackageDescription

/// One list of settings for every target, so all code is compiled the same way.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "guestcap",
    products: [
        .executable(name: "guestcap", targets: ["guestcap"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .target(
            name: "GuestCapCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GuestCapSources",
            dependencies: [
                "GuestCapCore",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GuestCapStore",
            dependencies: [
                "GuestCapCore",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GuestCapDaemon",
            dependencies: [
                "GuestCapCore", "GuestCapSources", "GuestCapStore", "GuestCapReport", "CSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GuestCapReport",
            dependencies: [
                "GuestCapCore", "GuestCapSources", "GuestCapStore", "CSystemd",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "guestcap",
            dependencies: [
                "GuestCapCore", "GuestCapSources", "GuestCapStore", "GuestCapDaemon", "GuestCapReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "guestcap-fleet-gen",
            dependencies: ["GuestCapCore", "GuestCapSources", "GuestCapStore", "GuestCapReport"],
            path: "Benchmarks/fleet",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "guestcap-store-bench",
            dependencies: ["GuestCapCore", "GuestCapStore"],
            path: "Benchmarks/store",
            swiftSettings: swiftSettings
        ),
        // What the test targets share: the programs tests run and the rule for them (TestTool),
        // the process runner and temporary folders.
        .target(
            name: "GuestCapTestSupport",
            path: "Tests/GuestCapTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GuestCapCoreTests",
            dependencies: ["GuestCapCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GuestCapSourcesTests",
            dependencies: ["GuestCapCore", "GuestCapSources", "GuestCapTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GuestCapStoreTests",
            dependencies: ["GuestCapCore", "GuestCapStore", "GuestCapTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GuestCapDaemonTests",
            dependencies: [
                "GuestCapCore", "GuestCapSources", "GuestCapStore", "GuestCapDaemon", "GuestCapReport",
                "GuestCapTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GuestCapReportTests",
            dependencies: ["GuestCapCore", "GuestCapStore", "GuestCapReport", "GuestCapTestSupport"],
            // Read from the source tree by GoldenOutputTests (and rewritten on request).
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GuestCapCLITests",
            dependencies: ["GuestCapCore", "GuestCapSources", "GuestCapStore", "GuestCapTestSupport"],
            exclude: ["root-only-host.json", "kvm-msr-vmm.c"],
            swiftSettings: swiftSettings
        ),
    ]
)
