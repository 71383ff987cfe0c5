// Operators' quarantine page: reads /api/v1/environment/quarantine with the operator token
// pasted into the page. The token is sent in the Authorization header only (never in a URL)
// and kept in this tab's sessionStorage, under the same key as the alert pages.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("quarantine-config").textContent);
  var M = config.messages;
  var TOKEN_KEY = "hc_operator_token";
  var tokenInput = document.getElementById("operator-token");
  var status = document.getElementById("quarantine-status");
  var table = document.getElementById("quarantine-table");
  var body = table.querySelector("tbody");

  tokenInput.value = window.sessionStorage.getItem(TOKEN_KEY) || "";
  tokenInput.addEventListener("input", function () {
    window.sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim());
  });

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function localTime(iso) {
    try {
      return new Date(iso).toLocaleString(document.documentElement.lang, { timeZone: "Europe/Paris" });
    } catch (error) {
      return iso;
    }
  }

  function show(entries) {
    body.textContent = "";
    entries.forEach(function (e) {
      var row = document.createElement("tr");
      var reason = M["air_reason_" + e.reason] ? M["air_reason_" + e.reason] + " (" + e.reason + ")" : e.reason;
      [localTime(e.received_at), e.door, e.sensor_id, e.quantity, reason, e.field, e.value,
       e.expected].forEach(function (text) {
        var cell = document.createElement("td");
        cell.textContent = text === null ? "" : String(text);
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
    table.hidden = entries.length === 0;
    say(entries.length ? M.air_quarantine_count.replace("{count}", entries.length) : M.air_quarantine_none);
  }

  document.getElementById("quarantine-load").addEventListener("click", function () {
    var token = tokenInput.value.trim();
    if (!token) { say(M.alerts_token_missing, true); return; }
    fetch(config.api + "?limit=500", { headers: { "Authorization": "Bearer " + token } })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { throw new Error(data.detail || data.title || ("HTTP " + response.status)); }
          show(data.entries);
        });
      })
      .catch(function (error) {
        table.hidden = true;
        say(M.air_quarantine_failed.replace("{detail}", error.message), true);
      });
  });
}());
