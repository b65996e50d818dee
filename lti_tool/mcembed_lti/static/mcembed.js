// mcembed pages: live word counts, and telling the LMS frame how tall the page is.
(function () {
  "use strict";
  function words(text) {
    var m = text.match(/[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*/gu);
    return m ? m.length : 0;
  }
  document.querySelectorAll("textarea[data-min-words], textarea[data-max-words]").forEach(function (area) {
    var out = document.getElementById("count-" + area.id.replace(/^text-/, ""));
    if (!out) { return; }
    var min = area.dataset.minWords, max = area.dataset.maxWords;
    function update() {
      var n = words(area.value), parts = [n + " words"];
      if (min) { parts.push("at least " + min); }
      if (max) { parts.push("at most " + max); }
      out.textContent = parts.join("; ");
    }
    area.addEventListener("input", update);
  });
  if (document.body.dataset.url) {
    // the launch answered with this page: make a reload load it, not re-post the launch
    history.replaceState(null, "", document.body.dataset.url);
  }
  var auto = document.querySelector("form[data-autosubmit]");
  if (auto) { auto.submit(); }
  var registered = document.getElementById("lti-registered");
  if (registered) {
    (window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  }
  if (window.parent !== window) {
    var last = 0;
    var report = function () {
      var h = document.documentElement.scrollHeight;
      if (h !== last) {
        last = h;
        window.parent.postMessage(JSON.stringify({ subject: "lti.frameResize", height: h }), "*");
      }
    };
    window.addEventListener("load", report);
    new ResizeObserver(report).observe(document.body);
  }
})();
