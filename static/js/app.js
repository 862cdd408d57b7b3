// Light behaviour only; every page works without it. No inline scripts (CSP: script-src 'self').
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
document.documentElement.classList.add("js");
