/* One date and time format everywhere, in the learner's time zone (the server's twin is
   apps/core/dates.py): "7 Dec 2026", "7 Dec 2026, 10:10", "10:10".

   The zone is the one chosen in the profile (<html data-tz data-tz-chosen>), else the
   browser's own, which is remembered in the "tz" cookie (on the first page that shows a
   time) so the server renders in it from the next page on. Server-rendered
   <time data-when> in another zone is redrawn. */
(function () {
  "use strict";

  var root = document.documentElement;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var chosen = root.hasAttribute("data-tz-chosen");
  var serverZone = root.getAttribute("data-tz") || "UTC";
  var zone = serverZone;
  var partsFormat = null;

  // Intl is set up only when a time is drawn: its first use costs a long task on a slow
  // phone, which pages without times (most of them) should not pay.
  function setup() {
    if (partsFormat) { return; }
    var browserZone = "";
    try { browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) { browserZone = ""; }
    zone = chosen ? serverZone : (browserZone || serverZone);
    if (!chosen && browserZone) {
      var current = document.cookie.split("; ").filter(function (c) { return c.indexOf("tz=") === 0; })[0];
      if (current !== "tz=" + browserZone) {
        document.cookie = "tz=" + browserZone + "; path=/; max-age=31536000; SameSite=Lax" +
          (location.protocol === "https:" ? "; Secure" : "");
      }
    }
    var options = {
      timeZone: zone, year: "numeric", month: "numeric", day: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    };
    try {
      partsFormat = new Intl.DateTimeFormat("en-GB", options);
    } catch (error) {
      zone = options.timeZone = "UTC";
      partsFormat = new Intl.DateTimeFormat("en-GB", options);
    }
  }

  function toDate(value) {
    var when = value instanceof Date ? value : new Date(value);
    return isNaN(when.getTime()) ? null : when;
  }

  // kind: "datetime" (default), "date" or "time".
  function format(value, kind) {
    var when = toDate(value);
    if (!when) { return ""; }
    setup();
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
  window.BA.dates = {
    zone: function () { setup(); return zone; },
    format: format, element: element, redraw: redraw
  };

  // Times the server drew: once the page is parsed, redraw them if the browser's zone is
  // not the one the server used (the first page, before the cookie).
  function start() {
    if (!document.querySelector("time[data-when]")) { return; }
    setup();
    if (zone !== serverZone) { redraw(); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
