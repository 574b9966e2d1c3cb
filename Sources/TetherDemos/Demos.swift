import Tether

/// The demo pages of `www/`, bound to their apps; `tetherd` serves these.
public enum Demos {
    /// A server for the demos: the counter on every page not bound otherwise.
    public static func server(configuration: Server.Configuration) -> Server {
        let server = Server(configuration: configuration, defaultApp: Counter.self)
        server.bind("clock.html", to: Stopwatch.self)
        server.bind("factor.html", to: Factor.self)
        return server
    }
}
