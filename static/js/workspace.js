// Ticket workspace: drafts that survive reloads, swaps and 409s (localStorage), a warning
// before leaving with unsent text, presence heartbeats (who else is here / typing), and
// click-to-reveal of sensitive media (the server sends a blurred derivative until the reveal
// is recorded).
(function () {
  "use strict";

  const HEARTBEAT_MS = 15000;
  let lastTyped = 0;

  function root() {
    return document.getElementById("workspace");
  }

  function draftKey(ws, kind) {
    return "fl-draft:" + ws.dataset.ticket + ":" + kind;
  }

  function setupDrafts() {
    const ws = root();
    if (!ws) return;
    const sent = ws.dataset.sent;
    if (sent) localStorage.removeItem(draftKey(ws, sent));
    ws.querySelectorAll("textarea[data-draft]").forEach((area) => {
      const key = draftKey(ws, area.dataset.draft);
      if (area.value.trim()) {
        localStorage.setItem(key, area.value);
      } else if (localStorage.getItem(key)) {
        area.value = localStorage.getItem(key);
        area.classList.add("draft-restored");
      }
      area.addEventListener("input", () => {
        lastTyped = Date.now();
        if (area.value.trim()) localStorage.setItem(key, area.value);
        else localStorage.removeItem(key);
      });
    });
  }

  function unsentText() {
    return Array.from(document.querySelectorAll("textarea[data-draft]")).some((a) => a.value.trim());
  }

  let submitting = false;
  document.addEventListener("submit", () => {
    submitting = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if (!submitting && unsentText()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  function heartbeat() {
    const ws = root();
    if (!ws || !window.htmx) return;
    const typing = Date.now() - lastTyped < HEARTBEAT_MS ? "1" : "0";
    window.htmx.ajax("POST", ws.dataset.presenceUrl, {
      target: "#presence",
      swap: "outerHTML",
      values: { typing: typing },
    });
  }

  // Click-to-reveal: the page holds only the blurred derivative; once the server has
  // recorded the reveal (POST), the original is fetched and the download link shown.
  function showRevealed(url) {
    document.querySelectorAll("img.sensitive-media").forEach((img) => {
      if (img.dataset.revealUrl !== url) return;
      img.src = img.dataset.clearUrl;
      img.classList.add("revealed");
    });
    document.querySelectorAll("a[data-reveal-link]").forEach((link) => {
      if (link.dataset.revealLink === url) link.hidden = false;
    });
    document.querySelectorAll("form[data-reveal-form]").forEach((form) => {
      if (form.getAttribute("action") === url) form.remove();
    });
  }

  document.addEventListener("click", (event) => {
    const media = event.target.closest(".sensitive-media:not(.revealed)");
    if (!media || !media.dataset.revealUrl) return;
    event.preventDefault();
    const url = media.dataset.revealUrl;
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    headers["HX-Request"] = "true";
    fetch(url, { method: "POST", headers: headers, credentials: "same-origin" }).then((r) => {
      if (r.ok) showRevealed(url);
    });
  });

  // The macro picker fills the editor without a page load when JS is on.
  document.addEventListener("change", (event) => {
    if (event.target.id === "macro-select" && event.target.value) {
      event.target.form.requestSubmit();
    }
  });

  // SLA clocks tick without a reload: "Due in 1 h 5 min" / "Overdue by 12 min".
  function span(ms) {
    const minutes = Math.max(1, Math.round(Math.abs(ms) / 60000));
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const mins = minutes % 60;
    if (days) return days + " d " + hours + " h";
    if (hours) return hours + " h " + mins + " min";
    return mins + " min";
  }

  function tick() {
    document.querySelectorAll("[data-due]").forEach((el) => {
      const left = new Date(el.dataset.due).getTime() - Date.now();
      el.textContent = left >= 0 ? "Due in " + span(left) : "Overdue by " + span(left);
      el.classList.toggle("badge-breached", left < 0);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    setupDrafts();
    tick();
    setInterval(heartbeat, HEARTBEAT_MS);
    setInterval(tick, 30000);
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const swapped = event.detail.target && event.detail.target.id;
    if (swapped === "workspace" || swapped === "reply-form") {
      setupDrafts();
      tick();
    }
    submitting = false;
  });
})();
