// API explorer: run the same question against REST and GraphQL and compare the costs.
(function () {
  "use strict";
  var data = document.getElementById("explorer-operations");
  if (!data) return;
  var operations = JSON.parse(data.textContent);
  var byId = {};
  operations.forEach(function (op) { byId[op.id] = op; });

  var form = document.getElementById("explorer-form");
  var select = document.getElementById("operation");
  var runButton = document.getElementById("run-both");
  var summary = document.getElementById("op-summary");
  var unavailable = document.getElementById("op-unavailable");
  var compareText = document.getElementById("compare-text");
  var chart = document.getElementById("compare-chart");
  var MAX_SHOWN = 300000;  // characters shown per response (the pane scrolls)
  var numbers = new Intl.NumberFormat("en-GB");

  function count(value) { return numbers.format(value); }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function setCode(id, text) {
    var code = document.querySelector("#" + id + " code");
    code.textContent = text.length > MAX_SHOWN
      ? text.slice(0, MAX_SHOWN) + "\n… (" + (text.length - MAX_SHOWN) + " more characters)"
      : text;
  }

  function setMetric(pane, name, value) {
    document.querySelector("#" + pane + "-metrics [data-metric=" + name + "]").textContent = value;
  }

  function resetPane(pane) {
    ["status", "bytes", "trips", "server", "sql", "client"].forEach(function (name) {
      setMetric(pane, name, "—");
    });
    setCode(pane + "-response", "");
  }

  function describe(op) {
    summary.textContent = op.summary;
    var lines = op.rest.map(function (call) {
      return call.method + " " + call.url + (call.body ? "\n" + JSON.stringify(call.body, null, 2) : "");
    });
    setCode("rest-request", lines.join("\n\n"));
    document.getElementById("rest-count-label").textContent =
      op.rest.length > 1 ? "s (" + op.rest.length + ", one after another)" : "";
    setCode("gql-request", op.graphql + "\n\n# variables\n" + JSON.stringify(op.variables, null, 2));
    unavailable.hidden = !op.unavailable;
    unavailable.textContent = op.unavailable;
    runButton.disabled = !!op.unavailable;
    resetPane("rest");
    resetPane("gql");
    chart.textContent = "";
    compareText.textContent = "Run a question to compare.";
  }

  function serverTiming(header) {
    var out = { app: null, db: null };
    (header || "").split(",").forEach(function (part) {
      var m = part.trim().match(/^(\w+);dur=([\d.]+)/);
      if (m) out[m[1]] = parseFloat(m[2]);
    });
    return out;
  }

  function headers(extra) {
    var h = { Accept: "application/json" };
    Object.keys(extra || {}).forEach(function (k) { h[k] = extra[k]; });
    return h;
  }

  async function measure(requests) {
    var result = { statuses: [], bytes: 0, trips: 0, server: 0, sql: 0, sqlKnown: true, bodies: [] };
    var started = performance.now();
    for (var i = 0; i < requests.length; i++) {
      var req = requests[i];
      // "no-store": never revalidate against the HTTP cache. A 304 would hand back the
      // cached body and stale headers, so bytes, server time and SQL count would not be
      // this run's.
      var response = await fetch(req.url, {
        method: req.method,
        cache: "no-store",
        credentials: "same-origin",
        headers: headers(req.headers),
        body: req.body,
      });
      var text = await response.text();
      result.trips += 1;
      result.statuses.push(response.status);
      result.bytes += new TextEncoder().encode(text).length;
      result.server += serverTiming(response.headers.get("Server-Timing")).app || 0;
      var sql = response.headers.get("X-SQL-Queries");
      if (sql === null) result.sqlKnown = false; else result.sql += parseInt(sql, 10);
      var body;
      try { body = JSON.parse(text); } catch (e) { body = text; }
      result.bodies.push(body);
    }
    result.client = performance.now() - started;
    return result;
  }

  function show(pane, result) {
    setMetric(pane, "status", result.statuses.join(", "));
    setMetric(pane, "bytes", count(result.bytes) + " B");
    setMetric(pane, "trips", String(result.trips));
    setMetric(pane, "server", result.server.toFixed(1) + " ms");
    setMetric(pane, "sql", result.sqlKnown ? String(result.sql) : "hidden");
    setMetric(pane, "client", result.client.toFixed(1) + " ms");
    var shown = result.bodies.length === 1 ? result.bodies[0] : result.bodies;
    setCode(pane + "-response", typeof shown === "string" ? shown : JSON.stringify(shown, null, 2));
  }

  function bars(label, unit, rest, gql) {
    var row = document.createElement("div");
    row.className = "compare-row";
    var name = document.createElement("div");
    name.className = "compare-label";
    name.textContent = label;
    row.appendChild(name);
    var max = Math.max(rest, gql) || 1;
    [["REST", rest, "bar-rest"], ["GraphQL", gql, "bar-gql"]].forEach(function (entry) {
      var line = document.createElement("div");
      line.className = "compare-line";
      var track = document.createElement("span");
      track.className = "compare-track";
      var bar = document.createElement("span");
      bar.className = "compare-bar " + entry[2];
      bar.style.width = Math.max(2, (100 * entry[1]) / max) + "%";
      track.appendChild(bar);
      var value = document.createElement("span");
      value.className = "compare-value";
      value.textContent = entry[0] + ": " + (unit === "ms" ? entry[1].toFixed(1) : count(entry[1])) + (unit ? " " + unit : "");
      line.appendChild(track);
      line.appendChild(value);
      row.appendChild(line);
    });
    chart.appendChild(row);
  }

  // "GraphQL sent 35% fewer bytes than REST (1,234 against 1,900)"; the direction comes
  // from the byte counts themselves, so a rounded 0% never reads as "fewer".
  function bytesSentence(restBytes, gqlBytes) {
    var figures = " (" + count(gqlBytes) + " against " + count(restBytes) + ")";
    if (gqlBytes === restBytes) {
      return "GraphQL and REST sent the same number of bytes" + figures;
    }
    var word = gqlBytes < restBytes ? "fewer" : "more";
    if (!restBytes) {
      return "GraphQL sent more bytes than REST" + figures;
    }
    var percent = (100 * Math.abs(restBytes - gqlBytes)) / restBytes;
    var amount = percent < 1 ? "less than 1% " : Math.round(percent) + "% ";
    return "GraphQL sent " + amount + word + " bytes than REST" + figures;
  }

  function compare(rest, gql) {
    chart.textContent = "";
    bars("Bytes", "B", rest.bytes, gql.bytes);
    bars("Round trips", "", rest.trips, gql.trips);
    bars("Server time", "ms", rest.server, gql.server);
    if (rest.sqlKnown && gql.sqlKnown) bars("SQL queries", "", rest.sql, gql.sql);
    compareText.textContent = bytesSentence(rest.bytes, gql.bytes) + " in " + gql.trips + " round trip" + (gql.trips === 1 ? "" : "s") +
      " against " + rest.trips + ". Server time: REST " + rest.server.toFixed(1) + " ms, GraphQL " +
      gql.server.toFixed(1) + " ms" +
      (rest.sqlKnown && gql.sqlKnown ? "; SQL queries: REST " + rest.sql + ", GraphQL " + gql.sql : "") + ".";
  }

  async function run(op) {
    runButton.disabled = true;
    runButton.setAttribute("aria-busy", "true");
    compareText.textContent = "Running…";
    try {
      var restRequests = op.rest.map(function (call) {
        var extra = {};
        if (call.method !== "GET") {
          extra["X-CSRFToken"] = csrfToken();
          extra["Content-Type"] = "application/json";
        }
        return {
          method: call.method, url: call.url, headers: extra,
          body: call.body ? JSON.stringify(call.body) : undefined,
        };
      });
      var rest = await measure(restRequests);
      show("rest", rest);
      var gql = await measure([{
        method: "POST", url: "/graphql",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ query: op.graphql, variables: op.variables }),
      }]);
      show("gql", gql);
      compare(rest, gql);
    } catch (error) {
      compareText.textContent = "The request failed: " + error.message;
    } finally {
      runButton.disabled = !!op.unavailable;
      runButton.removeAttribute("aria-busy");
    }
  }

  select.addEventListener("change", function () { describe(byId[select.value]); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run(byId[select.value]);
  });
  var wanted = new URLSearchParams(window.location.search).get("op");
  if (wanted && byId[wanted]) select.value = wanted;
  describe(byId[select.value]);
})();
