/// An error that knows how it answers, as Hummingbird's `HTTPResponseError`: a handler throws
/// it and its status follows (`throw HTTPError(.gone, code: "expired", message: "reload")`).
/// The body is the business of an `HTTPErrorFormat`.
public protocol HTTPResponseError: Error, Sendable, CustomStringConvertible {
    var status: HTTPStatus { get }
    /// A short name for programs: `body_too_large`, `not_found`.
    var code: String { get }
    /// Fields the answer must carry (`Allow` on a 405, `Content-Range` on a 416).
    var headers: HTTPHeaders { get }
    /// Close the connection after answering (the request stream is no longer trusted).
    var closesConnection: Bool { get }
}

extension HTTPResponseError {
    public var headers: HTTPHeaders { [:] }
    public var closesConnection: Bool { false }
}

/// A refusal with a status, a code and a message: `throw HTTPError(.notFound, code: "not_found", message: "no such file")`.
public struct HTTPError: HTTPResponseError {
    public var status: HTTPStatus
    public var code: String
    public var message: String
    public var headers: HTTPHeaders
    public var closesConnection: Bool

    public init(_ status: HTTPStatus, code: String, message: String, headers: HTTPHeaders = [:],
                closesConnection: Bool = false) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.closesConnection = closesConnection
    }

    public var description: String { message }
}

/// How refusals are written: the HTTP layer's own (a malformed request, a limit, a missing
/// file) and a handler's. The HTTP layer knows plain text only; the layer above sets its own
/// shape: `configuration.errorFormat = .json` (Tether's, from TetherBridge), or
/// `StaticFiles(root: "www", errorFormat: .json)`.
public struct HTTPErrorFormat: Sendable {
    private let write: @Sendable (any HTTPResponseError) -> (contentType: String, body: [UInt8])

    /// `write` gives the media type and the body for an error; status and headers come from the error.
    public init(_ write: @escaping @Sendable (any HTTPResponseError) -> (contentType: String, body: [UInt8])) {
        self.write = write
    }

    /// `not_found: no such file`
    public static let plainText = HTTPErrorFormat { error in
        ("text/plain; charset=utf-8", Array("\(error.code): \(error.description)\n".utf8))
    }

    /// The whole answer for `error`: its status, its headers, this format's body.
    public func response(for error: any HTTPResponseError) -> HTTPResponse {
        let (contentType, body) = write(error)
        var headers: HTTPHeaders = ["Content-Type": contentType]
        for field in error.headers { headers.add(field.name, field.value) }
        return HTTPResponse(status: error.status, headers: headers, body: body, closesConnection: error.closesConnection)
    }
}
