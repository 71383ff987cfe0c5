// The API token an operator or officer pastes into a page, shared by the pages that write
// through the API (alerts, scenarios). The token is kept in this tab's sessionStorage only,
// and sent in the Authorization header only: never in a URL, never as a form field (its
// input has no name attribute, so no form can submit it).
(function () {
  "use strict";

  // Fill ``input`` from the tab's storage under ``key``, and keep the storage up to date.
  function bind(input, key) {
    input.value = window.sessionStorage.getItem(key) || "";
    input.addEventListener("input", function () {
      window.sessionStorage.setItem(key, input.value.trim());
    });
    return function () { return input.value.trim(); };
  }

  // The message of an RFC 9457 problem body, else the HTTP status.
  function problemText(data, status) {
    return (data && (data.detail || data.title)) || ("HTTP " + status);
  }

  // Send ``body`` as JSON with the token; resolve to the JSON answer, reject with the
  // problem's message. Cookies are never sent: the token is the only credential.
  function send(url, options) {
    var headers = { "Content-Type": "application/json" };
    if (options.token) { headers.Authorization = "Bearer " + options.token; }
    return fetch(url, {
      method: options.method || "POST",
      headers: headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: "omit",
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok) { throw new Error(problemText(data, response.status)); }
        return data;
      });
    });
  }

  window.hcToken = { bind: bind, problemText: problemText, send: send };
}());
