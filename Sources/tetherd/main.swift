import TetherDemos
import TetherSystem

// The demos, run by the same entry point an app author's binary uses.
Demos.server().runAsDaemon()
