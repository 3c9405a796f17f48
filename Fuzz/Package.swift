// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for guestcap's parsers of untrusted input (docs/fuzzing.md).
//
// A separate package so the main one stays untouched: `Sources/GuestCapCore` and
// `Sources/GuestCapSources` here are symbolic links to the main package's folders (the main
// package exports no library product to depend on). Build and run with `scripts/fuzz.sh`;
// built without `-DGUESTCAP_LIBFUZZER` each target is a plain executable that replays
// input files, which is how a crash artifact is reproduced without the sanitizers.

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "guestcap-fuzz",
    products: [
        .executable(name: "fuzz-libvirt", targets: ["FuzzLibvirt"]),
        .executable(name: "fuzz-qemu", targets: ["FuzzQEMU"]),
        .executable(name: "fuzz-firecracker", targets: ["FuzzFirecracker"]),
        .executable(name: "fuzz-policy", targets: ["FuzzPolicy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .target(name: "GuestCapCore", swiftSettings: swiftSettings),
        .target(
            name: "GuestCapSources",
            dependencies: [
                "GuestCapCore",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "FuzzSupport", swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzLibvirt", dependencies: ["GuestCapSources", "FuzzSupport"],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzQEMU", dependencies: ["GuestCapSources", "FuzzSupport"],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzFirecracker", dependencies: ["GuestCapSources", "FuzzSupport"],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzPolicy", dependencies: ["GuestCapSources", "FuzzSupport"],
            swiftSettings: swiftSettings),
    ]
)
