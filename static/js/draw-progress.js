// Draw progress: polls the draw's status.json and reloads the page once the draw has finished.
// No inline scripts (CSP: script-src 'self'); without JavaScript the page refreshes itself.
(function () {
  var box = document.querySelector("[data-draw-progress]");
  if (!box) { return; }
  var phase = box.getAttribute("data-phase");
  if (phase !== "queued" && phase !== "running") { return; }
  var url = box.getAttribute("data-draw-progress");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var delay = 1000;

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      if (xhr.status !== 200) { window.setTimeout(poll, 5000); return; }
      var data = JSON.parse(xhr.responseText);
      bar.max = data.steps;
      bar.value = data.step;
      text.textContent = data.label;
      if (data.finished) { window.location.reload(); return; }
      delay = Math.min(delay * 1.5, 5000);
      window.setTimeout(poll, delay);
    };
    xhr.onerror = function () { window.setTimeout(poll, 5000); };
    xhr.send();
  }

  window.setTimeout(poll, 500);
})();
