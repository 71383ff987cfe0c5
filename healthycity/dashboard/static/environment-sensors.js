// The sensor network page: the focus territory's communes in outline and one marker per
// sensor, coloured by state (reporting, silent, out of service), as in the table below it.
// A marker's tooltip names the sensor and its state; a click opens its chart.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sensors-config").textContent);
  var container = document.getElementById("sensors-map");
  var COLOURS = { reporting: "#2c7bb6", silent: "#d73027", off: "#bdbdbd" };  // environment.css

  function tooltipOf(sensor) {
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = sensor.name;
    box.appendChild(name);
    var state = document.createElement("div");
    state.textContent = sensor.state_label;
    box.appendChild(state);
    return box;
  }

  function draw(features) {
    var inside = {};
    config.communes.forEach(function (code) { inside[code] = true; });
    var shown = features.filter(function (f) { return inside[f.properties.code]; });
    var map = L.map(container, { zoomSnap: 0.25, minZoom: 5, maxZoom: 16 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("INSEE, IGN — Licence Ouverte");
    var outline = L.geoJSON({ type: "FeatureCollection", features: shown }, {
      interactive: false,
      style: function () { return { fillColor: "#f4f4f4", fillOpacity: 1, color: "#8c8c8c", weight: 0.5 }; },
    });
    if (config.bbox) {
      var b = config.bbox;
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [8, 8] });
    } else {
      map.fitBounds(outline.getBounds(), { padding: [8, 8] });
    }
    outline.addTo(map);
    // Silent sensors last, so that they are drawn on top of the others at the same place.
    var order = { off: 0, reporting: 1, silent: 2 };
    config.sensors.slice().sort(function (a, b) { return order[a.state] - order[b.state]; })
      .forEach(function (sensor) {
        var marker = L.circleMarker([sensor.lat, sensor.lon], {
          radius: 7, weight: 1, color: "#333333", fillColor: COLOURS[sensor.state], fillOpacity: 0.9,
          className: "sensor-marker",
        }).addTo(map);
        marker.bindTooltip(tooltipOf(sensor), { className: "commune-tooltip" });
        marker.on("click", function () {
          window.location.href = "/qualite-air?capteur=" + encodeURIComponent(sensor.id) + "#sensor-chart-title";
        });
        var element = marker.getElement();
        element.setAttribute("data-sensor", sensor.id);
        element.setAttribute("data-state", sensor.state);
      });
  }

  fetch(config.communes_url).then(function (response) {
    if (!response.ok) { throw new Error("HTTP " + response.status); }
    return response.json();
  }).then(function (collection) {
    draw(collection.features);
    var status = container.querySelector(".map-status");
    if (status) { status.remove(); }
    container.setAttribute("data-loaded", "true");
  }).catch(function (error) {
    container.querySelector(".map-status").textContent = config.messages.map_failed;
    container.setAttribute("data-loaded", "error");
    throw error;
  });
}());
