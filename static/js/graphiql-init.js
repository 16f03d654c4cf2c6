/* GraphiQL on /graphql (development only). Queries go to the same endpoint as JSON POSTs,
   with the session cookie and the CSRF token, so a signed-in user can run mutations. */
(function () {
  "use strict";

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var pair = parts[i].trim();
      if (pair.indexOf(name + "=") === 0) {
        return decodeURIComponent(pair.slice(name.length + 1));
      }
    }
    return "";
  }

  function start() {
    var root = document.getElementById("graphiql");
    var endpoint = root.getAttribute("data-endpoint") || "/graphql";
    document.body.style.margin = "0";
    root.style.height = "100vh";

    function fetcher(params, options) {
      var headers = { "Content-Type": "application/json", "Accept": "application/json" };
      var extra = (options && options.headers) || {};
      Object.keys(extra).forEach(function (key) { headers[key] = extra[key]; });
      var token = cookie("csrftoken"); // read per request: signing in rotates it
      if (token) { headers["X-CSRFToken"] = token; }
      return fetch(endpoint, {
        method: "POST",
        credentials: "same-origin",
        headers: headers,
        body: JSON.stringify(params)
      }).then(function (response) { return response.json(); });
    }

    var props = {
      fetcher: fetcher,
      defaultQuery: "{\n  me {\n    username\n  }\n  courses {\n    slug\n    title\n    lesson_count\n  }\n}\n",
      shouldPersistHeaders: false
    };
    var shared = new URLSearchParams(window.location.search).get("query");
    if (shared) { props.query = shared; } // a link to /graphql?query=… opens that query
    ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
