// The standalone verifier's page logic (inlined into the downloaded HTML file, next to
// verify-draw.js). Reads the chosen files and shows the report.
(function () {
  "use strict";
  function readJson(input) {
    var file = input.files && input.files[0];
    if (!file) { return Promise.resolve(null); }
    return file.text().then(function (text) { return JSON.parse(text); });
  }
  function announcementOf(value) {
    if (!value) { return null; }
    if (value.payload && value.payload.announcement) { return value.payload.announcement; }
    if (value.announcement) { return value.announcement; }
    return value;
  }
  function show(state, title, lines) {
    var box = document.getElementById("result");
    box.setAttribute("data-state", state);
    document.getElementById("result-title").textContent = title;
    var list = document.getElementById("result-lines");
    list.textContent = "";
    lines.forEach(function (line) {
      var li = document.createElement("li");
      li.textContent = line;
      list.appendChild(li);
    });
  }
  document.getElementById("run").addEventListener("click", function () {
    if (!window.crypto || !window.crypto.subtle) {
      show("bad", "无法核验 / cannot verify", ["此浏览器不支持 WebCrypto。请用较新的浏览器从本机打开本文件。"]);
      return;
    }
    show("running", "正在核验… / verifying…", []);
    Promise.all([readJson(document.getElementById("bundle")), readJson(document.getElementById("announcement"))])
      .then(function (inputs) {
        if (!inputs[0]) { throw new Error("请先选择证据包文件 / choose a bundle file first"); }
        return window.SsjVerify.verifyBundle(inputs[0], announcementOf(inputs[1]), {
          onProgress: function (done, total) { show("running", "正在核验… / verifying… " + done + " / " + total, []); }
        });
      })
      .then(function (report) {
        if (report.ok) {
          var lines = ["已核对 / checked: " + report.checked.join(", ")];
          report.limits.forEach(function (limit) { lines.push("说明 / limit: " + limit); });
          show("ok", "已验证 / verified", lines);
        } else {
          show("bad", "不一致 / does not match", report.mismatches.map(function (m) { return m.message_zh + " (" + m.code + "): " + m.detail; }));
        }
      })
      .catch(function (error) { show("bad", "不一致 / does not match", [String(error && error.message ? error.message : error)]); });
  });
})();
