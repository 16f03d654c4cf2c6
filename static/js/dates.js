/* One date and time format everywhere, in the learner's time zone (the server's twin is
   apps/core/dates.py): "7 Dec 2026", "7 Dec 2026, 10:10", "10:10".

   The zone is the one chosen in the profile (<html data-tz data-tz-chosen>), else the
   browser's own, which is remembered in the "tz" cookie so the server renders in it
   from the next page on. Server-rendered <time data-when> in another zone is redrawn. */
(function () {
  "use strict";

  var root = document.documentElement;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var browserZone = "";
  try { browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) { browserZone = ""; }
  var chosen = root.hasAttribute("data-tz-chosen");
  var serverZone = root.getAttribute("data-tz") || "UTC";
  var zone = chosen ? serverZone : (browserZone || serverZone);

  if (!chosen && browserZone) {
    var current = document.cookie.split("; ").filter(function (c) { return c.indexOf("tz=") === 0; })[0];
    if (current !== "tz=" + browserZone) {
      document.cookie = "tz=" + browserZone + "; path=/; max-age=31536000; SameSite=Lax" +
        (location.protocol === "https:" ? "; Secure" : "");
    }
  }

  var partsFormat = null;
  try {
    partsFormat = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, year: "numeric", month: "numeric", day: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    });
  } catch (error) {
    zone = "UTC";
    partsFormat = new Intl.DateTimeFormat("en-GB", {
      timeZone: "UTC", year: "numeric", month: "numeric", day: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    });
  }

  function toDate(value) {
    var when = value instanceof Date ? value : new Date(value);
    return isNaN(when.getTime()) ? null : when;
  }

  // kind: "datetime" (default), "date" or "time".
  function format(value, kind) {
    var when = toDate(value);
    if (!when) { return ""; }
    var p = {};
    partsFormat.formatToParts(when).forEach(function (part) { p[part.type] = part.value; });
    var hour = p.hour === "24" ? "00" : p.hour;
    var clock = hour + ":" + p.minute;
    var day = Number(p.day) + " " + MONTHS[Number(p.month) - 1] + " " + p.year;
    if (kind === "time") { return clock; }
    if (kind === "date") { return day; }
    return day + ", " + clock;
  }

  // A <time datetime="ISO" data-when="kind"> element, like the server's {% show_datetime %}.
  function element(value, kind) {
    var node = document.createElement("time");
    var when = toDate(value);
    kind = kind || "datetime";
    node.dataset.when = kind;
    if (when) {
      node.setAttribute("datetime", when.toISOString());
      node.textContent = format(when, kind);
    }
    return node;
  }

  function redraw(scope) {
    (scope || document).querySelectorAll("time[data-when][datetime]").forEach(function (node) {
      var text = format(node.getAttribute("datetime"), node.dataset.when);
      if (text && node.textContent !== text) { node.textContent = text; }
    });
  }

  window.BA = window.BA || {};
  window.BA.dates = { zone: zone, format: format, element: element, redraw: redraw };

  if (zone !== serverZone) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () { redraw(); });
    } else {
      redraw();
    }
  }
}());
