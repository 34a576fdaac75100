// Baton's one script. Pages work without it; with it, a live page (a dashboard at "now")
// refreshes its content when an event is committed, over the server-sent event stream, and an
// evaluation form shows only the chosen level's fields.
"use strict";
// An evaluation form shows the fields of the Kirkpatrick level chosen (all of them, before a
// level is chosen; the server reads only the chosen level's anyway).
(function () {
  var level = document.getElementById("f-result-level");
  if (!level) {
    return;
  }
  function show() {
    document.querySelectorAll("fieldset.level").forEach(function (f) {
      f.hidden = level.value !== "" && f.dataset.level !== level.value;
    });
  }
  level.addEventListener("change", show);
  show();
})();
(function () {
  var main = document.getElementById("main");
  if (!main || !main.dataset.live || typeof EventSource === "undefined") {
    return;
  }
  var url = main.dataset.live;
  var after = main.dataset.after || "0";
  var names = (main.dataset.events || "").split(" ").filter(Boolean);
  var status = document.getElementById("live-state");
  var pending = null;
  var busy = false;
  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }
  function refresh() {
    pending = null;
    if (busy) {
      pending = setTimeout(refresh, 300);
      return;
    }
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { "X-Baton-Fragment": "main" } })
      .then(function (r) {
        if (!r.ok) {
          throw new Error("HTTP " + r.status);
        }
        return r.text();
      })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        var fresh = doc.getElementById("main");
        if (fresh) {
          main.innerHTML = fresh.innerHTML;
          main.dataset.after = fresh.dataset.after || main.dataset.after;
          status = document.getElementById("live-state");
          say("Live: updated at " + new Date().toLocaleTimeString());
        }
      })
      .catch(function (e) {
        say("Live: could not refresh (" + e.message + "); reload the page");
      })
      .then(function () {
        busy = false;
      });
  }
  var source = new EventSource("/api/events/stream?after=" + encodeURIComponent(after));
  function onEvent() {
    if (!pending) {
      pending = setTimeout(refresh, 250);
    }
  }
  names.forEach(function (name) {
    source.addEventListener(name, onEvent);
  });
  source.onopen = function () {
    say("Live: following new events");
  };
  source.onerror = function () {
    say("Live: reconnecting…");
  };
  window.addEventListener("pagehide", function () {
    source.close();
  });
})();
