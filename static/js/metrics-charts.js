// Dashboard charts: every <canvas data-chart="ID"> is drawn with the vendored Chart.js from the
// JSON in <script type="application/json" id="ID"> (Django's json_script). No inline script.
(function () {
  "use strict";

  const COLORS = ["#0b5cad", "#b42318", "#1a7f37", "#9a6700", "#6639ba", "#0e7c86", "#57606a"];

  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined") return;
    const spec = JSON.parse(source.textContent);
    const datasets = spec.datasets.map((d, i) => ({
      label: d.label,
      data: d.data,
      backgroundColor: COLORS[i % COLORS.length],
      borderColor: COLORS[i % COLORS.length],
      spanGaps: true,
      tension: 0.2,
    }));
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom" }, title: { display: false } },
        scales: { y: { beginAtZero: true } },
      },
    });
  }

  function init() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
