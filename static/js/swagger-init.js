/* Starts Swagger UI on /api/docs/ (templates/api/swagger.html): no inline script, so the
   page keeps the site's script policy. "Try it out" runs with the browser's session, so
   unsafe methods carry the CSRF token Django expects (X-CSRFToken, from the csrftoken
   cookie the page sets). */
(function () {
  "use strict";
  var SAFE = /^(GET|HEAD|OPTIONS|TRACE)$/i;

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var item = parts[i].trim();
      if (item.indexOf(name + "=") === 0) {
        return decodeURIComponent(item.slice(name.length + 1));
      }
    }
    return null;
  }

  function start() {
    var root = document.getElementById("swagger-ui");
    if (!root || typeof window.SwaggerUIBundle !== "function") { return; }
    window.ui = window.SwaggerUIBundle({
      url: root.dataset.schemaUrl,
      domNode: root,
      deepLinking: true,
      layout: "BaseLayout",
      presets: [window.SwaggerUIBundle.presets.apis],
      validatorUrl: null,               // never send the schema to a third party
      displayRequestDuration: true,
      defaultModelsExpandDepth: 0,
      tryItOutEnabled: false,
      requestInterceptor: function (request) {
        var token = cookie("csrftoken");
        if (token && !SAFE.test(request.method || "GET")) {
          request.headers["X-CSRFToken"] = token;
        }
        return request;
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
