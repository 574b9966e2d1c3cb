#if canImport(Glibc)
import Glibc
#endif

/// The stripped size of tetherd built with `--static-swift-stdlib`, when that build exists
/// (`swift build -c release --static-swift-stdlib --product tetherd --scratch-path .build-static`).
/// The bench does not build it (minutes on 2 cores); it strips a copy of what is there.
enum BinarySizeFigure {
    static let buildCommand = "swift build -c release --static-swift-stdlib --product tetherd --scratch-path .build-static"

    static func run(packageRoot: String, _ report: Report) {
        let binary = packageRoot + "/.build-static/release/tetherd"
        guard access(binary, R_OK) == 0 else {
            report.note("static binary size skipped: \(binary) is missing; build it with `\(buildCommand)`")
            return
        }
        guard let strip = ChildProcess.find("strip") else {
            report.note("static binary size skipped: `strip` is not installed (binutils)")
            return
        }
        let copy = "/tmp/tether-bench-tetherd-\(getpid())"
        defer { unlink(copy) }
        guard let child = try? ChildProcess(strip, ["-o", copy, binary]), child.waitForExit(timeout: 60) == 0 else {
            report.note("static binary size skipped: strip failed")
            return
        }
        var info = stat()
        var original = stat()
        guard stat(copy, &info) == 0, stat(binary, &original) == 0 else { return }
        let size = Double(info.st_size)
        report.set("size.bytes", size)
        report.add(Figure("size", "tetherd, --static-swift-stdlib, stripped", result: size / MemoryFigures.megabyte, resultUnit: "MB",
                          remark: "\(Format.grouped(size)) bytes; unstripped \(Format.fixed(Double(original.st_size) / MemoryFigures.megabyte, 1)) MB"))
    }
}
