// Operators' alert pages: the map of communes under an alert, and issue / update / cancel
// through the API with a confirmation step. The operator token is sent in the
// Authorization header only (never in a URL) and kept in this tab's sessionStorage.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("alerts-config").textContent);
  var M = config.messages;
  var TOKEN_KEY = "hc_operator_token";
  var tokenInput = document.getElementById("operator-token");
  var confirmPanel = document.querySelector("[data-confirm]");
  var statusLine = document.querySelector("[data-action-status]");
  var pending = null; // {url, body, done}
  // token.js keeps the token in this tab's sessionStorage and sends it in the header only
  var token = tokenInput ? window.hcToken.bind(tokenInput, TOKEN_KEY) : function () { return ""; };

  function say(text, isError) {
    if (!statusLine) { return; }
    statusLine.textContent = text;
    statusLine.classList.toggle("error", Boolean(isError));
  }

  function labelFor(form, name) {
    var field = form.elements[name];
    var label = field && field.id ? document.querySelector('label[for="' + field.id + '"]') : null;
    return label ? label.textContent : name;
  }

  function readForm(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.value.trim() === "") { return; }
      var value = field.value.trim();
      if (field.type === "datetime-local") { value = new Date(value).toISOString(); }
      if (field.name === "areas") { value = value.split(/[\s,;]+/).filter(Boolean); }
      body[field.name] = value;
    });
    return body;
  }

  function showConfirmation(form, title, url, body, done) {
    var summary = confirmPanel.querySelector("[data-confirm-summary]");
    summary.textContent = "";
    Object.keys(body).forEach(function (name) {
      var term = document.createElement("dt");
      term.textContent = labelFor(form, name);
      var value = document.createElement("dd");
      var field = form.elements[name];
      var text = Array.isArray(body[name]) ? body[name].join(", ") : String(body[name]);
      if (field && field.tagName === "SELECT" && field.selectedIndex >= 0) {
        text = field.options[field.selectedIndex].text; // the label the operator chose
      }
      value.textContent = text;
      if (name === "status") { value.className = "status status-" + body[name].toLowerCase(); }
      summary.appendChild(term);
      summary.appendChild(value);
    });
    confirmPanel.querySelector("[data-confirm-title]").textContent = title;
    pending = { url: url, body: body, done: done };
    confirmPanel.hidden = false;
    confirmPanel.focus();
    say("");
  }

  function send() {
    if (!token()) { say(M.alerts_token_missing, true); return; }
    say(M.alerts_sending);
    var request = pending;
    window.hcToken.send(request.url, { token: token(), body: request.body }).then(function (data) {
      confirmPanel.hidden = true;
      say(M.alerts_published.replace("{id}", data.id));
      request.done(data);
    }).catch(function (error) {
      say(M.alerts_failed.replace("{detail}", error.message), true);
    });
  }

  if (confirmPanel) {
    confirmPanel.querySelector("[data-confirm-yes]").addEventListener("click", send);
    confirmPanel.querySelector("[data-confirm-no]").addEventListener("click", function () {
      confirmPanel.hidden = true;
      pending = null;
    });
  }

  function fillLevels(select, hazard) {
    var levels = config.options.levels[hazard] || [];
    select.textContent = "";
    [""].concat(levels).forEach(function (level) {
      var option = document.createElement("option");
      option.value = level;
      option.textContent = level || "—";
      select.appendChild(option);
    });
    select.disabled = levels.length === 0;
  }

  var issueForm = document.getElementById("issue-form");
  if (issueForm) {
    var hazard = issueForm.elements.hazard;
    var level = issueForm.elements.level;
    fillLevels(level, hazard.value);
    hazard.addEventListener("change", function () { fillLevels(level, hazard.value); });
    issueForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!issueForm.reportValidity()) { return; }
      var body = readForm(issueForm);
      if (!body.areas || body.areas.length === 0) { say(M.alerts_areas_missing, true); return; }
      showConfirmation(issueForm, M.alerts_confirm_title, config.api, body, function (data) {
        window.location.assign("/alertes?nouvelle=" + encodeURIComponent(data.id) + "#current-title");
      });
    });
  }

  ["update-form", "cancel-form"].forEach(function (id) {
    var form = document.getElementById(id);
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var action = form.getAttribute("data-action");
      var title = action === "cancel" ? M.alerts_confirm_cancel : M.alerts_confirm_update;
      showConfirmation(form, title, config.api + "/" + action, readForm(form), function (data) {
        window.location.assign("/alertes/" + encodeURIComponent(data.id));
      });
    });
  });

  var mapElement = document.getElementById("alerts-map");
  if (mapElement && window.L) {
    var map = L.map(mapElement, { zoomSnap: 0.25, minZoom: 5, maxZoom: 14 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("INSEE, IGN — Licence Ouverte");
    map.setView([47.1, 3.5], 8);
    fetch(config.zones_url).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (zones) {
      var layer = L.geoJSON(zones, {
        className: "alert-area",
        style: function (feature) {
          return {
            fillColor: config.colours[feature.properties.severity] || config.colours.Unknown,
            fillOpacity: 0.7, color: "#3a3a3a", weight: 0.5,
          };
        },
        onEachFeature: function (feature, polygon) {
          var box = document.createElement("div");
          var name = document.createElement("strong");
          name.textContent = feature.properties.name;
          box.appendChild(name);
          feature.properties.alerts.forEach(function (alert) {
            var line = document.createElement("div");
            line.textContent = "N° " + alert.id + " — " + alert.headline +
              " (" + (M["alerts_status_" + alert.status] || alert.status) + ")";
            box.appendChild(line);
          });
          polygon.bindTooltip(box, { sticky: true });
        },
      }).addTo(map);
      layer.eachLayer(function (polygon) {
        polygon.getElement().setAttribute("data-code", polygon.feature.properties.code);
      });
      if (zones.features.length) { map.fitBounds(layer.getBounds(), { padding: [12, 12], maxZoom: 11 }); }
      var status = mapElement.querySelector(".map-status");
      if (status) { status.remove(); }
      mapElement.setAttribute("data-loaded", "true");
    }).catch(function () {
      var status = mapElement.querySelector(".map-status");
      if (status) { status.textContent = M.alerts_map_failed; }
      mapElement.setAttribute("data-loaded", "error");
    });
  }
}());
