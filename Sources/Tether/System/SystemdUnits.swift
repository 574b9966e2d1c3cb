#if canImport(Glibc)
import Glibc
#endif

/// Why `--systemd-units DIR` wrote nothing.
public struct SystemdUnitsError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
}

/// The three units of a Tether binary, named after it: `NAME.socket` (systemd binds the port),
/// `NAME.service` (the binary, hardened, `Type=notify` with a watchdog) and `NAME-kiosk.service`
/// (Chromium full screen on it). `systemd/` in this repository is this text for `tetherd`
/// (`SystemdUnitTests` proves it); the whole text of every unit lives in this one file.
public struct SystemdUnits: Sendable, Equatable {
    /// The binary's name: `tetherd`, `hello`.
    public var name: String
    /// Its absolute path, as ExecStart= runs it.
    public var executable: String
    /// Flags for ExecStart= after the path (`--www /srv/www`), one word each.
    public var arguments: [String]
    /// What the socket unit binds (`127.0.0.1`, `::1`) and the kiosk opens.
    public var host: String
    public var port: Int

    public init(name: String, executable: String, arguments: [String] = [], host: String = "127.0.0.1", port: Int = 8080) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.host = host
        self.port = port
    }

    /// The units for the flags given beside `--systemd-units`: --host and --port go to the
    /// socket unit, the rest to ExecStart= (a relative --www made absolute).
    public init(name: String, executable: String, options: DaemonOptions) {
        var arguments: [String] = []
        if let www = options.www { arguments += ["--www", Self.absolute(www)] }
        for host in options.allowHosts { arguments += ["--allow-host", host] }
        if let hold = options.pollHold { arguments += ["--poll-hold", Self.seconds(hold)] }
        if let limit = options.maxSessions { arguments += ["--max-sessions", String(limit)] }
        if let idle = options.exitWhenIdle { arguments += ["--exit-when-idle", Self.seconds(idle)] }
        if options.open { arguments.append("--open") }
        if options.verbose { arguments.append("--verbose") }
        self.init(name: name, executable: executable, arguments: arguments, host: options.host, port: options.port)
    }

    /// File name and text of each unit.
    public var files: [(name: String, text: String)] {
        [("\(name).socket", socketUnit), ("\(name).service", serviceUnit), ("\(name)-kiosk.service", kioskUnit)]
    }

    /// Writes every unit into `directory` (which must exist); gives the paths written.
    public func write(to directory: String) throws(SystemdUnitsError) -> [String] {
        var info = stat()
        guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw SystemdUnitsError(description: "--systemd-units: \(directory) is not a directory")
        }
        var written: [String] = []
        for file in files {
            let path = directory.hasSuffix("/") ? directory + file.name : directory + "/" + file.name
            guard let handle = fopen(path, "w") else {
                throw SystemdUnitsError(description: "--systemd-units: cannot write \(path): \(String(cString: strerror(errno)))")
            }
            let failed = fputs(file.text, handle) < 0
            if fclose(handle) != 0 || failed {
                throw SystemdUnitsError(description: "--systemd-units: cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written.append(path)
        }
        return written
    }

    // MARK: The units

    private var hostPort: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// What the kiosk and the health check open: loopback for a wildcard bind.
    private var startURL: String {
        let reachable = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host
        return "http://" + (reachable.contains(":") ? "[\(reachable)]" : reachable) + ":\(port)/"
    }

    private var execStart: String {
        ([executable] + arguments).map(Self.quoted).joined(separator: " ")
    }

    var socketUnit: String {
        """
        # \(name).socket: systemd owns the listening socket and hands it to \(name).service as fd 3
        # (LISTEN_FDS). The port is bound before \(name) runs, so connections made while it starts or
        # restarts (after a crash or a missed watchdog ping) wait in the backlog instead of failing.
        # Written by `\(name) --systemd-units DIR`; install in /etc/systemd/system.
        # \(name) serves the first socket only: keep a single ListenStream= line.

        [Unit]
        Description=\(name) socket (http://\(hostPort))

        [Socket]
        ListenStream=\(hostPort)
        Service=\(name).service
        # The kiosk and local tools only: nothing but loopback reaches the port.
        IPAddressDeny=any
        IPAddressAllow=localhost
        NoDelay=true
        # A \(name) that exits 64, 66 or 78 (a bad flag, --www or binding) is not restarted, but every
        # new connection would start it again, for ever. After 5 such starts in 10 s the socket gives
        # up and closes the port ("Trigger limit hit" in the journal; the README's troubleshooting says
        # how to recover). A running \(name) that crashes is restarted by its own Restart=, no trigger.
        TriggerLimitIntervalSec=10s
        TriggerLimitBurst=5

        [Install]
        WantedBy=sockets.target

        """
    }

    var serviceUnit: String {
        """
        # \(name).service: \(name), a Tether daemon, hardened.
        #
        # Written by `\(name) --systemd-units DIR`: it runs the binary by the absolute path it had
        # then (install it first, e.g. /usr/local/bin: a DynamicUser cannot reach /home or /root).
        #
        # \(name) speaks sd_notify itself: READY=1 once it serves, WATCHDOG=1 every WatchdogSec/10
        # while it is alive, STATUS= with the open session count, STOPPING=1 on SIGTERM. Alive means
        # its HTTP loop is running and its session sweeper made a pass in the last few seconds: one
        # takes every connection, the other ends every abandoned page. A stall (SIGSTOP, swapping, a
        # suspend) shorter than WatchdogSec is forgiven: a bad reading stops the pings only after
        # lasting WatchdogSec of \(name)'s own running time, and they resume if it recovers.
        # It serves the socket of \(name).socket (fd 3), so --host/--port are not used here; run
        # without the socket unit, it would bind \(hostPort) itself.

        [Unit]
        Description=\(name) (Tether daemon)
        Requires=\(name).socket
        After=\(name).socket
        StartLimitIntervalSec=0

        [Service]
        Type=notify
        NotifyAccess=main
        ExecStart=\(execStart)
        # SIGHUP reloads every open page (they come back with a fresh session); \(name) keeps running.
        ExecReload=/bin/kill -HUP $MAINPID
        # Exit 64/66/78 (below) is not restarted, but \(name).socket starts \(name) again on the next
        # connection, until its trigger limit closes the port: say so where the error is read.
        ExecStopPost=/bin/sh -c 'case "$$EXIT_STATUS" in 64|66|78) echo "<3>\(name) exited $$EXIT_STATUS: a bad flag, --www directory or page binding, which no restart mends; \(name).socket soon stops listening. Fix it, then: systemctl daemon-reload; systemctl reset-failed \(name).socket \(name).service; systemctl start \(name).socket \(name).service" >&2 ;; esac'
        # The Swift backtracer cannot start under MemoryDenyWriteExecute=; without this a crash or a
        # watchdog SIGABRT would leave the process lingering until SIGKILL, TimeoutStopSec later.
        Environment=SWIFT_BACKTRACE=enable=no
        # A hung daemon (no pings) is killed with SIGABRT and restarted, as is one that exited or
        # crashed, for as long as it takes (a kiosk has no one to type `systemctl restart`); but not
        # after a bad flag (64), a missing www directory (66) or a page bound wrongly (78), which no
        # restart mends.
        WatchdogSec=10s
        Restart=always
        RestartSec=2s
        RestartPreventExitStatus=64 66 78
        TimeoutStopSec=10s

        # Who it runs as: a throwaway user with no capabilities and no way to gain any.
        DynamicUser=yes
        PrivateUsers=yes
        CapabilityBoundingSet=
        AmbientCapabilities=
        NoNewPrivileges=yes
        UMask=0077

        # What it sees: a read-only system, no /home, its own /tmp and /dev, only its own processes.
        ProtectSystem=strict
        ProtectHome=yes
        PrivateTmp=yes
        PrivateDevices=yes
        PrivateIPC=yes
        PrivateMounts=yes
        ProtectProc=invisible
        ProcSubset=pid
        ProtectKernelTunables=yes
        ProtectKernelModules=yes
        ProtectKernelLogs=yes
        ProtectControlGroups=yes
        ProtectClock=yes
        ProtectHostname=yes
        RemoveIPC=yes
        KeyringMode=private

        # What it can do: TCP on loopback (and the AF_UNIX datagram of sd_notify), the system calls of an
        # ordinary service; no namespaces, realtime, personality changes, set-uid files or W+X memory.
        RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
        IPAddressDeny=any
        IPAddressAllow=localhost
        RestrictNamespaces=yes
        RestrictRealtime=yes
        RestrictSUIDSGID=yes
        LockPersonality=yes
        MemoryDenyWriteExecute=yes
        SystemCallArchitectures=native
        SystemCallFilter=@system-service
        SystemCallFilter=~@privileged @resources
        SystemCallErrorNumber=EPERM
        DevicePolicy=closed

        [Install]
        WantedBy=multi-user.target

        """
    }

    var kioskUnit: String {
        let kiosk = "\(name)-kiosk"
        return """
        # \(kiosk).service: Chromium in kiosk mode, full screen on \(name)'s start page.
        #
        # The graphical session is an assumption of this unit, not something it starts. It is a SYSTEM
        # unit (in /etc/systemd/system) that runs as the account `kiosk` and draws on the X11 display :0
        # of that account's session, which a display manager opens at boot with auto-login (LightDM:
        # `autologin-user=kiosk`). Why a system unit: only a system unit can be ordered After= and pull
        # in (Wants=) \(name).service; a user manager cannot see system units. Why DISPLAY and not
        # WAYLAND_DISPLAY: an X11 display (or Xwayland) is addressed by a fixed name, :0, with no
        # per-login runtime directory to point at. For a Wayland-only session instead set
        # Environment=XDG_RUNTIME_DIR=/run/user/<uid of kiosk> WAYLAND_DISPLAY=wayland-0 and add
        # --ozone-platform=wayland (and drop the X11 wait below).
        #
        # Before Chromium starts, ExecStartPre waits until \(name)'s /_health answers (60 tries, 30 to
        # 60 s at most; then the start fails and Restart= tries again), so the kiosk never shows the
        # browser's own error page. Later daemon restarts are handled by the page script. Then it waits
        # for the display and its window manager (up to 60 s): a window mapped before the window manager
        # runs is never made full screen by it. With no window manager at all, Chromium still starts,
        # placed and sized to the screen (Chromium then leaves the last pixel row and column).
        # Written by `\(name) --systemd-units DIR`; needs chromium, curl, x11-utils, dbus (Debian).

        [Unit]
        Description=\(name) kiosk: Chromium full screen on \(startURL)
        Wants=\(name).service
        After=\(name).service \(name).socket display-manager.service
        # A kiosk never gives up on its browser.
        StartLimitIntervalSec=0

        [Service]
        Type=simple
        User=kiosk
        Environment=DISPLAY=:0
        Environment=XAUTHORITY=/home/kiosk/.Xauthority
        # Chromium's profile, caches and NSS database live in a dedicated directory, not in ~kiosk.
        StateDirectory=\(kiosk)
        Environment=HOME=/var/lib/\(kiosk)
        ExecStartPre=/bin/sh -c 'i=0; while [ $$i -lt 60 ]; do curl -fs -o /dev/null --max-time 0.5 \(startURL)_health && exit 0; i=$$((i + 1)); sleep 0.5; done; echo "\(name) did not answer \(startURL)_health in 60 tries" >&2; exit 1'
        ExecStartPre=/bin/sh -c 'i=0; while [ $$i -lt 120 ]; do xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q "window id" && exit 0; i=$$((i + 1)); sleep 0.5; done; xdpyinfo >/dev/null 2>&1 || { echo "display $$DISPLAY is not up after 60 s" >&2; exit 1; }; echo "no window manager on $$DISPLAY after 60 s: starting without one"'
        # Caches (GPU shaders among them) go where XDG says, else to the passwd home, read-only here.
        Environment=XDG_CACHE_HOME=/var/lib/\(kiosk)/cache XDG_CONFIG_HOME=/var/lib/\(kiosk)/config
        # A session bus of its own (without one Chromium logs D-Bus errors all along), in the runtime
        # directory that systemd removes when the unit stops. Chromium stays the main process, and on
        # stop ExecStop= ends it first, while its bus still runs (else it aborts over the lost bus);
        # the bus and the rest get SIGTERM after it.
        RuntimeDirectory=\(kiosk)
        ExecStart=/bin/sh -c 'DBUS_SESSION_BUS_ADDRESS=$$(dbus-daemon --session --address=unix:path=/run/\(kiosk)/bus --fork --nopidfile --print-address=1) && export DBUS_SESSION_BUS_ADDRESS && exec /usr/bin/chromium --kiosk --app=\(startURL) \\
            --window-position=0,0 --window-size=$$(xdpyinfo | grep -o "[0-9]*x[0-9]* pixels" | cut -d" " -f1 | tr x ,) \\
            --user-data-dir=/var/lib/\(kiosk)/chromium \\
            --noerrdialogs --disable-session-crashed-bubble --disable-infobars \\
            --no-first-run --no-default-browser-check --password-store=basic \\
            --disable-translate --disable-features=Translate --check-for-update-interval=31536000 \\
            --overscroll-history-navigation=0 --disable-pinch'
        ExecStop=/bin/sh -c 'kill -TERM $$MAINPID 2>/dev/null; while kill -0 $$MAINPID 2>/dev/null; do sleep 0.1; done'
        Restart=always
        RestartSec=2s
        TimeoutStartSec=150s
        SyslogIdentifier=chromium

        # Light hardening only: Chromium sandboxes itself (user namespaces) and needs the X11 socket in
        # the real /tmp, so PrivateTmp=, RestrictNamespaces= and friends would break it.
        ProtectSystem=full
        ProtectHome=read-only

        [Install]
        WantedBy=graphical.target

        """
    }

    // MARK: Words

    /// One word of an Exec*= line: quoted when it holds a space or a quote; `$` and `%`, which
    /// systemd would expand, doubled.
    static func quoted(_ word: String) -> String {
        var escaped = word.replacingAll("%", with: "%%").replacingAll("$", with: "$$")
        let plain = !escaped.isEmpty && !escaped.contains { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "'" || $0 == "\\" || $0 == ";" }
        if plain { return escaped }
        escaped = escaped.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"")
        return "\"\(escaped)\""
    }

    private static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var segments = cwd.split(separator: "/").map(String.init)
        for segment in path.split(separator: "/") {
            if segment == "." { continue }
            if segment == ".." { _ = segments.popLast(); continue }
            segments.append(String(segment))
        }
        return "/" + segments.joined(separator: "/")
    }

    private static func seconds(_ duration: Duration) -> String {
        let millis = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return millis % 1000 == 0 ? "\(millis / 1000)" : "\(Double(millis) / 1000)"
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}
