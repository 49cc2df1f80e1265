// Charts of the analytics page. Data come from the json_script block "analytics-data" (no inline
// scripts under the CSP); the table beside each chart holds the same numbers.
(function () {
  "use strict";

  function num(values) {
    return values.map(function (v) { return v === null ? null : Number(v); });
  }

  function bar(el, labels, series, extra) {
    var chart = echarts.init(el);
    var option = {
      tooltip: { trigger: "axis" },
      legend: series.length > 1 ? { type: "scroll" } : undefined,
      grid: { left: 10, right: 10, top: series.length > 1 ? 30 : 10, bottom: 10, containLabel: true },
      xAxis: { type: "category", data: labels, axisLabel: { interval: labels.length > 20 ? "auto" : 0,
        rotate: labels.length > 8 ? 45 : 0 } },
      yAxis: { type: "value" },
      series: series.map(function (s) { return { name: s.name, type: "bar", data: num(s.values) }; })
    };
    if (extra) { extra(option); }
    chart.setOption(option);
    return chart;
  }

  // Dot-and-whisker: each inspector's mean deviation (dot) with its 95 % interval (whisker), 0 marked.
  function leniency(el, d) {
    var chart = echarts.init(el);
    var low = num(d.low), high = num(d.high);
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 10, right: 20, top: 10, bottom: 10, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: d.labels, inverse: true },
      series: [
        { name: d.names[1], type: "custom", data: d.labels.map(function (_, i) { return [i, low[i], high[i]]; }),
          encode: { y: 0, x: [1, 2] },
          renderItem: function (params, api) {
            if (api.value(1) === null || isNaN(api.value(1))) { return null; }
            var a = api.coord([api.value(1), api.value(0)]), b = api.coord([api.value(2), api.value(0)]);
            var h = api.size([0, 1])[1] * 0.3;
            var style = { stroke: "#495057", lineWidth: 2 };
            return { type: "group", children: [
              { type: "line", shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style: style },
              { type: "line", shape: { x1: a[0], y1: a[1] - h / 2, x2: a[0], y2: a[1] + h / 2 }, style: style },
              { type: "line", shape: { x1: b[0], y1: b[1] - h / 2, x2: b[0], y2: b[1] + h / 2 }, style: style }
            ] };
          } },
        { name: d.names[0], type: "scatter", symbolSize: 10,
          data: num(d.mean).map(function (v, i) { return [v, i]; }),
          markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed" }, data: [{ xAxis: 0 }] } }
      ]
    });
    return chart;
  }

  function init() {
    if (typeof echarts === "undefined") { return; }
    var el = document.getElementById("analytics-data");
    if (!el) { return; }
    var data = JSON.parse(el.textContent);
    var charts = [];
    document.querySelectorAll(".report-chart[data-chart]").forEach(function (box) {
      var kind = box.getAttribute("data-chart");
      var name = box.getAttribute("data-series-name") || "";
      if (kind === "leniency" && data.leniency) {
        charts.push(leniency(box, data.leniency));
      } else if (kind === "cv") {
        charts.push(bar(box, data.cv.labels, data.cv.series, function (option) {
          if (data.cv.city !== null) {
            option.series[0].markLine = { symbol: "none", lineStyle: { type: "dashed" },
              label: { formatter: data.cv.city_name + " {c}" }, data: [{ yAxis: Number(data.cv.city) }] };
          }
        }));
      } else if (data[kind]) {
        charts.push(bar(box, data[kind].labels, [{ name: name, values: data[kind].values }]));
      }
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
