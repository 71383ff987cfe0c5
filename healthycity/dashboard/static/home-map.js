// The home map: every commune polygon coloured by density class, the focus territory on top,
// the département outlines over them. No base tiles: the page needs no network.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var container = document.getElementById("map");
  var thousands = config.separators[0];
  var decimal = config.separators[1];

  function formatNumber(value, digits) {
    var parts = Math.abs(value).toFixed(digits).split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, thousands);
    return (value < 0 ? "-" : "") + whole + (parts.length > 1 ? decimal + parts[1] : "");
  }

  function colourOf(properties) {
    var index = properties.density_class;
    return index === null ? config.no_data_colour : config.palette[index];
  }

  function styleOf(feature) {
    var focus = feature.properties.is_focus;
    return {
      fillColor: colourOf(feature.properties),
      fillOpacity: focus ? 0.9 : 0.5,
      color: focus ? "#3a3a3a" : "#8c8c8c",
      weight: focus ? 0.6 : 0.3,
    };
  }

  function tooltipOf(properties) {
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = properties.name;
    box.appendChild(name);
    var lines = [
      properties.population === null
        ? config.messages.unknown
        : config.messages.inhabitants.replace("{value}", formatNumber(properties.population, 0)),
    ];
    if (properties.density_per_km2 !== null) {
      lines.push(config.messages.density.replace("{value}", formatNumber(properties.density_per_km2, 1)));
    }
    lines.forEach(function (text) {
      var line = document.createElement("div");
      line.textContent = text;
      box.appendChild(line);
    });
    return box;
  }

  function bindCommune(feature, layer) {
    layer.bindTooltip(tooltipOf(feature.properties), { sticky: true, className: "commune-tooltip" });
    layer.on("mouseover", function () { layer.setStyle({ weight: 2, color: "#000000" }); });
    layer.on("mouseout", function () { layer.setStyle(styleOf(feature)); });
    layer.on("click", function () {
      window.location.assign(config.page_url + encodeURIComponent(feature.properties.code));
    });
  }

  function addCommunes(map, features) {
    var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
      className: "commune",
      style: styleOf,
      onEachFeature: bindCommune,
    }).addTo(map);
    layer.eachLayer(function (polygon) {
      var element = polygon.getElement();
      element.setAttribute("data-code", polygon.feature.properties.code);
      element.setAttribute("data-departement", polygon.feature.properties.departement || "");
      if (polygon.feature.properties.is_focus) { element.classList.add("focus"); }
    });
    return layer;
  }

  function outline(map, data, className, weight) {
    return L.geoJSON(data, {
      className: className,
      interactive: false,
      style: { fill: false, color: "#1a1a1a", weight: weight, opacity: 0.9 },
    }).addTo(map);
  }

  var map = L.map(container, { zoomSnap: 0.25, minZoom: 5, maxZoom: 14 });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("INSEE, IGN — Licence Ouverte");
  if (config.bbox) {
    var b = config.bbox;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [8, 8] });
  } else {
    map.setView([46.6, 2.6], 6);
  }

  function getJSON(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
      return response.json();
    });
  }

  Promise.all([getJSON(config.communes_url), getJSON(config.departements_url)])
    .then(function (layers) {
      var communes = layers[0].features;
      // Neighbours first, so that the focus territory is drawn over them.
      addCommunes(map, communes.filter(function (f) { return !f.properties.is_focus; }));
      addCommunes(map, communes.filter(function (f) { return f.properties.is_focus; }));
      outline(map, layers[1], "departement", 1);
      if (config.focus) { outline(map, config.focus, "focus-outline", 3); }
      var status = container.querySelector(".map-status");
      if (status) { status.remove(); }
      container.setAttribute("data-loaded", "true");
    })
    .catch(function (error) {
      var status = container.querySelector(".map-status");
      if (status) { status.textContent = config.messages.failed; }
      container.setAttribute("data-loaded", "error");
      throw error;
    });
}());
