#if canImport(Glibc)
import Glibc
#endif

// tether-www WWW_DIR OUTPUT.swift: what the TetherWWW plugin runs at build time.
let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    printError("usage: tether-www WWW_DIR OUTPUT.swift\n")
    exit(64)
}
do {
    try EmbeddedSource.write(www: arguments[1], to: arguments[2])
} catch {
    printError("tether-www: \(error)\n")
    exit(1)
}
