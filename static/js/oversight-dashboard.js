// The office dashboard's charts. Data comes from the page's json_script tag (no inline scripts:
// CSP script-src 'self'); Chart.js is served from our own static files. Each chart has a plain
// table beside it, so nothing is lost without JavaScript or on paper.
(function () {
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  var palette = { on_time: "#2e7d32", late: "#8d6e63", overdue: "#c62828", due_soon: "#f9a825" };
  var keys = ["on_time", "late", "overdue", "due_soon"];
  window.Chart.defaults.animation = false;  // print and screenshots see the final picture

  var funnel = document.getElementById("chart-funnel");
  if (funnel) {
    charts.push(new window.Chart(funnel, {
      type: "bar",
      data: { labels: data.funnel.labels, datasets: [{ data: data.funnel.values, backgroundColor: "#1565c0" }] },
      options: { indexAxis: "y", maintainAspectRatio: false, plugins: { legend: { display: false } },
                 scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    }));
  }
  var depts = document.getElementById("chart-departments");
  if (depts) {
    charts.push(new window.Chart(depts, {
      type: "bar",
      data: {
        labels: data.departments.labels,
        datasets: data.departments.series.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: palette[keys[i]] };
        })
      },
      options: { maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
    }));
  }
  document.documentElement.setAttribute("data-charts", String(charts.length));
  // Redraw at the paper's width before printing, and back afterwards.
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("afterprint", function () { charts.forEach(function (c) { c.resize(); }); });
}());
