// What an app author needs comes with `import Tether`.
@_exported import TetherBridge
@_exported import TetherHTTP
@_exported import TetherJS
