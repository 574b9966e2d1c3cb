/// The script injected into every HTML page. Embedded as a string (a resource bundle would be
/// lost when the binary is copied away from its build folder). `__TETHER_CONFIG__` is replaced
/// by the page's session id and the names its app exposes.
enum PageScript {
    static let source = #"""
// Tether page script: connects this page to its Swift app.
// server.name(…) calls Swift; the poll loop below runs what Swift sends to this page.
(function () {
  "use strict";
  var config = __TETHER_CONFIG__;

  // Paths relative to this page, so it works at "/" and behind a proxy at "/kiosk/".
  var endpoint = new URL("_process_srv0", location.href).href;
  var health = new URL("_health", location.href).href;
  var RELOAD_GUARD_MS = 5000;

  function post(message, keepalive) {
    message.session = config.session;
    return fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Tether-Session": config.session },
      body: JSON.stringify(message),
      cache: "no-store",
      keepalive: !!keepalive
    });
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  // Retry delays with jitter: 100 ms doubling up to 5 s, each between half and all of the step,
  // so a room full of kiosks does not knock on a restarted server in step.
  function Backoff() { this.step = 100; }
  Backoff.prototype.next = function () {
    var wait = this.step * (0.5 + Math.random() / 2);
    this.step = Math.min(this.step * 2, 5000);
    return wait;
  };

  // A visible state while the server is unreachable: style html[data-tether="offline"] if you like.
  function setState(state) {
    if (state) document.documentElement.setAttribute("data-tether", state);
    else document.documentElement.removeAttribute("data-tether");
  }

  // --- Calls into Swift: one at a time, in the order the page makes them.
  var queue = Promise.resolve();
  function request(message) {
    var result = queue.then(function () { return send(message); });
    queue = result.catch(function () {});
    return result;
  }

  async function send(message) {
    var response;
    if (message.inline) message.ack = ack;  // the server forgets what this page has run
    try {
      response = await post(message);
    } catch (error) {
      throw new Error("Tether: server unreachable (" + error.message + ")");
    }
    if (response.status === 410) recover();
    var body = null;
    try { body = await response.json(); } catch (error) { body = null; }
    if (!response.ok) {
      throw new Error(body && body.error ? body.error.message : "Tether: HTTP " + response.status);
    }
    // The writes the call made come back with it (one round trip, not two). Not awaited:
    // a command being run may itself be waiting for this call.
    if (body && body.commands) enqueue(body.commands);
    return body ? body.value : null;
  }

  function call(name, args) {
    return request({ task: "call", function: name, args: args, inline: true });
  }

  // --- The server proxy: only the names the app exposes exist.
  var methods = new Set(config.methods);
  var properties = new Set(config.properties);
  var settable = new Set(config.settable);
  // Names the browser probes on any object (await, JSON, console): undefined without a complaint.
  var quiet = new Set(["then", "toJSON", "constructor", "valueOf", "toString"]);

  window.server = new Proxy({}, {
    get: function (target, name) {
      if (typeof name !== "string") return undefined;
      if (methods.has(name)) {
        return function () { return call(name, Array.prototype.slice.call(arguments)); };
      }
      if (properties.has(name)) return request({ task: "get", property: name });
      if (!quiet.has(name)) console.error("Tether: server." + name + " is not exposed by the app");
      return undefined;
    },
    set: function (target, name, value) {
      if (settable.has(name)) {
        request({ task: "set", property: name, value: value, inline: true }).catch(function (error) {
          console.error("Tether: setting server." + name + " failed:", error.message);
        });
      } else {
        console.error("Tether: server." + String(name) + " is not a settable property of the app");
      }
      return true;
    },
    has: function (target, name) { return methods.has(name) || properties.has(name); }
  });

  // Used by page.callback("name", args…, event: [fields]) in Swift: a function value that
  // calls an exposed method with its arguments, then each field path read from the event.
  window.tether = {
    session: config.session,
    call: function (name) { return call(name, Array.prototype.slice.call(arguments, 1)); },
    callback: function (name, args, paths, event) {
      var values = args.slice();
      for (var i = 0; i < paths.length; i++) {
        var value = event;
        for (var j = 0; j < paths[i].length && value != null; j++) value = value[paths[i][j]];
        values.push(value === undefined ? null : value);
      }
      return call(name, values);
    }
  };

  // --- The poll loop: fetch what Swift queued, run it in order, answer reads with the next poll.
  var ack = 0;       // highest command seq evaluated
  var results = [];  // answers to reads, sent with the next poll
  var recovering = false;

  function describe(error) {
    if (error instanceof Error) return error.name + ": " + error.message;
    return String(error);
  }

  // --- Errors reach the server with the next poll: statements from Swift that threw, and
  // (unless turned off) the page's own uncaught errors and unhandled rejections, 20 at most.
  var reports = [];
  var MAX_PENDING_REPORTS = 50;
  var uncaughtLeft = 20;
  function shorten(text) {
    text = String(text);
    return text.length > 200 ? text.slice(0, 199) + "\u2026" : text;
  }
  function report(kind, error, statement, seq) {
    if (reports.length >= MAX_PENDING_REPORTS) return;
    var isError = error instanceof Error;
    reports.push({ kind: kind, seq: seq, name: isError ? error.name : "", statement: shorten(statement || ""),
                   message: shorten(isError ? error.message : String(error)) });
  }
  if (config.reportErrors) {
    addEventListener("error", function (event) {
      if (uncaughtLeft <= 0) return;
      uncaughtLeft--;
      var where = event.filename ? event.filename + ":" + event.lineno : "";
      report("uncaught", event.error || event.message, where);
    });
    addEventListener("unhandledrejection", function (event) {
      if (uncaughtLeft <= 0) return;
      uncaughtLeft--;
      report("rejection", event.reason, "");
    });
  }

  // Commands come with polls and with call replies; one chain runs them all, in seq order,
  // each once.
  var running = Promise.resolve();
  function enqueue(commands) {
    running = running.then(async function () {
      for (var i = 0; i < commands.length; i++) await run(commands[i]);
    });
    return running;
  }

  // --- Commands are data (README "Commands on the wire"): an operation assigns, runs or reads
  // an expression, and expressions are applied here without eval. Only raw code ({"code": …})
  // and a global name that is not a property of window (a top-level let/const) use eval.
  var IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

  function globalValue(name) {
    if (name in globalThis) return globalThis[name];
    if (config.allowEval !== false && IDENTIFIER.test(name)) return (0, eval)(name);
    throw new ReferenceError(name + " is not defined");
  }

  // A reference: the object holding a property, and the property's key.
  function reference(expr) {
    if ("member" in expr) return { base: evaluate(expr.of), key: expr.member };
    if ("index" in expr) return { base: evaluate(expr.of), key: expr.index };
    if ("global" in expr) return { base: null, key: expr.global };
    return null;
  }

  function evaluate(expr) {
    if ("value" in expr) return expr.value;
    if ("global" in expr) return globalValue(expr.global);
    if ("element" in expr) return document.getElementById(expr.element);
    if ("member" in expr || "index" in expr) {
      var ref = reference(expr);
      return ref.base[ref.key];  // a TypeError on null, as the code would give
    }
    if ("call" in expr) {
      var callee = reference(expr.call);
      var self = callee && callee.base !== null ? callee.base : undefined;
      var fn = callee ? (callee.base === null ? globalValue(callee.key) : self[callee.key]) : evaluate(expr.call);
      var args = expr.args.map(evaluate);
      if (typeof fn !== "function") throw new TypeError(codeOf(expr.call) + " is not a function");
      return fn.apply(self, args);
    }
    if ("number" in expr) return Number(expr.number);
    if ("array" in expr) return expr.array.map(evaluate);
    if ("object" in expr) {
      var object = {};
      expr.object.forEach(function (entry) { object[entry[0]] = evaluate(entry[1]); });
      return object;
    }
    if ("callback" in expr) {
      return function (event) {
        return window.tether.callback(expr.callback, expr.args.map(evaluate), expr.event, event);
      };
    }
    if ("code" in expr) return (0, eval)(expr.code);  // indirect eval: global scope, not this function's
    throw new TypeError("Tether: unknown expression " + JSON.stringify(expr));
  }

  function assign(target, value) {
    var ref = reference(target);
    if (ref === null) throw new SyntaxError("Tether: cannot assign to " + codeOf(target));
    var result = evaluate(value);
    if (ref.base === null) {
      if (!(ref.key in globalThis) && config.allowEval !== false && IDENTIFIER.test(ref.key)) {
        (0, eval)("(function (v) { " + ref.key + " = v; })")(result);  // a top-level let/const
      } else {
        globalThis[ref.key] = result;
      }
    } else {
      ref.base[ref.key] = result;
    }
  }

  function apply(command) {
    switch (command.op) {
      case "assign": assign(command.target, command.value); return undefined;
      case "run": evaluate(command.expr); return undefined;
      case "read": return evaluate(command.expr);
      default: throw new TypeError("Tether: unknown op " + command.op);
    }
  }

  // The JavaScript a command stands for, as Swift spells it, for error reports and the console.
  function codeOf(expr) {
    if ("code" in expr) return expr.code;
    if ("global" in expr) return expr.global;
    if ("element" in expr) return "document.getElementById(" + JSON.stringify(expr.element) + ")";
    if ("member" in expr) return codeOf(expr.of) + "." + expr.member;
    if ("index" in expr) return codeOf(expr.of) + "[" + JSON.stringify(expr.index) + "]";
    if ("call" in expr) return codeOf(expr.call) + "(" + expr.args.map(codeOf).join(",") + ")";
    if ("value" in expr) return JSON.stringify(expr.value);
    if ("number" in expr) return expr.number;
    if ("array" in expr) return "[" + expr.array.map(codeOf).join(",") + "]";
    if ("object" in expr) {
      return "{" + expr.object.map(function (e) { return JSON.stringify(e[0]) + ":" + codeOf(e[1]); }).join(",") + "}";
    }
    if ("callback" in expr) return "tether.callback(" + JSON.stringify(expr.callback) + ")";
    return "?";
  }

  function commandCode(command) {
    if (command.op === "assign") return codeOf(command.target) + "=" + codeOf(command.value);
    return command.expr ? codeOf(command.expr) : "?";
  }

  async function run(command) {
    if (command.seq <= ack) return;  // already evaluated: a resend after a lost answer
    try {
      var value = apply(command);
      if (command.id != null) {
        if (value && typeof value.then === "function") value = await value;
        var text = JSON.stringify(value);
        results.push({ id: command.id, value: text === undefined ? null : JSON.parse(text) });
      }
    } catch (error) {
      if (command.id != null) results.push({ id: command.id, error: describe(error) });
      else {
        var code = commandCode(command);
        console.error("Tether: command " + command.seq + " failed: " + describe(error) + "\n" + code);
        report("command", error, code, command.seq);
      }
    }
    ack = command.seq;
  }

  async function pollLoop() {
    var backoff = new Backoff();
    while (!recovering) {
      var response, batch;
      var sending = reports;
      reports = [];
      try {
        response = await post({ task: "next", ack: ack, results: results, errors: sending });
      } catch (error) {
        reports = sending.concat(reports).slice(0, MAX_PENDING_REPORTS);
        setState("offline");  // the server may be restarting: try again
        await sleep(backoff.next());
        continue;
      }
      if (response.status === 410) { recover(); return; }
      try {
        if (!response.ok) throw new Error("HTTP " + response.status);
        batch = await response.json();
      } catch (error) {
        setState("offline");
        await sleep(backoff.next());
        continue;
      }
      setState(null);
      backoff = new Backoff();
      results = [];  // delivered with that poll
      await enqueue(batch.commands);
    }
  }

  // The session is gone (server restarted, page expired): wait until the server answers,
  // then reload to get a new one. At most one reload every 5 s, so no reload storm,
  // and never onto the browser's error page.
  async function recover() {
    if (recovering) return;
    recovering = true;
    setState("reconnecting");
    var backoff = new Backoff();
    for (;;) {
      try {
        var answer = await fetch(health, { cache: "no-store" });
        if (answer.ok) break;
      } catch (error) { /* not up yet */ }
      await sleep(backoff.next());
    }
    var last = 0;
    try { last = Number(sessionStorage.getItem("tether.reloadedAt")) || 0; } catch (error) { last = 0; }
    var wait = last + RELOAD_GUARD_MS - Date.now();
    if (wait > 0) await sleep(wait);
    try { sessionStorage.setItem("tether.reloadedAt", String(Date.now())); } catch (error) { /* private mode */ }
    location.reload();
  }

  // Tell the server the page is gone, so its session closes now rather than at expiry.
  addEventListener("pagehide", function () {
    var body = JSON.stringify({ session: config.session, task: "unload" });
    var sent = false;
    try { sent = navigator.sendBeacon(endpoint, new Blob([body], { type: "application/json" })); } catch (error) { sent = false; }
    if (!sent) post({ task: "unload" }, true).catch(function () {});
  });

  // Commands address the DOM, so start once it exists.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", pollLoop);
  else pollLoop();
})();
"""#
}
