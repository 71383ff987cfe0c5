// The care finder: "use my position" (browser geolocation, rounded to about 100 m before it
// leaves the browser), a change of kind re-asks from the same origin, and a small map of the
// places found. Without JavaScript the form still works (search by commune name).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("finder-config").textContent);
  var M = config.messages;
  var form = document.querySelector("form.finder-search");
  var kind = document.getElementById("finder-kind");
  var status = document.querySelector("[data-finder-status]");

  function ask(query) {
    window.location.assign("/soins?kind=" + encodeURIComponent(kind.value) + "&" + query);
  }

  kind.addEventListener("change", function () {
    form.dataset.page = "/soins?kind=" + encodeURIComponent(kind.value) + "&commune=";
    if (config.current) { ask(config.current); }
  });

  if (navigator.geolocation) {
    document.querySelectorAll("[data-position]").forEach(function (element) {
      element.hidden = false;
    });
    document.querySelector("[data-locate]").addEventListener("click", function () {
      status.textContent = M.finder_locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        var lon = position.coords.longitude.toFixed(config.digits);
        var lat = position.coords.latitude.toFixed(config.digits);
        ask("lon=" + lon + "&lat=" + lat);
      }, function (error) {
        status.textContent = M.finder_position_failed.replace("{reason}", error.message || error.code);
      }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
    });
  }

  var element = document.getElementById("finder-map");
  if (!element || !window.L || !config.origin) { return; }
  var map = L.map(element, { zoomSnap: 0.25, maxZoom: 14 });
  map.attributionControl.setPrefix(false);
  var origin = L.latLng(config.origin[1], config.origin[0]);
  var bounds = L.latLngBounds([origin]);
  L.circleMarker(origin, {
    className: "finder-origin", radius: 7, color: "#1a1a1a", weight: 3, fillColor: "#ffffff", fillOpacity: 1,
  }).addTo(map);
  config.points.forEach(function (point, index) {
    var at = L.latLng(point.lat, point.lon);
    bounds.extend(at);
    L.marker(at, {
      icon: L.divIcon({
        className: "finder-marker" + (point.is_exact ? " exact" : ""),
        html: String(index + 1),
        iconSize: [24, 24],
      }),
      title: point.name,
      keyboard: false,
    }).addTo(map);
  });
  map.fitBounds(bounds.pad(0.25), { maxZoom: 12 });
  // The département outlines, for bearings (no base tiles: the page needs no network).
  fetch(config.departements_url)
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (outlines) {
      if (outlines) {
        L.geoJSON(outlines, {
          interactive: false, style: { fill: false, color: "#4d4d4d", weight: 1 },
        }).addTo(map).bringToBack();
      }
      element.setAttribute("data-loaded", "true");
    });
}());
