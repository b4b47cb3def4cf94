/* The volunteer's page: shifts assigned or cancelled and teammates' duty changes appear
   without a reload (server-sent events, then the page's own sections fetched again). */
(function () {
  "use strict";
  if (!window.EventSource || !window.DOMParser) return;
  var timer = null, wanted = {};

  function refresh() {
    timer = null;
    var ids = Object.keys(wanted);
    wanted = {};
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ids.forEach(function (id) {
          var fresh = doc.getElementById(id), old = document.getElementById(id);
          if (fresh && old) old.replaceWith(fresh);
        });
        document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
      })
      .catch(function () { /* the next event tries again */ });
  }

  function soon(id) {
    return function () {
      wanted[id] = true;
      if (!timer) timer = setTimeout(refresh, 300);
    };
  }

  var es = new EventSource("/api/v1/events");
  es.addEventListener("shift", soon("my-shifts"));
  es.addEventListener("duty", soon("team-card"));
})();
