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

// Bulk selection: a checkbox per row, Shift-click selects a range, x toggles the highlighted
// row (as in Gmail / Zendesk), the header box selects the page; the bar counts the selection.
(function () {
  "use strict";

  let lastIndex = -1;

  function boxes() {
    return Array.from(document.querySelectorAll('tr[data-href] input[name="ticket"]'));
  }

  function updateCount() {
    const counter = document.getElementById("bulk-count");
    if (counter) counter.textContent = boxes().filter((b) => b.checked).length + " selected";
  }

  document.addEventListener("click", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") return;
    if (box.id === "select-all") {
      boxes().forEach((b) => (b.checked = box.checked));
    } else if (box.name === "ticket") {
      const all = boxes();
      const index = all.indexOf(box);
      if (event.shiftKey && lastIndex >= 0 && index >= 0) {
        const [from, to] = index < lastIndex ? [index, lastIndex] : [lastIndex, index];
        for (let i = from; i <= to; i++) all[i].checked = box.checked;
      }
      lastIndex = index;
    }
    updateCount();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "x" || event.ctrlKey || event.metaKey || event.altKey) return;
    const el = event.target;
    if (el && (el.isContentEditable || /^(TEXTAREA|SELECT)$/.test(el.tagName) || (el.tagName === "INPUT" && el.type !== "checkbox"))) return;
    const row = document.querySelector("tr.row-current") || (el && el.closest && el.closest("tr[data-href]"));
    const box = row && row.querySelector('input[name="ticket"]');
    if (!box) return;
    event.preventDefault();
    box.checked = !box.checked;
    lastIndex = boxes().indexOf(box);
    updateCount();
  });

  document.addEventListener("htmx:afterSwap", () => {
    lastIndex = -1;
    updateCount();
  });

  document.addEventListener("DOMContentLoaded", () => {
    if (!document.getElementById("bulk-form")) return;
    const hint = document.createElement("span");
    hint.hidden = true;
    hint.dataset.shortcut = "x";
    hint.dataset.shortcutLabel = "Select or unselect the highlighted ticket";
    hint.dataset.shortcutPassive = "1";
    document.body.appendChild(hint);
  });
})();
