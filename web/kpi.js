/* SPDX-License-Identifier: MIT */
/* The numbers for supervisors: GET /api/v1/kpi?from=&to= drawn with
 * Chart.js (Debian's libjs-chart.js, compiled into retourd and loaded only
 * with this page).  A day range picked with buttons (no keyboard), and a
 * CSV of exactly what is shown. */
"use strict";
(function () {
  var t = window.retourT, esc = window.retourEsc;
  var range = {days: 1, end: 0}; /* end: days before today */
  var charts = [];
  var shown = null;
  var root = null;

  function day(offset) {
    var d = new Date();
    d.setDate(d.getDate() - offset);
    var m = d.getMonth() + 1, dd = d.getDate();
    return d.getFullYear() + "-" + (m < 10 ? "0" : "") + m + "-" + (dd < 10 ? "0" : "") + dd;
  }
  function from() { return day(range.end + range.days - 1); }
  function to() { return day(range.end); }

  function csv() {
    var k = shown || {};
    var rows = [["section", "key", "value"]];
    (k.returns_per_hour || []).forEach(function (r) { rows.push(["returns_per_hour", r.hour, r.count]); });
    (k.reasons || []).forEach(function (r) { rows.push(["reasons", r.reason, r.count]); });
    Object.keys(k.verdicts || {}).forEach(function (v) { rows.push(["verdicts", v, k.verdicts[v]]); });
    (k.rejection_reasons || []).forEach(function (r) {
      rows.push(["rejection_reasons", r.reason || r.code || r, r.count != null ? r.count : ""]);
    });
    var l = k.refund_latency_s || {};
    ["n", "median", "p90"].forEach(function (x) { rows.push(["refund_latency_s", x, l[x] == null ? "" : l[x]]); });
    Object.keys(k.qc || {}).forEach(function (x) { rows.push(["qc", x, k.qc[x]]); });
    (k.qc_failures || []).forEach(function (r) { rows.push(["qc_failures", r.cause, r.count]); });
    return rows.map(function (r) {
      return r.map(function (c) {
        c = String(c);
        return /[",\n]/.test(c) ? "\"" + c.replace(/"/g, "\"\"") + "\"" : c;
      }).join(",");
    }).join("\n") + "\n";
  }

  function bar(canvas, labels, values, label, colors) {
    charts.push(new window.Chart(canvas, {
      type: "bar",
      data: {labels: labels, datasets: [{label: label, data: values,
        backgroundColor: colors || "#0b4f8a"}]},
      options: {responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {legend: {display: false}},
        scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}
    }));
  }

  function draw(k) {
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    shown = k;
    var l = k.refund_latency_s || {};
    var q = k.qc || {};
    var body = root.querySelector(".charts");
    body.innerHTML =
      '<section><h2>' + esc(t("kpi.per_hour")) + '</h2><div class="chart"><canvas id="c-hour"></canvas></div></section>' +
      '<section><h2>' + esc(t("kpi.verdicts")) + '</h2><div class="chart"><canvas id="c-verdicts"></canvas></div></section>' +
      '<section><h2>' + esc(t("kpi.reasons")) + '</h2><div class="chart"><canvas id="c-reasons"></canvas></div></section>' +
      '<section><h2>' + esc(t("kpi.rejections")) + '</h2><div class="chart"><canvas id="c-rej"></canvas></div></section>' +
      '<section><h2>' + esc(t("kpi.latency")) + '</h2><p class="figure">' + esc(t("kpi.median")) + ": " +
      esc(l.median == null ? "–" : Math.round(l.median) + " s") + " · " + esc(t("kpi.p90")) + ": " +
      esc(l.p90 == null ? "–" : Math.round(l.p90) + " s") + "</p><p>" + esc(l.n || 0) + " " + esc(t("kpi.n")) + "</p></section>" +
      '<section><h2>' + esc(t("kpi.qc")) + '</h2><p class="figure">✓ ' + esc(q.passed || 0) + " · ✗ " + esc(q.failed || 0) +
      '</p><div class="chart"><canvas id="c-qc"></canvas></div></section>';
    var hours = k.returns_per_hour || [];
    bar(root.querySelector("#c-hour"), hours.map(function (h) { return String(h.hour).replace(/^.*T(\d\d).*$/, "$1:00"); }), hours.map(function (h) { return h.count; }), t("kpi.per_hour"));
    var v = k.verdicts || {};
    var vk = ["accept", "partial", "reject", "hold"];
    bar(root.querySelector("#c-verdicts"), vk.map(function (x) { return t("verdict." + x); }), vk.map(function (x) { return v[x] || 0; }),
      t("kpi.verdicts"), ["#116b2f", "#b36b00", "#a3140e", "#555"]);
    var r = k.reasons || [];
    bar(root.querySelector("#c-reasons"), r.map(function (x) { return x.reason; }), r.map(function (x) { return x.count; }), t("kpi.reasons"));
    var rj = k.rejection_reasons || [];
    bar(root.querySelector("#c-rej"), rj.map(function (x) { return x.reason || x.code || x; }),
      rj.map(function (x) { return x.count != null ? x.count : 1; }), t("kpi.rejections"), "#a3140e");
    var qf = k.qc_failures || [];
    bar(root.querySelector("#c-qc"), qf.map(function (x) { return x.cause; }), qf.map(function (x) { return x.count; }), t("kpi.qc"), "#a3140e");
  }

  function load() {
    var body = root.querySelector(".charts");
    root.querySelector(".range b").textContent = from() + (range.days > 1 ? " – " + to() : "");
    window.retourGetJSON("/api/v1/kpi?from=" + from() + "&to=" + to()).then(draw, function (e) {
      shown = null;
      body.innerHTML = '<p class="problem need" data-need="kpi-error">' + esc(t("kpi.unavailable")) + ": " + esc(e.message) + "</p>";
    });
  }

  function show(el) {
    root = el;
    el.innerHTML = '<div class="filters">' +
      '<button class="act need" data-need="kpi-today" data-range="1">' + esc(t("btn.today")) + "</button>" +
      '<button class="act need" data-need="kpi-week" data-range="7">' + esc(t("btn.week")) + "</button>" +
      '<button class="act need" data-need="kpi-month" data-range="30">' + esc(t("btn.month")) + "</button>" +
      '<span class="range"><button class="act" data-shift="1" aria-label="earlier">◀</button><b></b>' +
      '<button class="act" data-shift="-1" aria-label="later">▶</button></span>' +
      '<button class="act need" data-need="kpi-csv" data-csv="1">' + esc(t("btn.csv")) + "</button></div>" +
      '<div class="charts"></div>';
    el.onclick = function (ev) {
      var b = ev.target.closest("button");
      if (!b) return;
      if (b.dataset.range) { range.days = +b.dataset.range; range.end = 0; load(); }
      if (b.dataset.shift) { range.end = Math.max(0, range.end + (+b.dataset.shift) * range.days); load(); }
      if (b.dataset.csv && shown) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(new Blob([csv()], {type: "text/csv"}));
        a.download = "retour-kpi-" + from() + "-" + to() + ".csv";
        document.body.appendChild(a);
        a.click();
        a.remove();
      }
    };
    load();
  }
  window.retourKpi = {show: show, csv: csv};
})();
