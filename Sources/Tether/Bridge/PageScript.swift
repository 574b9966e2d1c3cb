/// The page script, served as `_tether.js` (see `PageScriptFile`) so it runs under a strict
/// Content-Security-Policy (`script-src 'self'`): no inline code, and `eval` only for raw
/// `JS(code:)`. Embedded as a string (a resource bundle would be lost when the binary is
/// copied away from its build folder). Its configuration is in the JSON block
/// `ScriptInjection` puts before it.
enum PageScript {
    static let source = #"""
// Tether page script (README "The page script"): connects this page to its Swift app.
// `server.name(…)` calls Swift; the poll loop applies what Swift queues for this page.
// The server puts its configuration in <script type="application/json" id="tether-config">
// right before this file; the page's own options are data-tether-* attributes on <html>.
(() => {
  "use strict";

  // --- Configuration
  const configElement = document.getElementById("tether-config");
  if (!configElement) {
    console.error("Tether: no <script type=\"application/json\" id=\"tether-config\"> before _tether.js");
    return;
  }
  const fromServer = JSON.parse(configElement.textContent);

  // data-tether-<name> on <html>: a number of milliseconds, or "false" to turn a switch off.
  function option(name, fallback) {
    const text = document.documentElement.getAttribute("data-tether-" + name);
    if (text === null) return fallback;
    if (typeof fallback === "boolean") return text !== "false";
    const number = Number(text);
    return text.trim() !== "" && Number.isFinite(number) && number >= 0 ? number : fallback;
  }

  const backoffMin = Math.max(10, option("backoff-min", 100));  // never a busy loop
  const config = Object.freeze({
    session: fromServer.session,
    pollHold: fromServer.pollHold,  // ms a poll is held when nothing is queued; set in Swift
    backoffMin,
    backoffMax: Math.max(backoffMin, option("backoff-max", 5000)),
    reloadGuard: option("reload-guard", 5000),
    reportErrors: fromServer.reportErrors && option("report-errors", true),
    allowEval: option("allow-eval", true),
  });

  // Paths relative to this page, so it works at "/" and behind a proxy at "/kiosk/".
  const endpoint = new URL("_process_srv0", location.href).href;
  const health = new URL("_health", location.href).href;
  const MAX_PENDING_REPORTS = 50;
  const HELD_MS = 250;

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function post(message, keepalive = false) {
    message.session = config.session;
    return fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Tether-Session": config.session },
      body: JSON.stringify(message),
      cache: "no-store",
      keepalive,
    });
  }

  // Retry delays with jitter: backoffMin doubling up to backoffMax, each between half and all
  // of the step, so a room full of kiosks does not knock on a restarted server in step.
  class Backoff {
    constructor() { this.step = config.backoffMin; }
    next() {
      const wait = this.step * (0.5 + Math.random() / 2);
      this.step = Math.min(this.step * 2, config.backoffMax);
      return wait;
    }
  }

