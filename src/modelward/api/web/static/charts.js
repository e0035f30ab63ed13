/* Draws every <figure class="chart"> with the vendored uPlot, from the JSON beside it (built by
   modelward.api.web.charts: x values, series, labels). Nothing is decided here: this only maps
   that declarative data onto uPlot's options. Charts redraw when htmx swaps in fresh content,
   and a table the user opened stays open across the swap. */
(function () {
  "use strict";
  var HEIGHT = 220;

  function number(u, v) {
    return v == null ? "–" : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString() : +v.toPrecision(4);
  }

  function fromZero(u, min, max) {
    return [0, max > 0 ? max * 1.1 : 1];
  }

  function seriesOf(spec, points) {
    var out = {
      label: spec.label,
      stroke: spec.color,
      width: 2,
      value: number,
      points: { show: points || !!spec.points_only, size: spec.points_only ? 7 : 5, fill: spec.color },
    };
    if (spec.points_only) out.paths = function () { return null; };
    if (spec.step) out.paths = uPlot.paths.stepped({ align: 1 });
    if (spec.dash) { out.dash = [6, 4]; out.points = { show: false }; out.width = 1.5; }
    return out;
  }

  function draw(figure) {
    if (figure._chart || typeof uPlot === "undefined") return;
    var source = figure.querySelector("script[type='application/json']");
    var holder = figure.querySelector(".plot");
    if (!source || !holder) return;
    var data = JSON.parse(source.textContent);
    var xLabel = data.time ? "time (UTC)" : data.x_label;
    var options = {
      width: holder.clientWidth || 600,
      height: HEIGHT,
      // Times show in UTC, as the page's tables do.
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); },
      scales: { x: { time: data.time }, y: data.time ? { range: fromZero } : {} },
      axes: [
        { label: xLabel, labelSize: 24 },
        { label: data.y_label, labelSize: 24, values: function (u, ticks) { return ticks.map(function (t) { return number(u, t); }); } },
      ],
      series: [{ label: xLabel }].concat(
        data.series.map(function (s) { return seriesOf(s, data.points); })
      ),
      legend: { live: true },
      cursor: { focus: { prox: 16 } },
    };
    var values = [data.x].concat(data.series.map(function (s) { return s.values; }));
    figure._chart = new uPlot(options, values, holder);
  }

  function drawAll(root) {
    (root || document).querySelectorAll("figure.chart").forEach(draw);
  }

  function forget(root) {
    root.querySelectorAll("figure.chart").forEach(function (figure) {
      if (figure._chart) { figure._chart.destroy(); figure._chart = null; }
    });
  }

  var opened = [];
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    opened = Array.prototype.map.call(target.querySelectorAll("details[open][id]"), function (d) { return d.id; });
    forget(target);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    opened.forEach(function (id) {
      var found = document.getElementById(id);
      if (found) found.open = true;
    });
    drawAll(document);  // an outerHTML swap replaced the target: look at the whole page
  });

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      document.querySelectorAll("figure.chart").forEach(function (figure) {
        var holder = figure.querySelector(".plot");
        if (figure._chart && holder) figure._chart.setSize({ width: holder.clientWidth, height: HEIGHT });
      });
    }, 150);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
})();
