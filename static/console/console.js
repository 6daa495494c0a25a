/* Failed Tasks Console: progressive enhancement only. Every feature works
   without this file; it adds auto-submitting selects, the user's time zone,
   and the counter's heartbeat. No eval, no inline handlers (strict CSP). */
(function () {
  "use strict";

  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  // Times render in the browser's zone: tell the server which one it is.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* no Intl: the server's zone is shown, labelled */ }

  function onReady(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  onReady(function () {
    var body = document.body;

    // The Project and Language selects act as soon as a choice is made.
    body.addEventListener("change", function (event) {
      var select = event.target.closest("select[data-autosubmit]");
      if (select && select.form) select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
    });

    // Links that look and act as buttons also answer the Space key.
    body.addEventListener("keydown", function (event) {
      var link = event.target.closest && event.target.closest('a[role="button"]');
      if (link && (event.key === " " || event.key === "Spacebar")) {
        event.preventDefault();
        link.click();
      }
    });

    // The counter's heartbeat: a tick every few seconds while the tab is visible,
    // none while it is hidden, and one at once when it becomes visible again.
    var seconds = parseInt(body.getAttribute("data-poll-seconds"), 10) || 5;
    function tick() {
      if (document.visibilityState === "visible" && window.htmx) {
        window.htmx.trigger(body, "counterTick");
      }
    }
    window.setInterval(tick, seconds * 1000);
    document.addEventListener("visibilitychange", tick);
  });
})();
