// The scenario editor: pick a commune (map or list), add changes, see the APL map and the
// summary change live (POST scenarios/preview), save with the officer token, and compare two
// saved scenarios on two maps. The token goes in the Authorization header only (token.js).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("scenario-config").textContent);
  var M = config.messages;
  var A = window.hcAplMap;
  var format = A.formatter(config.separators);
  var token = window.hcToken.bind(document.getElementById("officer-token"), config.token_key);
  var container = document.getElementById("scenario-map");
  var status = document.querySelector("[data-scenario-status]");
  var communeSelect = document.getElementById("scenario-commune");
  var kindSelect = document.getElementById("scenario-kind");
  var countInput = document.getElementById("scenario-count");
  var saveButton = document.querySelector("[data-save]");
  var base = {}; // code -> properties of the current APL
  var after = null; // code -> commune of the last preview
  var changes = [];
  var drawn = null;
  var selected = null;
  var sequence = 0; // previews answer out of order: keep the last one only
  var showBefore = false; // the "before" view of the map: the current APL

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function fill(template, values) {
    return Object.keys(values).reduce(function (text, key) {
      return text.split("{" + key + "}").join(values[key]);
    }, template);
  }

  function people(shift) {
    return fill(M.scenario_people, { population: format(shift.population, 0), communes: shift.communes });
  }

  // --- The map -----------------------------------------------------------------------------

  function classOf(code) {
    if (!showBefore && after && after[code]) { return after[code].class_after; }
    return base[code] ? base[code].apl_class : null;
  }

  function tooltipOf(feature) {
    var code = feature.properties.code;
    var box = A.tooltip(config, feature.properties.name, base[code] ? base[code].apl : null, classOf(code));
    if (after && after[code] && Math.abs(after[code].delta) > 1e-9) {
      box.children[1].textContent = fill(M.scenario_tooltip_after, {
        before: format(after[code].apl_before, 2), after: format(after[code].apl_after, 2),
      });
    }
    return box;
  }

  function markChanged() {
    Object.keys(drawn.paths).forEach(function (code) {
      var element = drawn.paths[code].getElement();
      var moved = Boolean(after && after[code] && Math.abs(after[code].delta) > 1e-9);
      var reclassed = Boolean(moved && after[code].class_before !== after[code].class_after);
      element.classList.toggle("changed", moved);
      element.classList.toggle("class-changed", reclassed);
      element.classList.toggle("selected", code === selected);
    });
  }

  function select(code) {
    selected = code;
    communeSelect.value = code;
    markChanged();
  }

  // --- Changes and preview -----------------------------------------------------------------

  function describe(change) {
    var what = config.kinds[change.kind];
    var count = change.count || change.gps;
    if (count) { what = fill(M.scenario_change_count, { kind: what, count: count }); }
    var name = base[change.commune] ? base[change.commune].name : change.commune;
    return fill(M.scenario_change_text, { commune: name, what: what });
  }

  function renderChanges() {
    var list = document.querySelector("[data-changes]");
    list.textContent = "";
    changes.forEach(function (change, index) {
      var item = document.createElement("li");
      item.textContent = describe(change);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary";
      remove.textContent = M.scenario_remove_change;
      remove.addEventListener("click", function () {
        changes.splice(index, 1);
        update();
      });
      item.appendChild(remove);
      list.appendChild(item);
    });
    document.querySelector("[data-no-changes]").hidden = changes.length > 0;
    saveButton.disabled = changes.length === 0;
  }

  function renderSummary(outcome) {
    var panel = document.querySelector("[data-summary]");
    function figure(name, text) { panel.querySelector('[data-figure="' + name + '"]').textContent = text; }
    panel.querySelector("[data-method]").textContent = outcome.method_label;
    figure("changed", String(outcome.communes_changed));
    figure("class_changes", outcome.class_changes.length === 0 ? M.scenario_none : outcome.class_changes.map(function (c) {
      return c.name + " (" + config.classes[c.class_before] + " → " + config.classes[c.class_after] + ")";
    }).join(" ; "));
    figure("out_of_under_dense", people(outcome.out_of_under_dense));
    figure("into_under_dense", people(outcome.into_under_dense));
    figure("under_dense", people(outcome.under_dense_before) + " → " + people(outcome.under_dense_after));
    figure("mean_apl", outcome.mean_apl_before === null ? "—"
      : format(outcome.mean_apl_before, 2) + " → " + format(outcome.mean_apl_after, 2));
    panel.hidden = false;
  }

  function request() {
    return { territory: config.territory, year: config.year, provider: config.provider, changes: changes };
  }

  function update() {
    renderChanges();
    if (changes.length === 0) {
      after = null;
      document.querySelector("[data-summary]").hidden = true;
      drawn.restyle();
      markChanged();
      container.setAttribute("data-preview", "none");
      return;
    }
    if (!token()) { say(M.scenario_token_missing, true); return; }
    var mine = ++sequence;
    say(M.scenario_computing);
    container.setAttribute("data-preview", "pending");
    window.hcToken.send(config.api + "/preview", { token: token(), body: request() })
      .then(function (outcome) {
        if (mine !== sequence) { return; }
        after = {};
        outcome.communes.forEach(function (c) { after[c.code] = c; });
        drawn.restyle();
        markChanged();
        renderSummary(outcome);
        say(fill(M.scenario_computed, { ms: format(outcome.computation_ms, 0) }));
        container.setAttribute("data-preview", String(mine));
      })
      .catch(function (error) {
        if (mine !== sequence) { return; }
        changes.pop(); // the change the API refused: take it back, say why
        renderChanges();
        say(fill(M.scenario_failed, { detail: error.message }), true);
        container.setAttribute("data-preview", "error");
      });
  }

  function syncCountField() {
    var needsCount = ["add_gps", "remove_gps", "open_msp"].indexOf(kindSelect.value) >= 0;
    document.querySelector("[data-count-field]").hidden = !needsCount;
  }
  kindSelect.addEventListener("change", syncCountField);
  syncCountField();
  communeSelect.addEventListener("change", function () { select(communeSelect.value); });

  document.getElementById("change-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!communeSelect.value) { communeSelect.focus(); return; }
    var change = { kind: kindSelect.value, commune: communeSelect.value };
    var count = parseInt(countInput.value, 10);
    if (change.kind === "add_gps" || change.kind === "remove_gps") { change.count = count; }
    if (change.kind === "open_msp") { change.gps = count; }
    if ((change.count !== undefined || change.gps !== undefined) && !(count >= 1)) { countInput.focus(); return; }
    changes.push(change);
    update();
  });

  // --- Saving and comparing ----------------------------------------------------------------

  function listSaved() {
    var none = document.querySelector("[data-saved-none]");
    if (!token()) { none.hidden = false; return; }
    var url = config.api + "?territory=" + encodeURIComponent(config.territory);
    window.hcToken.send(url, { method: "GET", token: token() }).then(function (saved) {
      ["compare-first", "compare-second"].forEach(function (id, position) {
        var box = document.getElementById(id);
        // a refresh (after a save) keeps what the officer already chose, if it still exists
        var chosen = box.value;
        var kept = saved.some(function (s) { return String(s.id) === chosen; });
        box.textContent = "";
        saved.forEach(function (s, index) {
          var option = document.createElement("option");
          option.value = String(s.id);
          option.textContent = fill(M.scenario_label, { id: s.id, name: s.name, changes: s.changes });
          option.selected = kept ? option.value === chosen : index === position;
          box.appendChild(option);
        });
      });
      none.hidden = saved.length > 0;
    }).catch(function (error) { say(fill(M.scenario_failed, { detail: error.message }), true); });
  }

  document.getElementById("save-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var name = document.getElementById("scenario-name");
    if (!name.value.trim()) { name.focus(); return; }
    if (!token()) { say(M.scenario_token_missing, true); return; }
    var body = request();
    body.name = name.value.trim();
    window.hcToken.send(config.api, { token: token(), body: body }).then(function (saved) {
      say(fill(M.scenario_saved, { id: saved.id }));
      listSaved();
    }).catch(function (error) { say(fill(M.scenario_failed, { detail: error.message }), true); });
  });

  var compareMaps = {};
  function drawComparison(id, features, classes) {
    if (compareMaps[id]) { compareMaps[id].remove(); }
    var map = A.makeMap(document.getElementById(id));
    compareMaps[id] = map;
    A.drawCommunes(map, config, features, {
      classOf: function (code) { return classes[code] || null; },
      tooltip: function (feature) {
        return A.tooltip(config, feature.properties.name, null, classes[feature.properties.code]);
      },
      onClick: function () {},
    });
    document.getElementById(id).setAttribute("data-loaded", "true");
  }

  document.getElementById("compare-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var first = document.getElementById("compare-first").value;
    var second = document.getElementById("compare-second").value;
    if (!first || !second || !token()) { say(M.scenario_token_missing, true); return; }
    var url = config.api + "/" + encodeURIComponent(first) + "/compare?with=" + encodeURIComponent(second);
    window.hcToken.send(url, { method: "GET", token: token() }).then(function (comparison) {
      var section = document.querySelector("[data-comparison]");
      section.hidden = false;
      var classes = { first: {}, second: {} };
      var differ = document.querySelector("[data-compare-differ]");
      var differs = 0;
      differ.textContent = "";
      comparison.communes.forEach(function (c) {
        classes.first[c.code] = c.class_after_first;
        classes.second[c.code] = c.class_after_second;
        if (c.class_after_first !== c.class_after_second) {
        differs += 1;
          var item = document.createElement("li");
          item.textContent = c.name + " : A " + (config.classes[c.class_after_first] || "—")
            + ", B " + (config.classes[c.class_after_second] || "—");
          differ.appendChild(item);
        }
      });
      if (differs === 0) {
        var item = document.createElement("li");
        item.textContent = M.scenario_compare_none;
        differ.appendChild(item);
      }
      ["first", "second"].forEach(function (which) {
        var s = comparison[which];
        var figures = s.summary;
        var cell = function (name) { return section.querySelector("[data-" + which + '="' + name + '"]'); };
        cell("under_dense").textContent = format(figures.population_under_dense_after, 0);
        cell("out").textContent = format(figures.population_out_of_under_dense, 0);
        cell("into").textContent = format(figures.population_into_under_dense, 0);
        cell("mean").textContent = figures.mean_apl_after === null ? "—" : format(figures.mean_apl_after, 2);
        section.querySelector('[data-caption="' + which + '"]').textContent =
          (which === "first" ? "A" : "B") + " — " + fill(M.scenario_label, { id: s.id, name: s.name, changes: s.changes });
      });
      var note = section.querySelector("[data-compare-base]");
      note.hidden = comparison.base_differences.length === 0;
      note.textContent = fill(M.scenario_compare_base, { what: comparison.base_differences.join(", ") });
      drawComparison("compare-map-first", features, classes.first);
      drawComparison("compare-map-second", features, classes.second);
    }).catch(function (error) { say(fill(M.scenario_failed, { detail: error.message }), true); });
  });

  // --- Start -------------------------------------------------------------------------------

  var features = [];
  var map = A.makeMap(container);
  A.getJSON(config.apl_url).then(function (collection) {
    features = collection.features;
    features.forEach(function (feature) { base[feature.properties.code] = feature.properties; });
    features.slice().sort(function (a, b) {
      return a.properties.name.localeCompare(b.properties.name, document.documentElement.lang);
    }).forEach(function (feature) {
      var option = document.createElement("option");
      option.value = feature.properties.code;
      option.textContent = feature.properties.name + " (" + feature.properties.code + ")";
      communeSelect.appendChild(option);
    });
    drawn = A.drawCommunes(map, config, features, {
      classOf: classOf,
      tooltip: tooltipOf,
      onClick: function (feature) { select(feature.properties.code); },
    });
    var loading = container.querySelector(".map-status");
    if (loading) { loading.remove(); }
    container.setAttribute("data-loaded", "true");
    container.setAttribute("data-preview", "none");
    viewSwitch.disabled = false;
    listSaved();
  }).catch(function (error) {
    say(M.apl_map_failed, true);
    container.setAttribute("data-loaded", "error");
    throw error;
  });
  document.getElementById("officer-token").addEventListener("change", listSaved);
  var viewSwitch = document.querySelector("[data-view-switch]");
  viewSwitch.addEventListener("change", function (event) {
    showBefore = event.target.value === "before";
    drawn.restyle();
    markChanged();
    container.setAttribute("data-view", showBefore ? "before" : "after");
  });
}());
