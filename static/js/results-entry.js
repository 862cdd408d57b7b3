// Result entry: autosave the draft to the server while typing, and keep a copy in this browser
// until the server has it, so a dropped connection on site loses nothing. The form works without
// this script; a resend carries the same hidden client token and stores one result.
(function () {
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var key = "ssj:" + form.getAttribute("data-autosave-key");
  var status = form.querySelector("[data-autosave-status]");
  var timer = null, sending = false, dirty = false;
  var SKIP = ["csrfmiddlewaretoken", "client_token", "action"];

  function say(text, offline) {
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("res-offline", !!offline);
  }
  function fields() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || SKIP.indexOf(el.name) >= 0) { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        data[el.name] = data[el.name] || [];
        if (el.checked) { data[el.name].push(el.value); }
      } else { data[el.name] = el.value; }
    });
    return data;
  }
  function restore(data) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in data) || el.type === "file" || SKIP.indexOf(el.name) >= 0) { return; }
      if (el.type === "checkbox" || el.type === "radio") { el.checked = data[el.name].indexOf(el.value) >= 0; }
      else { el.value = data[el.name]; }
    });
  }
  function keep() {
    try { localStorage.setItem(key, JSON.stringify(fields())); } catch (e) { /* private mode */ }
  }
  function forget() {
    try { localStorage.removeItem(key); } catch (e) { /* private mode */ }
  }
  function send() {
    if (sending) { dirty = true; return; }
    var body = new FormData(form);
    body.delete("photos");
    body.set("action", "save");
    sending = true; dirty = false;
    say("正在保存草稿…");
    // form.action would be the button named "action": read the attribute.
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Autosave": "1", "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, json: json }; }, function () {
        return { ok: false, json: { error: "草稿未保存（服务器返回 " + response.status + "），内容已保存在本机。" } };
      });
    }).then(function (reply) {
      if (reply.ok) { forget(); say("草稿已自动保存 " + reply.json.saved_at); }
      else { say(reply.json.error || "草稿未保存", true); }
    }).catch(function () {
      say("网络中断：内容已保存在本机，恢复连接后会自动重新发送。", true);
    }).then(function () {
      sending = false;
      if (dirty) { schedule(); }
    });
  }
  function schedule() {
    keep();
    clearTimeout(timer);
    timer = setTimeout(send, 1500);
  }

  var saved = null;
  try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
  if (saved && JSON.stringify(saved) === JSON.stringify(fields())) {
    forget();  // the server already has exactly this
  } else if (saved) {
    restore(saved);
    say("已恢复本机上尚未发送的内容，正在发送…", true);
    send();
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", function (event) { if (event.target.type !== "file") { schedule(); } });
  form.addEventListener("submit", function () { clearTimeout(timer); keep(); });
  window.addEventListener("online", function () { if (localStorage.getItem(key)) { send(); } });
})();

// "发现问题" details matter only when "发现问题待后续处理" is chosen: hide them otherwise.
(function () {
  var pending = document.querySelector("input[name=categories][value=problem_pending]");
  var details = document.querySelector(".res-violations");
  if (!pending || !details) { return; }
  function sync() {
    var any = details.querySelector("input:checked");
    details.hidden = !pending.checked && !any;
  }
  pending.form.addEventListener("change", sync);
  sync();
})();
