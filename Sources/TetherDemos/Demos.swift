import Tether

/// The demo pages of `www/`, bound to their apps; `tetherd` serves these.
public enum Demos {
    /// A server for the demos. Each demo page is bound to its app (when www has it); any other
    /// page (your own, served with `tetherd --www DIR`) has no app: an empty `server` proxy,
    /// calls answered 404.
    public static func server(configuration: Server.Configuration = .init()) -> Server {
        let server = Server(configuration: configuration)
        server.bind("index.html", to: Counter.self, ifPresent: true)
        server.bind("strict.html", to: Counter.self, ifPresent: true)  // the counter under a strict CSP
        server.bind("clock.html", to: Stopwatch.self, ifPresent: true)
        server.bind("factor.html", to: Factor.self, ifPresent: true)
        return server
    }
}
