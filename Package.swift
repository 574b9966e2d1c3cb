// swift-tools-version:6.2
import PackageDescription

// One target per layer (see README "Layers"): an upward import does not compile,
// and the Bridge can be linked into another server without the sockets. Each target
// declares exactly the package modules it imports.
// Linux only (Glibc, POSIX sockets and threads, systemd): no platform line claims otherwise.
// Built and tested with Swift 6.3.1; tools 6.2 for the language features it uses.
let package = Package(
    name: "Tether",
    products: [
        .library(name: "Tether", targets: ["Tether"]),
        .library(name: "TetherSystem", targets: ["TetherSystem"]),
        .library(name: "TetherTesting", targets: ["TetherTesting"]),
        .plugin(name: "TetherWWW", targets: ["TetherWWW"]),
        .executable(name: "tetherd", targets: ["tetherd"]),
    ],
    targets: [
        // epoll, eventfd and sendfile, which Glibc's module does not expose.
        .systemLibrary(name: "CEpoll", path: "Sources/CEpoll"),
        // What every layer shares and is not HTTP: the log, threads, Duration in other units.
        .target(name: "TetherSupport", path: "Sources/Tether/Support"),
        .target(name: "TetherHTTP", dependencies: ["CEpoll", "TetherSupport"], path: "Sources/Tether/HTTP"),
        .target(name: "TetherBridge", dependencies: ["TetherHTTP", "TetherSupport"], path: "Sources/Tether/Bridge"),
        .target(name: "TetherJS", dependencies: ["TetherHTTP", "TetherBridge"], path: "Sources/Tether/JS"),
        .target(name: "Tether", dependencies: ["TetherSupport", "TetherHTTP", "TetherBridge", "TetherJS"], path: "Sources/Tether/App"),
        .target(name: "TetherSystem", dependencies: ["TetherSupport", "Tether"], path: "Sources/Tether/System"),
        .target(name: "TetherDemos", dependencies: ["Tether"]),
        // The page's side of the protocol, once, for TetherTesting, the tests and the bench.
        .target(name: "TetherClient", dependencies: ["TetherSupport", "TetherHTTP", "TetherBridge"]),
        .target(name: "TetherTesting", dependencies: ["Tether", "TetherClient"]),
        // Compiles an app's www/ into its binary (see README "Your own kiosk app").
        .executableTarget(name: "tether-www", path: "Sources/TetherWWW/Tool"),
        .plugin(name: "TetherWWW", capability: .buildTool(), dependencies: ["tether-www"], path: "Sources/TetherWWW/Plugin"),
        .executableTarget(name: "tetherd", dependencies: ["TetherSystem", "TetherDemos"]),
        .testTarget(
            name: "TetherTests",
            dependencies: [
                "TetherSupport", "TetherHTTP", "TetherBridge", "TetherJS", "Tether", "TetherSystem", "TetherDemos", "TetherTesting",
                "TetherClient",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// The benchmark (README "Performance") is built only when asked for, as Hummingbird does with
// its own: `TETHER_BENCH=1 swift run -c release tether-bench`. Everyday builds and an app
// author's dependency on Tether never compile it.
if Context.environment["TETHER_BENCH"] != nil {
    package.targets.append(
        .executableTarget(name: "tether-bench", dependencies: ["TetherSupport", "TetherHTTP", "TetherBridge", "Tether", "TetherDemos",
                                                               "TetherClient"]))
}
