// The script of strict.html, a file as its Content-Security-Policy demands. It runs before
// Tether's, so it also sees any policy violation from the start.
"use strict";

// Kept for the tests: policy violations, and Tether's lifecycle events across reloads.
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});

function remember(name) {
  let seen = [];
  try { seen = JSON.parse(sessionStorage.getItem("tether-events") || "[]"); } catch (error) { seen = []; }
  seen.push(name);
  try { sessionStorage.setItem("tether-events", JSON.stringify(seen)); } catch (error) { /* private mode */ }
}

for (const name of ["connected", "offline", "reconnecting", "commandfailed"]) {
  document.addEventListener("tether:" + name, (event) => {
    remember(name === "commandfailed" ? name + " " + event.detail.statement : name);
    if (name === "connected" && window.connectedAt === undefined) window.connectedAt = performance.now();
    const state = document.getElementById("state");
    if (state && name !== "commandfailed") state.textContent = name;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("b1").addEventListener("click", () => server.increment());
});
