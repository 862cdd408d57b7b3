// The draw page: fetch each draw's evidence bundle and verify it here, in the browser, against
// the announcement recorded before the randomness (verify-draw.js does the work). No inline
// scripts (CSP: script-src 'self'); the page's data comes from <script type="application/json">.
(function () {
  "use strict";
  var OK = "已验证 / verified";
  var BAD = "不一致 / does not match";

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function show(box, state, title, lines) {
    box.setAttribute("data-state", state);
    box.className = "pub-verify pub-verify-" + state;
    var heading = box.querySelector("[data-verify-title]");
    var list = box.querySelector("[data-verify-lines]");
    heading.textContent = title;
    list.textContent = "";
    lines.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
  }

  function verify(section) {
    var box = section.querySelector("[data-verify-output]");
    var iteration = section.getAttribute("data-iteration");
    var recorded = data("announcement-" + iteration);
    var published = data("published-" + iteration);
    if (!window.SsjVerify || !window.crypto || !window.crypto.subtle) {
      show(box, "error", "无法在此浏览器中核验 / cannot verify here",
        ["浏览器核验需要 HTTPS 与 WebCrypto。可下载证据包，用独立核验工具核验。"]);
      return;
    }
    show(box, "running", "正在核验… / verifying…", []);
    fetch(section.getAttribute("data-bundle-url"), { credentials: "omit" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (bundle) {
        return window.SsjVerify.verifyBundle(bundle, recorded, {
          taskCode: section.getAttribute("data-task"),
          published: published,
          onProgress: function (done, total) {
            show(box, "running", "正在核验… / verifying… " + done + " / " + total, []);
          }
        });
      })
      .then(function (report) {
        if (report.ok) {
          var lines = ["已核对：" + report.checked.join("、")];
          report.limits.forEach(function (limit) { lines.push("说明：" + limit); });
          show(box, "ok", OK, lines);
        } else {
          show(box, "bad", BAD, report.mismatches.map(function (m) { return m.message_zh + "（" + m.code + "）：" + m.detail; }));
        }
      })
      .catch(function (error) {
        show(box, "bad", BAD, ["无法读取或核验证据包：" + (error && error.message ? error.message : error)]);
      });
  }

  document.querySelectorAll("[data-verify-draw]").forEach(verify);
})();
