// The air-quality page: the ATMO index per commune of the focus territory on a map (ATMO
// colours, hover for the index, dominant pollutant and how it was obtained), a commune's
// series and a sensor's series as charts with the QC-flagged readings ringed in red.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("air-config").textContent);
  var sensorChoices = JSON.parse(document.getElementById("sensor-choices").textContent);
  var M = config.messages;
  var container = document.getElementById("air-map");
  var decimal = config.separators[1];
  var lang = config.language;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }

  function formatNumber(value, digits) {
    return value.toFixed(digits).replace(".", decimal);
  }

  function getJSON(url) {
    return fetch(url).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.detail || ("HTTP " + response.status)); }
        return body;
      });
    });
  }

  function query(params) {
    return Object.keys(params).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
  }

  function methodText(commune) {
    var km = commune.nearest_station_m === null ? "?" : formatNumber(commune.nearest_station_m / 1000, 1);
    return fill(M["air_method_" + commune.method], { distance: km });
  }

  function flagNote(names) {
    return names.map(function (name) { return M["air_flag_" + name] || name; }).join(", ");
  }

  // --- Map ------------------------------------------------------------------------------
  // An index left unavailable because a pollutant is missing (the arrêté aggregates all five)
  // still has a floor: the worst known sub-index, which the index can only equal or exceed.
  // The map shows it in a pale shade and the tooltip says what is missing.
  function floorOf(commune) {
    if (commune.index.value !== 0) { return null; }
    var worst = null;
    commune.inputs.forEach(function (input) {
      var level = input.sub_index;
      if (level && level.value > 0 && (!worst || level.value > worst.value)) { worst = level; }
    });
    return worst;
  }

  function missingOf(commune) {
    return commune.inputs.filter(function (input) {
      return !input.sub_index || input.sub_index.value === 0;
    }).map(function (input) { return config.pollutants[input.quantity] || input.quantity; });
  }

  function tooltipOf(feature, commune) {
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = feature.properties.name;
    box.appendChild(name);
    var lines = [(lang === "fr" ? commune.index.label_fr : commune.index.label_en)];
    var floor = floorOf(commune);
    if (floor) {
      lines.push(fill(M.air_floor, { level: lang === "fr" ? floor.label_fr : floor.label_en,
                                     names: missingOf(commune).join(", ") }));
    }
    if (commune.responsible.length) {
      var names = commune.responsible.map(function (q) { return config.pollutants[q] || q; });
      lines.push(fill(M.air_dominant, { names: names.join(", ") }));
    }
    lines.push(methodText(commune));
    lines.forEach(function (text) {
      var line = document.createElement("div");
      line.textContent = text;
      box.appendChild(line);
    });
    return box;
  }

  function drawMap(features, answer) {
    var byCode = {};
    answer.communes.forEach(function (c) { byCode[c.code] = c; });
    var shown = features.filter(function (f) { return byCode[f.properties.code]; });
    var map = L.map(container, { zoomSnap: 0.25, minZoom: 5, maxZoom: 14 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("INSEE, IGN — Licence Ouverte");
    var layer = L.geoJSON({ type: "FeatureCollection", features: shown }, {
      className: "commune atmo-commune",
      style: function (feature) {
        var commune = byCode[feature.properties.code];
        var floor = floorOf(commune);
        return { fillColor: floor ? floor.colour : commune.index.colour,
                 fillOpacity: floor ? 0.4 : 0.85, color: "#4d4d4d", weight: 0.5 };
      },
      onEachFeature: function (feature, polygon) {
        polygon.bindTooltip(tooltipOf(feature, byCode[feature.properties.code]),
                            { sticky: true, className: "commune-tooltip" });
        polygon.on("mouseover", function () { polygon.setStyle({ weight: 2, color: "#000000" }); });
        polygon.on("mouseout", function () { polygon.setStyle({ weight: 0.5, color: "#4d4d4d" }); });
        polygon.on("click", function () { showCommune(feature.properties.code); });
      },
    });
    // The view first: Leaflet draws a polygon's path only once the map has a view.
    if (config.bbox) {
      var b = config.bbox;
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [8, 8] });
    } else if (shown.length) {
      map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    } else {
      map.setView([46.6, 2.6], 6);
    }
    layer.addTo(map);
    layer.eachLayer(function (polygon) {
      var commune = byCode[polygon.feature.properties.code];
      var element = polygon.getElement();
      element.setAttribute("data-code", commune.code);
      element.setAttribute("data-level", commune.index.name);
      element.setAttribute("data-colour", commune.index.colour);
      var floor = floorOf(commune);
      if (floor) { element.setAttribute("data-floor", floor.name); }
      element.setAttribute("data-method", commune.method);
    });
  }

  // --- Charts ---------------------------------------------------------------------------
  var period = { from: new Date(config.chart_from), to: new Date(config.chart_to) };

  function chartOptions(title, unit) {
    return {
      from: period.from, to: period.to, unit: unit, title: title, empty: M.air_chart_empty,
      language: lang,
      format: function (v, digits) {
        return formatNumber(v, digits === undefined ? (Math.abs(v) >= 100 ? 0 : 1) : digits);
      },
    };
  }

  function failed(figure, caption, error) {
    figure.setAttribute("data-loaded", "error");
    caption.textContent = fill(M.air_chart_failed, { detail: error.message });
  }

  var communeSelect = document.getElementById("chart-commune");
  var communeQuantity = document.getElementById("chart-commune-quantity");
  var communeFigure = document.getElementById("commune-chart");
  var communeCaption = document.getElementById("commune-chart-caption");

  function loadCommuneChart() {
    if (!communeSelect.value) { return; }
    communeFigure.setAttribute("data-loaded", "false");
    var url = config.series_url.replace("{code}", encodeURIComponent(communeSelect.value)) + "?" +
      query({ quantity: communeQuantity.value, from: config.chart_from, to: config.chart_to,
              resolution: "hourly" });
    getJSON(url).then(function (series) {
      var key = "air_series_" + series.method;
      communeCaption.textContent = fill(M[key], { name: series.name, stations: series.station_ids.join(", ") });
      var data = {
        points: series.points.map(function (p) { return { t: new Date(p.start), v: p.value }; }),
        flagged: series.flagged.map(function (f) {
          return { t: new Date(f.start), v: f.value, note: f.sensor_id + " — " + flagNote(f.flag_names) };
        }),
      };
      var title = series.name + " — " + config.pollutants[series.quantity];
      window.HcChart.draw(communeFigure, data, chartOptions(title, series.unit));
      communeFigure.setAttribute("data-code", series.commune);
    }).catch(function (error) { failed(communeFigure, communeCaption, error); });
  }

  function showCommune(code) {
    communeSelect.value = code;
    loadCommuneChart();
  }

  communeSelect.addEventListener("change", loadCommuneChart);
  communeQuantity.addEventListener("change", loadCommuneChart);

  var sensorSelect = document.getElementById("chart-sensor");
  var sensorQuantity = document.getElementById("chart-sensor-quantity");
  var sensorFigure = document.getElementById("sensor-chart");
  var sensorCaption = document.getElementById("sensor-chart-caption");

  function chosenSensor() {
    return sensorChoices.filter(function (s) { return s.id === sensorSelect.value; })[0];
  }

  function fillSensorQuantities() {
    sensorQuantity.textContent = "";
    chosenSensor().quantities.forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[1];
      sensorQuantity.appendChild(option);
    });
  }

  var sensorDownload = document.getElementById("sensor-chart-csv");

  function loadSensorChart() {
    sensorFigure.setAttribute("data-loaded", "false");
    var params = {
      sensor: sensorSelect.value, quantity: sensorQuantity.value, from: config.chart_from,
      to: config.chart_to, resolution: "raw", limit: 100000,
    };
    var url = config.observations_url + "?" + query(params);
    // The same readings as a spreadsheet, QC flags included.
    sensorDownload.href = config.observations_url + "?" + query(Object.assign({ format: "csv" }, params));
    getJSON(url).then(function (body) {
      var readings = body.observations;
      var unit = readings.length ? readings[0].unit : "";
      var data = {
        points: readings.filter(function (r) { return r.flags === 0; })
          .map(function (r) { return { t: new Date(r.observed_at), v: r.value }; }),
        flagged: readings.filter(function (r) { return r.flags !== 0; }).map(function (r) {
          return { t: new Date(r.observed_at), v: r.value, note: flagNote(r.flag_names) };
        }),
      };
      sensorCaption.textContent = chosenSensor().label;
      window.HcChart.draw(sensorFigure, data, chartOptions(chosenSensor().label, unit));
    }).catch(function (error) { failed(sensorFigure, sensorCaption, error); });
  }

  if (sensorSelect) {
    sensorSelect.addEventListener("change", function () { fillSensorQuantities(); loadSensorChart(); });
    sensorQuantity.addEventListener("change", loadSensorChart);
    fillSensorQuantities();
    loadSensorChart();
  }

  // --- Start ----------------------------------------------------------------------------
  if (!config.area) {
    container.querySelector(".map-status").textContent = M.map_failed;
    container.setAttribute("data-loaded", "error");
    return;
  }
  Promise.all([
    getJSON(config.communes_url),
    getJSON(config.indices_url + "?" + query(Object.assign({ date: config.date }, config.area))),
  ]).then(function (loaded) {
    drawMap(loaded[0].features, loaded[1]);
    var status = container.querySelector(".map-status");
    if (status) { status.remove(); }
    container.setAttribute("data-loaded", "true");
    var measured = loaded[1].communes.filter(function (c) { return c.method === "measured"; });
    if (measured.length) { communeSelect.value = measured[0].code; }
    loadCommuneChart();
  }).catch(function (error) {
    var status = container.querySelector(".map-status");
    if (status) { status.textContent = M.map_failed; }
    container.setAttribute("data-loaded", "error");
    throw error;
  });
}());
