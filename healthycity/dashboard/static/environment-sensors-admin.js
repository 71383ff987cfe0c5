// The sensor network page's forms for territory administrators: register a sensor
// (POST /api/v1/environment/sensors) and change a sensor's status (PATCH). The token pasted
// into the page is sent in the Authorization header only (token.js). On success the page is
// reloaded, so the table and the map show the registry as the database now holds it.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sensor-admin-config").textContent);
  var M = config.messages;
  var token = window.hcToken.bind(document.getElementById("admin-token"), "hc_admin_token");
  var status = document.getElementById("sensor-admin-status");

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function submit(url, method, body) {
    if (!token()) { say(M.air_sensors_token_missing, true); return; }
    say(M.air_sensors_saving);
    window.hcToken.send(url, { method: method, token: token(), body: body })
      .then(function () { window.location.reload(); })
      .catch(function (error) { say(M.air_sensors_failed.replace("{detail}", error.message), true); });
  }

  function value(id) { return document.getElementById(id).value.trim(); }

  document.getElementById("sensor-create").addEventListener("submit", function (event) {
    event.preventDefault();
    var quantities = {};
    document.querySelectorAll("#sensor-create [data-quantity]:checked").forEach(function (box) {
      quantities[box.value] = document.getElementById("new-u-" + box.value).value;
    });
    if (Object.keys(quantities).length === 0) { say(M.air_sensors_no_quantity, true); return; }
    if (config.known_ids.indexOf(value("new-sensor-id")) >= 0) {
      say(M.air_sensors_id_taken.replace("{id}", value("new-sensor-id")), true);
      return;
    }
    submit(config.api, "POST", {
      id: value("new-sensor-id"), name: value("new-sensor-name"), kind: value("new-sensor-kind"),
      lon: parseFloat(value("new-sensor-lon")), lat: parseFloat(value("new-sensor-lat")),
      commune_code: value("new-sensor-commune") || null, operator: value("new-sensor-operator") || null,
      quantities: quantities,
    });
  });

  var statusForm = document.getElementById("sensor-status");
  if (statusForm) {
    statusForm.addEventListener("submit", function (event) {
      event.preventDefault();
      submit(config.api + "/" + encodeURIComponent(value("status-sensor")), "PATCH",
             { status: value("status-value") });
    });
  }
}());
