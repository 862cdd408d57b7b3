// Import progress: polls the job's progress.json and reloads the page when the job has moved on.
// No inline scripts (CSP: script-src 'self'); without JavaScript the page refreshes itself.
(function () {
  var box = document.querySelector("[data-import-progress]");
  if (!box) { return; }
  var url = box.getAttribute("data-import-progress");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var status = document.querySelector("[data-status]");

  function show(data) {
    if (data.total) {
      bar.max = data.total;
      bar.value = Math.min(data.done, data.total);
    }
    text.textContent = data.text;
    if (status) { status.textContent = data.label; }
  }

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      if (xhr.status !== 200) { window.setTimeout(poll, 5000); return; }
      var data = JSON.parse(xhr.responseText);
      show(data);
      if (data.running) { window.setTimeout(poll, 1000); } else { window.location.reload(); }
    };
    xhr.onerror = function () { window.setTimeout(poll, 5000); };
    xhr.send();
  }

  window.setTimeout(poll, 1000);
})();
