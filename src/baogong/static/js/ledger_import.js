/* The ledger upload page: refuse an oversized file before sending it, show upload progress,
   then "importing…" while the server checks every row (htmx posts the form). */
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  var file = document.getElementById("import-file");
  var step = document.getElementById("import-step");
  var bar = document.getElementById("import-progress");
  var tooBig = document.getElementById("import-too-big");
  if (!form) return;

  form.addEventListener("htmx:beforeRequest", function (evt) {
    var f = file.files && file.files[0];
    var limit = parseInt(file.dataset.maxBytes, 10);
    tooBig.hidden = !(f && limit && f.size > limit);
    if (!tooBig.hidden) { evt.preventDefault(); return; }
    step.textContent = step.dataset.uploading;
    bar.value = 0;
    document.body.dataset.importing = "1";
  });
  form.addEventListener("htmx:xhr:progress", function (evt) {
    if (!evt.detail.lengthComputable || !evt.detail.total) return;
    bar.value = Math.round(100 * evt.detail.loaded / evt.detail.total);
    if (evt.detail.loaded >= evt.detail.total) {
      step.textContent = step.dataset.checking;
      bar.removeAttribute("value");  // indeterminate while the server imports
    }
  });
  form.addEventListener("htmx:afterRequest", function () {
    delete document.body.dataset.importing;
  });
}());
