// Drawing APL choropleths with Leaflet, shared by the APL map and the scenario editor:
// commune polygons coloured by APL class, a tooltip with the commune, its APL and class.
// No base tiles: the pages need no network.
(function () {
  "use strict";

  function formatter(separators) {
    return function (value, digits) {
      var parts = Math.abs(value).toFixed(digits).split(".");
      var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, separators[0]);
      return (value < 0 ? "-" : "") + whole + (parts.length > 1 ? separators[1] + parts[1] : "");
    };
  }

  function getJSON(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
      return response.json();
    });
  }

  // A map without tiles, fitted to the features' bounds once they are drawn.
  function makeMap(container) {
    var map = L.map(container, { zoomSnap: 0.25, minZoom: 5, maxZoom: 14 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("INSEE, IGN, DREES — Licence Ouverte");
    return map;
  }

  // The tooltip of a commune: its name, APL value (2 decimals) and class name.
  function tooltip(config, name, apl, cls) {
    var format = formatter(config.separators);
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = name;
    box.appendChild(title);
    var value = document.createElement("div");
    value.textContent = apl === null || apl === undefined
      ? config.messages.apl_not_computed
      : config.messages.apl_value.replace("{value}", format(apl, 2));
    box.appendChild(value);
    if (cls) {
      var label = document.createElement("div");
      label.className = "class-" + cls;
      label.textContent = config.classes[cls];
      box.appendChild(label);
    }
    return box;
  }

  // Draw ``features`` (GeoJSON communes with code and name) coloured by ``classOf(code)``.
  // Returns {layer, paths: {code: polygon}, restyle()} ; each SVG path carries data-code and
  // data-class, so that tests and styles can read the map.
  function drawCommunes(map, config, features, options) {
    var paths = {};
    function style(feature) {
      var cls = options.classOf(feature.properties.code);
      return {
        fillColor: cls ? config.colours[cls] : config.no_data_colour,
        fillOpacity: 0.85,
        color: "#5a5a5a",
        weight: 0.5,
      };
    }
    function mark(polygon) {
      var code = polygon.feature.properties.code;
      var element = polygon.getElement();
      element.setAttribute("data-code", code);
      element.setAttribute("data-class", options.classOf(code) || "none");
      polygon.setTooltipContent(options.tooltip(polygon.feature));
    }
    var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
      className: "apl-commune",
      style: style,
      onEachFeature: function (feature, polygon) {
        polygon.bindTooltip(options.tooltip(feature), { sticky: true, className: "commune-tooltip apl-tooltip" });
        polygon.on("mouseover", function () { polygon.setStyle({ weight: 2, color: "#000000" }); });
        polygon.on("mouseout", function () { polygon.setStyle(style(feature)); });
        polygon.on("click", function () { options.onClick(feature); });
      },
    });
    if (options.fit !== false) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
    layer.addTo(map); // after the view is set: Leaflet renders the paths only then
    layer.eachLayer(function (polygon) {
      paths[polygon.feature.properties.code] = polygon;
      mark(polygon);
    });
    return {
      layer: layer,
      paths: paths,
      restyle: function () {
        layer.eachLayer(function (polygon) {
          polygon.setStyle(style(polygon.feature));
          mark(polygon);
        });
      },
    };
  }

  window.hcAplMap = {
    formatter: formatter,
    getJSON: getJSON,
    makeMap: makeMap,
    tooltip: tooltip,
    drawCommunes: drawCommunes,
  };
}());
