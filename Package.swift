// swift-tools-version:6.0
import PackageDescription

// One target per layer (see README "Layers"): an upward import does not compile,
// and the Bridge can be linked into another server without the sockets.
let package = Package(
    name: "Tether",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Tether", targets: ["Tether"]),
        .library(name: "TetherTesting", targets: ["TetherTesting"]),
        .executable(name: "tetherd", targets: ["tetherd"]),
    ],
    targets: [
        // epoll, eventfd and sendfile, which Glibc's module does not expose.
        .systemLibrary(name: "CEpoll", path: "Sources/CEpoll"),
        .target(name: "TetherHTTP", dependencies: ["CEpoll"], path: "Sources/Tether/HTTP"),
        .target(name: "TetherBridge", dependencies: ["TetherHTTP"], path: "Sources/Tether/Bridge"),
        .target(name: "TetherJS", dependencies: ["TetherBridge"], path: "Sources/Tether/JS"),
        .target(name: "Tether", dependencies: ["TetherJS"], path: "Sources/Tether/App"),
        .target(name: "TetherSystem", dependencies: ["Tether"], path: "Sources/Tether/System"),
        .target(name: "TetherDemos", dependencies: ["Tether"]),
        .target(name: "TetherTesting", dependencies: ["Tether"]),
        .executableTarget(name: "tetherd", dependencies: ["Tether", "TetherSystem", "TetherDemos"]),
        .executableTarget(name: "tether-bench", dependencies: ["Tether", "TetherDemos"]),
        .testTarget(
            name: "TetherTests",
            dependencies: ["TetherHTTP", "TetherBridge", "TetherJS", "Tether", "TetherSystem", "TetherDemos", "TetherTesting"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
