// A small hand-drawn SVG time-series chart (no charting library, nothing from a CDN):
// a line through the period values, a dot per value, and a red ring on each reading the
// quality control flagged. window.HcChart.draw(figure, data, options).
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 720;
  var HEIGHT = 260;
  var MARGIN = { left: 60, right: 14, top: 26, bottom: 40 };
  var HOUR_MS = 3600 * 1000;

  function node(name, attributes, parent) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { element.setAttribute(key, attributes[key]); });
    if (parent) { parent.appendChild(element); }
    return element;
  }

  function titled(element, text) {
    node("title", {}, element).textContent = text;
    return element;
  }

  function timeFormat(language, withHour) {
    var options = { timeZone: "Europe/Paris", day: "2-digit", month: "2-digit" };
    if (withHour) { options.hour = "2-digit"; options.minute = "2-digit"; }
    try {
      return new Intl.DateTimeFormat(language, options);
    } catch (error) { // a browser without time-zone data: the browser's own zone
      delete options.timeZone;
      return new Intl.DateTimeFormat(language, options);
    }
  }

  function niceStep(span) {
    var raw = span / 4;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i += 1) {
      if (steps[i] * power >= raw) { return steps[i] * power; }
    }
    return 10 * power;
  }

  // data: {points: [{t: Date, v: number|null}], flagged: [{t: Date, v: number, note: string}]}
  // options: {from: Date, to: Date, unit, title, empty, language, format(value, digits)}
  function draw(figure, data, options) {
    figure.textContent = "";
    var values = data.points.filter(function (p) { return p.v !== null; })
      .map(function (p) { return p.v; })
      .concat(data.flagged.map(function (f) { return f.v; }));
    if (!values.length) {
      var empty = document.createElement("p");
      empty.className = "chart-empty";
      empty.textContent = options.empty;
      figure.appendChild(empty);
      figure.setAttribute("data-loaded", "empty");
      return;
    }
    var low = Math.min(0, Math.min.apply(null, values));
    var high = Math.max.apply(null, values);
    if (high <= low) { high = low + 1; }
    var step = niceStep(high - low);
    high = Math.ceil(high / step) * step;
    var t0 = options.from.getTime();
    var t1 = options.to.getTime();
    var x = function (t) {
      return MARGIN.left + (t - t0) / (t1 - t0) * (WIDTH - MARGIN.left - MARGIN.right);
    };
    var y = function (v) {
      return HEIGHT - MARGIN.bottom - (v - low) / (high - low) * (HEIGHT - MARGIN.top - MARGIN.bottom);
    };
    var svg = node("svg", {
      viewBox: "0 0 " + WIDTH + " " + HEIGHT, role: "img", "aria-label": options.title,
      class: "chart-svg",
    }, figure);
    var axes = node("g", { class: "axes" }, svg);
    for (var v = low; v <= high + step / 2; v += step) {
      node("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(v), y2: y(v), class: "grid" }, axes);
      node("text", { x: MARGIN.left - 6, y: y(v) + 4, class: "tick tick-y" }, axes)
        .textContent = options.format(v, step >= 1 ? 0 : 1);
    }
    var dayLabel = timeFormat(options.language, false);
    for (var t = Math.ceil(t0 / HOUR_MS) * HOUR_MS; t <= t1; t += HOUR_MS) {
      var hour = Number(new Intl.DateTimeFormat("en-GB", { hour: "2-digit", hourCycle: "h23",
        timeZone: "Europe/Paris" }).format(new Date(t)));
      if (hour === 0) {
        node("line", { x1: x(t), x2: x(t), y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom, class: "grid day" }, axes);
        if (x(t) < WIDTH - MARGIN.right - 40) { // no label for a day that starts at the very end
          node("text", { x: x(t) + 3, y: HEIGHT - MARGIN.bottom + 16, class: "tick tick-x" }, axes)
            .textContent = dayLabel.format(new Date(t));
        }
      }
    }
    node("text", { x: 4, y: 14, class: "unit" }, axes).textContent = options.unit;
    var stamp = timeFormat(options.language, true);
    var path = "";
    var pen = "M";
    var dots = node("g", { class: "points" }, svg);
    data.points.forEach(function (p) {
      if (p.v === null) { pen = "M"; return; }
      path += pen + x(p.t.getTime()).toFixed(1) + " " + y(p.v).toFixed(1) + " ";
      pen = "L";
      titled(node("circle", { cx: x(p.t.getTime()), cy: y(p.v), r: 2.5, class: "point" }, dots),
        stamp.format(p.t) + " : " + options.format(p.v) + " " + options.unit);
    });
    svg.insertBefore(node("path", { d: path.trim(), class: "series-line" }, null), dots);
    var rings = node("g", { class: "flagged" }, svg);
    data.flagged.forEach(function (f) {
      titled(node("circle", { cx: x(f.t.getTime()), cy: y(f.v), r: 6, class: "qc-flagged" }, rings),
        stamp.format(f.t) + " : " + options.format(f.v) + " " + options.unit + " — " + f.note);
    });
    figure.setAttribute("data-points", String(data.points.length));
    figure.setAttribute("data-flagged", String(data.flagged.length));
    figure.setAttribute("data-loaded", "true");
  }

  window.HcChart = { draw: draw };
}());
