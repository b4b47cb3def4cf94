/* The command dashboard: map (our own GeoJSON, no tile server unless configured), KPI tiles,
   charts and alerts from /api/v1/dashboard, refreshed live over server-sent events. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("dash-config").textContent);
  var STATUS = { sealed: "#c62828", controlled: "#ef6c00", precaution: "#f9a825", normal: "#78909c" };
  var map = null, layers = {}, charts = {}, busy = false, again = false, fitted = false;

  function fillColour(f) {
    if (f === null || f === undefined) return "#cfd8dc";
    var r = Math.round(220 * (1 - f)), g = Math.round(170 * f + 40);
    return "rgb(" + r + "," + g + ",60)";
  }
  function fmt(n) {
    if (n === null || n === undefined) return "–";
    return Number(n).toLocaleString(cfg.locale);
  }
  var compactFmt = new Intl.NumberFormat(cfg.locale, { notation: "compact" });
  function compact(n) { return compactFmt.format(n); }  // axis labels: 10万, 100K
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function initMap() {
    var el = document.getElementById("map");
    if (!el || !window.L) return;
    map = L.map(el, { preferCanvas: true, attributionControl: false, zoomSnap: 0.25 });
    map.setView([23.25, 113.3], 11);
    if (cfg.tile_url) L.tileLayer(cfg.tile_url, { maxZoom: 18 }).addTo(map);
    fetch(cfg.geojson, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (geo) {
        var g = L.geoJSON(geo, {
          style: function (f) {
            return f.properties.level === "district"
              ? { color: "#37474f", weight: 2, fillColor: "#eceff1", fillOpacity: 0.6 }
              : { color: "#90a4ae", weight: 1, fillOpacity: 0, dashArray: "3" };
          },
          onEachFeature: function (f, layer) { layer.bindTooltip(esc(f.properties.name), { sticky: true }); }
        }).addTo(map);
        g.bringToBack();
        if (!fitted) map.fitBounds(g.getBounds(), { padding: [8, 8] });
      });
  }

  function drawLayers(d) {
    if (!map) return;
    Object.keys(layers).forEach(function (k) { map.removeLayer(layers[k]); });
    var routes = L.layerGroup(), comps = L.layerGroup(), sites = L.layerGroup(), hand = L.layerGroup();
    d.routes.forEach(function (r, i) {
      L.polyline(r.points, { color: "hsl(" + (i * 47 % 360) + ",65%,40%)", weight: 1.5, opacity: 0.45 })
        .bindTooltip(esc(r.vehicle)).addTo(routes);
    });
    d.compounds.forEach(function (c) {
      L.circleMarker([c[2], c[3]], {
        radius: c[4] === "normal" ? 3 : 5, color: STATUS[c[4]], weight: c[4] === "normal" ? 1 : 2,
        fillColor: c[4] === "normal" ? STATUS.normal : fillColour(c[5]), fillOpacity: 0.85
      }).bindTooltip(esc(c[1]) + " · " + esc(cfg.labels[c[4]]) +
        (c[5] === null ? "" : " · " + Math.round(c[5] * 100) + "%") + " · " + fmt(c[6]) + " " + esc(cfg.labels.households))
        .addTo(comps);
    });
    d.sites.forEach(function (s) {
      L.circleMarker([s[2], s[3]], { radius: 4, color: "#1565c0", weight: 2, fillColor: "#1565c0", fillOpacity: 1 })
        .bindTooltip(esc(s[1])).addTo(sites);
    });
    d.handoffs.forEach(function (h) {
      L.circleMarker([h[2], h[3]], { radius: 2, color: "#6a1b9a", weight: 1, fillOpacity: 1 })
        .bindTooltip(esc(h[1])).addTo(hand);
    });
    layers = { routes: routes, compounds: comps, handoffs: hand, sites: sites };
    routes.addTo(map); hand.addTo(map); comps.addTo(map); sites.addTo(map);
    if (!fitted && d.compounds.length) {
      var pts = d.compounds.map(function (c) { return [c[2], c[3]]; })
        .concat(d.sites.map(function (s) { return [s[2], s[3]]; }));
      map.fitBounds(L.latLngBounds(pts).pad(0.05));
      fitted = true;
    }
  }

  function drawKpis(d) {
    var k = d.kpis;
    var values = {
      sealed_households: fmt(k.sealed_households),
      packs_planned: fmt(k.packs_planned) + " / " + fmt(k.packs_demanded),
      packs_delivered: fmt(k.packs_delivered),
      fill_rate: k.fill_rate === null ? "–" : (k.fill_rate * 100).toFixed(1) + "%",
      vehicles_out: fmt(k.vehicles_out),
      volunteers_on_duty: fmt(k.volunteers_on_duty),
      open_alerts: fmt(k.open_alerts)
    };
    document.querySelectorAll("[data-kpi]").forEach(function (el) {
      el.querySelector(".v").textContent = values[el.dataset.kpi];
      el.classList.toggle("bad", el.dataset.kpi === "open_alerts" && k.open_alerts > 0);
    });
    var line = document.getElementById("plan-line");
    if (line) line.textContent = d.plan ? cfg.labels.plan.replace("{id}", d.plan.id).replace("{day}", d.plan.day)
      .replace("{by}", d.plan.by) : cfg.labels.noplan;
  }

  function drawAlerts(d) {
    var ul = document.getElementById("alerts");
    if (!ul) return;
    ul.innerHTML = d.alerts.length ? d.alerts.map(function (a) {
      return '<li class="' + esc(a.severity) + '">' + esc(a.message) + "</li>";
    }).join("") : '<li class="muted">' + esc(cfg.labels.noalerts) + "</li>";
  }

  function drawCharts(d) {
    if (!window.echarts) return;
    var el = document.getElementById("chart-cover");
    if (el) {
      charts.cover = charts.cover || echarts.init(el, null, { renderer: "canvas" });
      var cov = d.charts.cover;
      charts.cover.setOption({
        animation: false, grid: { left: 70, right: 10, top: 24, bottom: 20 },
        legend: { data: [cfg.labels.need, cfg.labels.stock], top: 0 }, tooltip: { trigger: "axis" },
        yAxis: { type: "category", data: cov.map(function (c) { return c.product; }) },
        xAxis: { type: "value", splitNumber: 4, axisLabel: { formatter: compact } },
        series: [{ name: cfg.labels.need, type: "bar", data: cov.map(function (c) { return c.need; }), itemStyle: { color: "#c62828" } },
                 { name: cfg.labels.stock, type: "bar", data: cov.map(function (c) { return c.stock; }), itemStyle: { color: "#2e7d32" } }]
      }, true);
    }
    var el2 = document.getElementById("chart-tiers");
    if (el2) {
      charts.tiers = charts.tiers || echarts.init(el2, null, { renderer: "canvas" });
      var t = d.charts.tiers || {};
      charts.tiers.setOption({
        animation: false, tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "70%"], data: Object.keys(t).map(function (k) {
          return { name: cfg.labels.tiers[k] || k, value: t[k] };
        }) }]
      }, true);
    }
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(cfg.data_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) {
        drawKpis(d); drawLayers(d); drawAlerts(d); drawCharts(d);
        document.body.dataset.ready = "1";
        document.body.dataset.version = String(Number(document.body.dataset.version || 0) + 1);
      })
      .catch(function (e) { console.error(e); })
      .finally(function () { busy = false; if (again) { again = false; refresh(); } });
  }

  var timer = null;
  function soon() { clearTimeout(timer); timer = setTimeout(refresh, 300); }

  function live() {
    if (!window.EventSource) return;
    var es = new EventSource(cfg.events_url);
    var dot = document.getElementById("live");
    es.onopen = function () { if (dot) dot.className = "live on"; };
    es.onerror = function () { if (dot) dot.className = "live off"; };
    ["stock", "plan", "stop", "zone", "duty", "order", "data"].forEach(function (k) { es.addEventListener(k, soon); });
    window.baogongEvents = es;
  }

  window.baogongDashboard = { refresh: refresh };
  initMap();
  refresh();
  live();
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
})();
