// 总览 charts (ECharts, served from /console/static). The figures come from each
// chart's data-chart attribute; the same figures are in the tables below them.
"use strict";
(function () {
  var palette = ["#1d6fd1", "#e0a800", "#2e9d5b", "#8e44ad", "#d1342f", "#16a2b8", "#6c757d", "#fd7e14"];
  function build(kind, data) {
    var grid = { left: 40, right: 16, top: 40, bottom: 30, containLabel: true };
    if (kind === "months") {
      return { color: palette, tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: grid,
        xAxis: { type: "category", data: data.labels }, yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "收集", type: "bar", data: data.received },
          { name: "分理", type: "bar", data: data.dispatched },
          { name: "办结", type: "bar", data: data.resolved },
          { name: "反馈", type: "bar", data: data.rated }
        ] };
    }
    if (kind === "rates") {
      return { color: palette, tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: grid,
        xAxis: { type: "category", data: data.labels }, yAxis: { type: "value", max: 100 },
        series: [
          { name: "按时响应率", type: "line", connectNulls: true, data: data.response },
          { name: "按时办结率", type: "line", connectNulls: true, data: data.resolution },
          { name: "满意率", type: "line", connectNulls: true, data: data.satisfaction }
        ] };
    }
    if (kind === "grids") {
      return { color: palette, tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: grid,
        xAxis: { type: "category", data: data.labels }, yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "收集", type: "bar", data: data.received },
          { name: "办结", type: "bar", data: data.resolved }
        ] };
    }
    return { color: palette, tooltip: { trigger: "item" }, legend: { bottom: 0, type: "scroll" },
      series: [{ name: "按类别", type: "pie", radius: ["35%", "65%"], data: data.items }] };
  }
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(el.getAttribute("data-kind"), JSON.parse(el.getAttribute("data-chart"))));
      el.setAttribute("data-drawn", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
