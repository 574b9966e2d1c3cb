#if canImport(Glibc)
import Glibc
#endif
import TetherDemos
import TetherSystem

exit(Daemon.run(arguments: Array(CommandLine.arguments.dropFirst()), makeServer: Demos.server))
