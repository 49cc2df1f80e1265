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

  function shortLabel(value) {
    return value.length > 6 ? value.slice(0, 5) + "…" : value;
  }

  // Rotate only when the labels would not fit side by side (districts, histogram bins; not A1–A7).
  function crowded(labels) {
    var longest = labels.reduce(function (m, v) { return Math.max(m, String(v).length); }, 0);
    return labels.length * longest > 24;
  }

  function bar(el, labels, series) {
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: series.length > 1 ? {} : undefined,
      // containLabel keeps rotated labels inside the chart; long names (开发区) are shortened on
      // the axis and shown whole in the tooltip and the table under the chart.
      grid: { left: 10, right: 10, top: series.length > 1 ? 30 : 10, bottom: 10, containLabel: true },
      xAxis: { type: "category", data: labels, axisLabel: {
        interval: 0, rotate: crowded(labels) ? 45 : 0, formatter: shortLabel
      } },
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
