import TetherSupport

// What an app author needs comes with `import Tether`.
@_exported import TetherBridge
@_exported import TetherHTTP
@_exported import TetherJS

/// The server's log (`Server.Configuration.log`): `Log(level: .debug)` also logs every request.
public typealias Log = TetherSupport.Log
/// How much `Log` writes: `.error`, `.warning`, `.info` (the default) or `.debug`.
public typealias LogLevel = TetherSupport.LogLevel
