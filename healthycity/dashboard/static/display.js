// Street display: poll the commune's alerts; on failure keep the last state and say so.
(function () {
  "use strict";
  var body = document.body;
  var url = body.dataset.stateUrl;
  var pollMs = Number(body.dataset.pollS || "30") * 1000;
  var lostSince = null;

  function hhmm(date) {
    return date.toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
  }

  function render(state) {
    var main = document.getElementById("alerts");
    main.textContent = "";
    if (!state.alerts.length) {
      var calm = document.createElement("p");
      calm.className = "calm";
      calm.textContent = "Aucune alerte sanitaire en cours.";
      main.appendChild(calm);
      return;
    }
    state.alerts.forEach(function (alert) {
      var block = document.createElement("section");
      block.className = "alert " + alert.severity;
      var title = document.createElement("h2");
      title.textContent = alert.headline.fr || alert.headline.en || "";
      block.appendChild(title);
      [alert.description.fr, alert.instruction.fr].forEach(function (text) {
        if (text) {
          var p = document.createElement("p");
          p.textContent = text;
          block.appendChild(p);
        }
      });
      main.appendChild(block);
    });
  }

  function poll() {
    fetch(url, { cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (state) {
        render(state);
        lostSince = null;
        document.getElementById("offline").hidden = true;
      })
      .catch(function () {
        if (lostSince === null) { lostSince = new Date(); }
        var note = document.getElementById("offline");
        note.textContent = "Connexion perdue depuis " + hhmm(lostSince) +
          " : dernières informations reçues affichées.";
        note.hidden = false;
      })
      .finally(function () { setTimeout(poll, pollMs); });
  }

  function tick() { document.getElementById("clock").textContent = hhmm(new Date()); }
  tick();
  setInterval(tick, 10000);
  poll();
})();
