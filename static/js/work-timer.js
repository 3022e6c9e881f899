// Handle time: while a ticket's workspace is visible and focused, tell the server every
// data-work-seconds (tickets/services/work.py counts the time between heartbeats, up to an
// idle cutoff). Nothing is sent while the tab is hidden or another window has focus.
(function () {
  "use strict";

  function workspace() {
    return document.getElementById("workspace");
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function active() {
    return document.visibilityState === "visible" && document.hasFocus();
  }

  function beat() {
    const ws = workspace();
    if (!ws || !ws.dataset.workUrl || !active()) return;
    fetch(ws.dataset.workUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    }).catch(function () {
      // Offline for a moment: the next heartbeat starts a new session after the idle cutoff.
    });
  }

  const ws = workspace();
  if (!ws) return;
  const seconds = parseInt(ws.dataset.workSeconds, 10) || 30;
  beat();
  setInterval(beat, seconds * 1000);
  // Coming back to the ticket starts counting again at once.
  window.addEventListener("focus", beat);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") beat();
  });
})();
