// Queue list navigation: j / k move the highlighted row, Enter or o opens it.
(function () {
  "use strict";

  let current = -1;

  function rows() {
    return Array.from(document.querySelectorAll("tr[data-href]"));
  }

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function highlight(index) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("row-current", i === current));
    const link = all[current].querySelector("a");
    if (link) link.focus({ preventScroll: true });
    all[current].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "j") {
      event.preventDefault();
      highlight(current + 1);
    } else if (event.key === "k") {
      event.preventDefault();
      highlight(current - 1);
    } else if ((event.key === "o" || event.key === "Enter") && current >= 0 && rows()[current]) {
      event.preventDefault();
      window.location.href = rows()[current].dataset.href;
    }
  });

  document.addEventListener("htmx:afterSwap", () => {
    current = -1;
  });

  // Shortcut list ("?") shows these too.
  document.addEventListener("DOMContentLoaded", () => {
    const table = document.querySelector(".queue-table");
    if (!table) return;
    [["j", "Next ticket in the list"], ["k", "Previous ticket in the list"], ["o", "Open the highlighted ticket"]].forEach(([key, label]) => {
      const hint = document.createElement("span");
      hint.hidden = true;
      hint.dataset.shortcut = key;
      hint.dataset.shortcutLabel = label;
      hint.dataset.shortcutPassive = "1";
      document.body.appendChild(hint);
    });
  });
})();
