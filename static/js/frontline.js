// Frontline keyboard shortcuts: any element with data-shortcut="x" is clicked (or focused, for
// inputs) when x is pressed outside a text field. "?" opens the list of shortcuts on the page.
(function () {
  "use strict";

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function shortcuts() {
    return Array.from(document.querySelectorAll("[data-shortcut]"));
  }

  function helpDialog() {
    let dialog = document.getElementById("shortcut-help");
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.id = "shortcut-help";
      dialog.setAttribute("aria-labelledby", "shortcut-help-title");
      document.body.appendChild(dialog);
    }
    const rows = shortcuts()
      .map((el) => [el.dataset.shortcut, el.dataset.shortcutLabel || el.getAttribute("aria-label") || el.textContent.trim()])
      .concat([["?", "Show this list"]]);
    dialog.replaceChildren();
    const h = document.createElement("h2");
    h.id = "shortcut-help-title";
    h.textContent = "Keyboard shortcuts";
    const list = document.createElement("dl");
    rows.forEach(([key, label]) => {
      const dt = document.createElement("dt");
      const kbd = document.createElement("kbd");
      kbd.textContent = key;
      dt.appendChild(kbd);
      const dd = document.createElement("dd");
      dd.textContent = label;
      list.append(dt, dd);
    });
    const close = document.createElement("button");
    close.className = "btn";
    close.textContent = "Close";
    close.addEventListener("click", () => dialog.close());
    dialog.append(h, list, close);
    return dialog;
  }

  // Chords work while typing too (e.g. Ctrl+Shift+Enter sends from the reply box).
  function chord(event) {
    const parts = [];
    if (event.ctrlKey || event.metaKey) parts.push("Ctrl");
    if (event.altKey) parts.push("Alt");
    if (event.shiftKey) parts.push("Shift");
    return parts.length && (event.ctrlKey || event.metaKey || event.altKey) ? parts.concat(event.key).join("+") : "";
  }

  document.addEventListener("keydown", (event) => {
    const combo = chord(event);
    if (combo) {
      const target = shortcuts().find((candidate) => candidate.dataset.shortcut === combo);
      if (target) {
        event.preventDefault();
        target.click();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "?") {
      event.preventDefault();
      helpDialog().showModal();
      return;
    }
    const el = shortcuts().find((candidate) => candidate.dataset.shortcut === event.key);
    if (!el) return;
    event.preventDefault();
    if (typing(el)) {
      el.focus();
    } else {
      el.click();
    }
  });

  // "Send and next" lands here with ?sent_from=<ticket>: that ticket's reply draft was sent.
  const sentFrom = new URLSearchParams(window.location.search).get("sent_from");
  if (sentFrom && /^\d+$/.test(sentFrom)) localStorage.removeItem("fl-draft:" + sentFrom + ":reply");

  // Custom events other modules listen to (e.g. list navigation with j/k).
  window.Frontline = { shortcuts };
})();
