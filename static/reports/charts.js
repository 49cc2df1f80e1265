// Charts of the reports pages. Data come from json_script blocks; no inline scripts (CSP).
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function num(values) {
    return values.map(function (v) { return v === null ? null : Number(v); });
  }

  function bar(el, labels, series) {
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: series.length > 1 ? {} : undefined,
      grid: { left: 40, right: 10, top: series.length > 1 ? 30 : 10, bottom: 30 },
      xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: labels.length > 8 ? 30 : 0 } },
      yAxis: { type: "value" },
      series: series.map(function (s) { return { name: s.name, type: "bar", data: num(s.values) }; })
    });
    return chart;
  }

  function radar(el, data) {
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: {},
      legend: { bottom: 0 },
      radar: { indicator: data.indicators, radius: "65%" },
      series: [{ type: "radar", data: [
        { name: data.labels[0], value: num(data.school) },
        { name: data.labels[1], value: num(data.average) }
      ] }]
    });
    return chart;
  }

  function init() {
    if (typeof echarts === "undefined") { return; }
    var data = readJSON("chart-data");
    var radarData = readJSON("radar-data");
    var charts = [];
    document.querySelectorAll(".report-chart[data-chart]").forEach(function (el) {
      var kind = el.getAttribute("data-chart");
      var name = el.getAttribute("data-series-name") || "";
      if (kind === "radar" && radarData) {
        charts.push(radar(el, radarData));
      } else if (data && kind === "locations") {
        charts.push(bar(el, data.locations.labels, data.locations.series));
      } else if (data && data[kind]) {
        charts.push(bar(el, data[kind].labels, [{ name: name, values: data[kind].values }]));
      }
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  // Progress bars: the width comes from a data attribute (no inline style under the CSP).
  function progress(root) {
    (root || document).querySelectorAll(".progress-bar[data-width]").forEach(function (bar) {
      bar.style.width = bar.getAttribute("data-width") + "%";
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(); progress(); });
  document.addEventListener("htmx:afterSwap", function (e) { progress(document); });
})();
