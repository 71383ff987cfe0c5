// The APL map: every commune of the territory coloured by its APL class (from the APL API),
// hover for the commune, its APL and class; click to open the commune's page.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("apl-config").textContent);
  var container = document.getElementById("apl-map");
  var A = window.hcAplMap;
  var map = A.makeMap(container);

  function done(state, message) {
    var status = container.querySelector(".map-status");
    if (status && message) { status.textContent = message; } else if (status) { status.remove(); }
    container.setAttribute("data-loaded", state);
  }

  A.getJSON(config.apl_url).then(function (collection) {
    var byCode = {};
    collection.features.forEach(function (feature) { byCode[feature.properties.code] = feature.properties; });
    A.drawCommunes(map, config, collection.features, {
      classOf: function (code) { return byCode[code] ? byCode[code].apl_class : null; },
      tooltip: function (feature) {
        var p = feature.properties;
        return A.tooltip(config, p.name, p.apl, p.apl_class);
      },
      onClick: function (feature) {
        window.location.assign(config.page_url + encodeURIComponent(feature.properties.code));
      },
    });
    done("true");
  }).catch(function (error) {
    done("error", config.messages.apl_map_failed);
    throw error;
  });
}());
