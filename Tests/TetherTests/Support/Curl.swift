import Foundation

/// Runs `/usr/bin/curl` as a subprocess, as the people we build for test a server.
struct CurlResult {
    let exitCode: Int32
    let status: Int
    /// Header names lowercased; the last value wins.
    let headers: [String: String]
    let body: String
    let stderr: String
}

enum CurlError: Error, CustomStringConvertible {
    case notInstalled
    var description: String { "curl is not installed at /usr/bin/curl (apt-get install -y curl)" }
}

/// `try curl(["http://127.0.0.1:\(port)/"])`; `-s -i` are added.
func curl(_ arguments: [String], timeout: Double = 10) throws -> CurlResult {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else { throw CurlError.notInstalled }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["-s", "-i", "--max-time", String(timeout)] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    var status = 0
    var headers: [String: String] = [:]
    var body = ""
    // With -i the head comes first; skip any interim 1xx heads.
    var rest = Substring(text)
    while let range = rest.range(of: "\r\n\r\n") {
        let head = rest[..<range.lowerBound]
        rest = rest[range.upperBound...]
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first else { break }
        let parts = statusLine.split(separator: " ")
        status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        headers = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if status >= 200 { break }
    }
    body = String(rest)
    return CurlResult(exitCode: process.terminationStatus, status: status, headers: headers, body: body,
                      stderr: String(decoding: errData, as: UTF8.self))
}
