// 工作台: small progressive enhancements; every form works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // The login page submits itself (one click less); without JS its button does it.
  var auto = document.querySelector("form[data-autosubmit]");
  if (auto) { auto.submit(); }
  // Ask once before what can't be undone.
  document.querySelectorAll("form[action$='/close'], form[action$='/done'], form[action$='/cancel'], form[action$='/merge']").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm("确定吗？这一步不能撤回。")) { event.preventDefault(); }
    });
  });
});
