// The small map of one territory's page: its outline on a plain background, no tiles.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("territory-config").textContent);
  var container = document.getElementById("territory-map");
  var map = L.map(container, { zoomSnap: 0.25, scrollWheelZoom: false });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("IGN — Licence Ouverte");
  var layer = L.geoJSON(config.geometry, {
    className: "territory",
    interactive: false,
    style: { color: "#0c2c84", weight: 2, fillColor: "#41b6c4", fillOpacity: 0.5 },
  }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [12, 12] });
  container.setAttribute("data-loaded", "true");
}());
