/* The plan page: start the day's plan and routes, follow the job's progress, show figures. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("dash-config").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var form = document.getElementById("plan-form"), box = document.getElementById("job");
  var step = document.getElementById("job-step"), bar = document.getElementById("job-bar");
  var err = document.getElementById("job-error"), table = document.getElementById("job-result");
  var button = document.getElementById("plan-run");

  function show(job) {
    box.hidden = false;
    step.textContent = job.state === "done" ? cfg.labels.done : (job.step || "…");
    bar.max = Math.max(1, job.total); bar.value = job.state === "done" ? bar.max : job.done;
    if (job.state === "failed") { err.hidden = false; err.textContent = job.error; }
    if (job.state === "done") {
      table.hidden = false;
      table.innerHTML = cfg.figures.map(function (f) {
        return "<tr><th>" + f[1] + "</th><td>" + (job.result[f[0]] === undefined ? "–" : job.result[f[0]]) + "</td></tr>";
      }).join("");
      document.body.dataset.planDone = "1";
      if (window.baogongDashboard) window.baogongDashboard.refresh();
    }
  }

  function poll(id) {
    fetch("/api/v1/jobs/" + id, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (job) {
        show(job);
        if (job.state === "running") setTimeout(function () { poll(id); }, 400);
        else button.disabled = false;
      });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    button.disabled = true; err.hidden = true; table.hidden = true;
    fetch("/api/v1/plans", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ day: document.getElementById("plan-day").value })
    }).then(function (r) { return r.json().then(function (b) { return [r, b]; }); })
      .then(function (rb) {
        if (!rb[0].ok) { box.hidden = false; err.hidden = false; err.textContent = rb[1].error.message; button.disabled = false; return; }
        show(rb[1]); poll(rb[1].id);
      });
  });
})();