  // --- Lifecycle: tether:connected, tether:offline, tether:reconnecting and
  // tether:commandfailed on document, and html[data-tether="offline"|"reconnecting"] to style.
  let online = null;  // unknown until the first poll

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent("tether:" + name, { detail }));
  }

  function setState(state) {
    if (state) document.documentElement.setAttribute("data-tether", state);
    else document.documentElement.removeAttribute("data-tether");
  }

  // Each fires once per change: the first poll answered or held, and each after a failed one.
  function nowConnected() {
    setState(null);
    if (online === true) return;
    online = true;
    emit("connected", { session: config.session });
  }

  function nowOffline(error) {
    setState("offline");  // the server may be restarting: the poll loop tries again
    if (online === false) return;
    online = false;
    emit("offline", { error: describe(error) });
  }

  function describe(error) {
    return error instanceof Error ? error.name + ": " + error.message : String(error);
  }

  // --- Calls into Swift: one at a time, in the order the page makes them.
  let calls = Promise.resolve();

  function request(message) {
    const result = calls.then(() => send(message));
    calls = result.catch(() => {});
    return result;
  }

  async function send(message) {
    if (message.inline) message.ack = ack;  // Session rule 4: the reply repeats nothing applied
    let response;
    try {
      response = await post(message);
    } catch (error) {
      throw new Error("Tether: server unreachable (" + error.message + ")");
    }
    if (response.status === 410) recover();
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      throw new Error(body && body.error ? body.error.message : "Tether: HTTP " + response.status);
    }
    // The writes the call made come back with it (one round trip, not two). This relies on the
    // rules of Swift's Session ("A call's writes"): rule 1, the reply holds every unacknowledged
    // command, so `run` skips a seq already applied; rule 2, never a read (see pollLoop).
    // Not awaited: a command being run may itself be waiting for this call.
    if (body && body.commands) enqueue(body.commands);
    return body ? body.value : null;
  }

  const call = (name, args) => request({ task: "call", function: name, args, inline: true });

  // --- The server proxy: only the names the app exposes exist.
  const methods = new Set(fromServer.methods);
  const properties = new Set(fromServer.properties);
  const settable = new Set(fromServer.settable);
  // Names the browser probes on any object (await, JSON, console): undefined without a complaint.
  const quiet = new Set(["then", "toJSON", "constructor", "valueOf", "toString"]);

  window.server = new Proxy({}, {
    get(target, name) {
      if (typeof name !== "string") return undefined;
      if (methods.has(name)) return (...args) => call(name, args);
      if (properties.has(name)) return request({ task: "get", property: name });
      if (!quiet.has(name)) console.error("Tether: server." + name + " is not exposed by the app");
      return undefined;
    },
    set(target, name, value) {
      if (settable.has(name)) {
        request({ task: "set", property: name, value, inline: true }).catch((error) => {
          console.error("Tether: setting server." + name + " failed:", error.message);
        });
      } else {
        console.error("Tether: server." + String(name) + " is not a settable property of the app");
      }
      return true;
    },
    has: (target, name) => methods.has(name) || properties.has(name),
  });

  // A page.callback("name", args…, event: [fields]) from Swift calls this: the exposed method
  // gets its arguments, then each field path read from the event (null when missing).
  function callback(name, args, paths, event) {
    const fields = paths.map((path) => {
      let value = event;
      for (const key of path) {
        if (value == null) break;
        value = value[key];
      }
      return value === undefined ? null : value;
    });
    return call(name, [...args, ...fields]);
  }

  window.tether = Object.freeze({
    session: config.session,
    config,
    call: (name, ...args) => call(name, args),
    callback,
  });

  // --- Declarative calls, for pages with no script of their own:
  // <button data-tether-click="increment" data-tether-args="[5]"> calls server.increment(5).
  // change and input pass the element's value after the arguments, submit the form's fields
  // as an object (and the form is not sent). One listener per type, so later elements work too.
  const DECLARATIVE_EVENTS = ["click", "change", "input", "submit"];

  function declarativeArguments(element, type) {
    const text = element.getAttribute("data-tether-args");
    let args = [];
    if (text) {
      const parsed = JSON.parse(text);
      args = Array.isArray(parsed) ? parsed : [parsed];
    }
    if (type === "change" || type === "input") args.push("value" in element ? element.value : null);
    if (type === "submit" && element instanceof HTMLFormElement) {
      args.push(Object.fromEntries(new FormData(element)));
    }
    return args;
  }

  for (const type of DECLARATIVE_EVENTS) {
    const attribute = "data-tether-" + type;
    document.addEventListener(type, (event) => {
      const element = event.target instanceof Element ? event.target.closest("[" + attribute + "]") : null;
      if (!element) return;
      if (type === "submit") event.preventDefault();
      const name = element.getAttribute(attribute);
      if (!methods.has(name)) {
        console.error("Tether: " + attribute + "=\"" + name + "\": server." + name + " is not exposed by the app");
        return;
      }
      let args;
      try {
        args = declarativeArguments(element, type);
      } catch (error) {
        console.error("Tether: data-tether-args of " + attribute + "=\"" + name + "\" is not JSON: " + error.message);
        return;
      }
      call(name, args).catch((error) => console.error("Tether: server." + name + " failed:", error.message));
    });
  }

  // --- Errors reach the server with the next poll: commands from Swift that threw, and
  // (unless turned off) the page's own uncaught errors and unhandled rejections, 20 at most.
  let reports = [];
  let uncaughtLeft = 20;

  function shorten(text) {
    text = String(text);
    return text.length > 200 ? text.slice(0, 199) + "\u2026" : text;
  }

  function report(kind, error, statement, seq) {
    if (reports.length >= MAX_PENDING_REPORTS) return;
    const isError = error instanceof Error;
    reports.push({ kind, seq, name: isError ? error.name : "", statement: shorten(statement || ""),
                   message: shorten(isError ? error.message : String(error)) });
  }

  if (config.reportErrors) {
    addEventListener("error", (event) => {
      if (uncaughtLeft <= 0) return;
      uncaughtLeft--;
      const where = event.filename ? event.filename + ":" + event.lineno : "";
      report("uncaught", event.error || event.message, where);
    });
    addEventListener("unhandledrejection", (event) => {
      if (uncaughtLeft <= 0) return;
      uncaughtLeft--;
      report("rejection", event.reason, "");
    });
  }

  // --- Commands are data (README "Commands on the wire"): an operation assigns, runs or reads
  // an expression, applied here without eval. Only raw code ({"code": …}) uses eval, and a
  // global name that is not a property of window (a top-level let or const) unless allowEval
  // is off.
  const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

  function indirectEval(code) {
    if (!config.allowEval) throw new EvalError("Tether: raw code needs eval, and data-tether-allow-eval is false");
    return (0, eval)(code);  // indirect: global scope, not this function's
  }

  function globalValue(name) {
    if (name in globalThis) return globalThis[name];
    if (config.allowEval && IDENTIFIER.test(name)) return indirectEval(name);
    throw new ReferenceError(name + " is not defined");
  }

  // What a member, index or global names: the object holding it (null or undefined gives a
  // TypeError when used, as the code would), or `global`, and the key.
  function reference(expr) {
    if ("member" in expr) return { base: evaluate(expr.of), key: expr.member };
    if ("index" in expr) return { base: evaluate(expr.of), key: expr.index };
    if ("global" in expr) return { global: true, key: expr.global };
    return null;
  }

  function evaluate(expr) {
    if ("value" in expr) return expr.value;
    if ("global" in expr) return globalValue(expr.global);
    if ("element" in expr) return document.getElementById(expr.element);
    if ("member" in expr || "index" in expr) {
      const { base, key } = reference(expr);
      return base[key];
    }
    if ("call" in expr) return evaluateCall(expr);
    if ("number" in expr) return Number(expr.number);
    if ("array" in expr) return expr.array.map(evaluate);
    if ("object" in expr) return Object.fromEntries(expr.object.map(([key, value]) => [key, evaluate(value)]));
    if ("callback" in expr) {
      return (event) => callback(expr.callback, expr.args.map(evaluate), expr.event, event);
    }
    if ("code" in expr) return indirectEval(expr.code);
    throw new TypeError("Tether: unknown expression " + JSON.stringify(expr));
  }

  // A call of a member has `this` bound to its object, as `a.b()` has; a global's is undefined.
  function evaluateCall(expr) {
    const ref = reference(expr.call);
    let self, fn;
    if (ref === null) fn = evaluate(expr.call);
    else if (ref.global) fn = globalValue(ref.key);
    else {
      self = ref.base;
      fn = self[ref.key];
    }
    const args = expr.args.map(evaluate);
    if (typeof fn !== "function") throw new TypeError(codeOf(expr.call) + " is not a function");
    return fn.apply(self, args);
  }

  function assign(target, valueExpr) {
    const ref = reference(target);
    if (ref === null) throw new SyntaxError("Tether: cannot assign to " + codeOf(target));
    const value = evaluate(valueExpr);
    if (!ref.global) {
      ref.base[ref.key] = value;
    } else if (!(ref.key in globalThis) && config.allowEval && IDENTIFIER.test(ref.key)) {
      indirectEval("(function (v) { " + ref.key + " = v; })")(value);  // a top-level let, or a new global
    } else {
      globalThis[ref.key] = value;
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

  // JSON as Swift writes it in code: `<`, U+2028 and U+2029 escaped.
  function jsonCode(value) {
    return JSON.stringify(value).replace(/[<\u2028\u2029]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  }

  // The JavaScript a command stands for, as Swift spells it (`operation.code`; a number such as
  // 1.0 reads 1 here): for error reports and the console.
  function codeOf(expr) {
    if ("code" in expr) return expr.code;
    if ("global" in expr) return expr.global;
    if ("element" in expr) return "document.getElementById(" + jsonCode(expr.element) + ")";
    if ("member" in expr) return codeOf(expr.of) + "." + expr.member;
    if ("index" in expr) return codeOf(expr.of) + "[" + jsonCode(expr.index) + "]";
    if ("call" in expr) return codeOf(expr.call) + "(" + expr.args.map(codeOf).join(",") + ")";
    if ("value" in expr) return jsonCode(expr.value);
    if ("number" in expr) return expr.number;
    if ("array" in expr) return "[" + expr.array.map(codeOf).join(",") + "]";
    if ("object" in expr) return "{" + expr.object.map(([key, value]) => jsonCode(key) + ":" + codeOf(value)).join(",") + "}";
    if ("callback" in expr) {
      return "(function(e){return tether.callback(" + jsonCode(expr.callback) + ",[" + expr.args.map(codeOf).join(",")
        + "]," + jsonCode(expr.event) + ",e)})";
    }
    return "?";
  }

  function commandCode(command) {
    if (command.op === "assign") return codeOf(command.target) + "=" + codeOf(command.value);
    return command.expr ? codeOf(command.expr) : "?";
  }

  // --- The poll loop: fetch what Swift queued, apply it in order, answer reads with the next poll.
  let ack = 0;       // highest command seq applied
  let results = [];  // answers to reads, sent with the next poll
  let recovering = false;

  // Commands come with polls and with call replies (the same seq may come both ways, Session
  // rule 1); one chain applies them all, in seq order, each once.
  let running = Promise.resolve();

  function enqueue(commands) {
    running = running.then(async () => {
      for (const command of commands) await run(command);
    });
    return running;
  }

  async function run(command) {
    if (command.seq <= ack) return;  // already applied: a resend after a lost answer
    try {
      let value = apply(command);
      if (command.id != null) {
        if (value && typeof value.then === "function") value = await value;
        const text = JSON.stringify(value);
        results.push({ id: command.id, value: text === undefined ? null : JSON.parse(text) });
      }
    } catch (error) {
      if (command.id != null) {
        results.push({ id: command.id, error: describe(error) });
      } else {
        const statement = commandCode(command);
        console.error("Tether: command " + command.seq + " failed: " + describe(error) + "\n" + statement);
        report("command", error, statement, command.seq);
        emit("commandfailed", { seq: command.seq, statement, error: describe(error) });
      }
    }
    ack = command.seq;
  }

  async function pollLoop() {
    let backoff = new Backoff();
    while (!recovering) {
      let response, batch;
      const sending = reports;
      reports = [];
      // The server refuses a poll at once (410, 503, …) and holds one it accepts, so a poll
      // still out after HELD_MS is connected: an idle page need not wait out the hold to know.
      const held = setTimeout(nowConnected, HELD_MS);
      try {
        response = await post({ task: "next", ack, results, errors: sending });
      } catch (error) {
        clearTimeout(held);
        reports = sending.concat(reports).slice(0, MAX_PENDING_REPORTS);
        nowOffline(error);
        await sleep(backoff.next());
        continue;
      }
      clearTimeout(held);
      if (response.status === 410) { recover(); return; }
      try {
        if (!response.ok) throw new Error("HTTP " + response.status);
        batch = await response.json();
      } catch (error) {
        nowOffline(error);
        await sleep(backoff.next());
        continue;
      }
      nowConnected();
      backoff = new Backoff();
      // The answers went with that poll, so they are cleared. This is safe only because of
      // Session rule 2 ("never inline while a read is queued"): every answer comes from a
      // poll's batch, and the next poll is sent only once that batch is applied. A read run
      // from a call's reply while this poll was out would have its answer dropped here, unsent.
      results = [];
      await enqueue(batch.commands);
    }
  }

  // The session is gone (server restarted, page expired): wait until the server answers,
  // then reload to get a new one. At most one reload per reloadGuard ms, so no reload storm,
  // and never onto the browser's error page.
  async function recover() {
    if (recovering) return;
    recovering = true;
    online = false;
    setState("reconnecting");
    emit("reconnecting", {});
    const backoff = new Backoff();
    for (;;) {
      try {
        const answer = await fetch(health, { cache: "no-store" });
        if (answer.ok) break;
      } catch (error) { /* not up yet */ }
      await sleep(backoff.next());
    }
    let last = 0;
    try { last = Number(sessionStorage.getItem("tether.reloadedAt")) || 0; } catch (error) { last = 0; }
    const wait = last + config.reloadGuard - Date.now();
    if (wait > 0) await sleep(wait);
    try { sessionStorage.setItem("tether.reloadedAt", String(Date.now())); } catch (error) { /* private mode */ }
    location.reload();
  }

  // Tell the server the page is gone, so its session closes now rather than at expiry.
  addEventListener("pagehide", () => {
    const body = JSON.stringify({ session: config.session, task: "unload" });
    let sent = false;
    try { sent = navigator.sendBeacon(endpoint, new Blob([body], { type: "application/json" })); } catch (error) { sent = false; }
    if (!sent) post({ task: "unload" }, true).catch(() => {});
  });

  // Commands address the DOM, so start once it exists.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", pollLoop);
  else pollLoop();
})();
"""#
}
