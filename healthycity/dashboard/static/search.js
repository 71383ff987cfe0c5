// The search boxes: live suggestions from the territory API; without JavaScript each form
// still works (GET to its action). Keyboard: Down moves into the list, Escape closes it.
// Every form.search gets the behaviour: the header's, and a page's own (the care finder's),
// each suggestion linking to the form's data-page followed by the commune code.
(function () {
  "use strict";

  function setUp(form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector(".suggestions");
    var status = form.querySelector("[aria-live]");
    var timer = null;
    var controller = null;

    function hide() {
      list.hidden = true;
      list.replaceChildren();
      input.setAttribute("aria-expanded", "false");
    }

    function render(territories) {
      list.replaceChildren();
      territories.forEach(function (territory) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = form.dataset.page + encodeURIComponent(territory.code);
        link.textContent = territory.name + " ";
        var code = document.createElement("span");
        code.className = "muted";
        code.textContent = "(" + territory.code + ")";
        link.appendChild(code);
        item.appendChild(link);
        list.appendChild(item);
      });
      list.hidden = territories.length === 0;
      input.setAttribute("aria-expanded", territories.length ? "true" : "false");
      status.textContent = form.dataset.results.replace("{count}", String(territories.length));
    }

    function suggest() {
      var query = input.value.trim();
      if (!query) { hide(); return; }
      if (controller) { controller.abort(); }
      controller = new AbortController();
      var params = new URLSearchParams({ q: query, level: "commune", limit: "8" });
      fetch(form.dataset.api + "?" + params.toString(), { signal: controller.signal })
        .then(function (response) { return response.ok ? response.json() : { territories: [] }; })
        .then(function (body) { render(body.territories); })
        .catch(function (error) { if (error.name !== "AbortError") { hide(); } });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(suggest, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && !list.hidden) {
        event.preventDefault();
        list.querySelector("a").focus();
      } else if (event.key === "Escape") {
        hide();
      }
    });
    list.addEventListener("keydown", function (event) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a"));
      var index = links.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && index < links.length - 1) {
        event.preventDefault();
        links[index + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        (index > 0 ? links[index - 1] : input).focus();
      } else if (event.key === "Escape") {
        hide();
        input.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) { hide(); }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.search"), setUp);
}());
