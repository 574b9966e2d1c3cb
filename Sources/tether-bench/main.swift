#if canImport(Glibc)
import Glibc
#endif

// Kept to one line: top-level code is main-actor bound, the bench runs on plain threads.
exit(Bench.main(Array(CommandLine.arguments.dropFirst())))
