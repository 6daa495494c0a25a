/* Failed Tasks Console: progressive enhancement only. Every feature works
   without this file; it adds auto-submitting selects, the user's time zone,
   and the counter's shared poll. No eval, no inline handlers (strict CSP). */
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

    // --- Dialogs -------------------------------------------------------
    // Fragments arrive as <dialog data-modal>: open them modally, which traps
    // focus and makes Escape close them. On close they leave the page and
    // focus goes back where it came from.
    var openers = [];

    function focusInside(dialog) {
      var preferred = dialog.querySelector("[autofocus]") ||
        dialog.querySelector("[aria-selected='true']") ||
        dialog.querySelector("input, button:not([disabled]), a[href], [tabindex='0']");
      if (preferred) preferred.focus();
    }

    function openModals(scope) {
      scope.querySelectorAll("dialog[data-modal]:not([open])").forEach(function (dialog) {
        openers.push({ dialog: dialog, opener: document.activeElement });
        dialog.showModal();
        focusInside(dialog);
        dialog.addEventListener("close", function () {
          var entry = openers.filter(function (e) { return e.dialog === dialog; })[0];
          openers = openers.filter(function (e) { return e.dialog !== dialog; });
          dialog.remove();
          var target = entry && entry.opener;
          if (!target || !target.isConnected) {
            var selector = dialog.getAttribute("data-return-focus");
            target = (selector && document.querySelector(selector)) ||
              topDialogFlash() || document.getElementById("main");
          }
          if (target) target.focus();
        });
      });
    }

    function topDialogFlash() {
      var open = document.querySelectorAll("dialog[open]");
      for (var i = open.length - 1; i >= 0; i--) {
        var flash = open[i].querySelector(".flash");
        if (flash) return flash;
      }
      return null;
    }

    body.addEventListener("htmx:afterSettle", function (event) {
      openModals(document);
      // After a change the list region is new: announce and focus its message.
      var flash = event.detail.elt && event.detail.elt.querySelector && event.detail.elt.querySelector(".flash");
      if (flash && flash.textContent.trim() && !document.activeElement.closest("dialog[open] .task-list")) {
        flash.focus();
      }
    });

    // A confirmation closes once its request has been answered.
    body.addEventListener("htmx:afterRequest", function (event) {
      var dialog = event.detail.elt.closest && event.detail.elt.closest("dialog[role='alertdialog']");
      if (dialog && dialog.open && event.detail.requestConfig.verb === "post") dialog.close();
    });

    // Errors (403, 404, 400...) show as a message where the person is looking.
    body.addEventListener("htmx:beforeSwap", function (event) {
      if (!event.detail.isError) return;
      var flash = topDialogFlash() || document.getElementById("page-flash");
      if (!flash) return;
      event.detail.shouldSwap = true;
      event.detail.target = flash;
      event.detail.swapOverride = "innerHTML";
    });

    // --- Failure cause popovers ---------------------------------------
    body.addEventListener("click", function (event) {
      var toggle = event.target.closest(".cause-toggle");
      if (!toggle) return;
      var panel = document.getElementById(toggle.getAttribute("aria-controls"));
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
      if (panel) panel.hidden = open;
    });

    // --- Tabs: arrow keys move between them ---------------------------
    body.addEventListener("keydown", function (event) {
      var tab = event.target.closest && event.target.closest("[role='tab']");
      if (!tab || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) return;
      var tabs = Array.prototype.slice.call(tab.parentElement.querySelectorAll("[role='tab']"));
      var next = tabs[(tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      event.preventDefault();
      next.focus();
      next.click();
    });

    // --- New failures: the open list's poll ------------------------------
    // An open list asks whether failures arrived for it (hx-trigger "every Ns"),
    // but not while the page is hidden; it asks at once when the page shows
    // again (the trigger also listens for visibilitychange).
    body.addEventListener("htmx:beforeRequest", function (event) {
      var elt = event.detail.elt;
      if (elt.hasAttribute && elt.hasAttribute("data-poll-while-visible") &&
          document.visibilityState !== "visible") {
        event.preventDefault();
      }
    });

    // "Show" reloads the list in place: keep focus in the list it showed.
    body.addEventListener("htmx:afterSettle", function (event) {
      var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
      if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-show-new-failures")) return;
      var flash = document.querySelector("#task-list .flash");
      if (flash) flash.focus();
    });

    // --- Resource links -------------------------------------------------
    // A link from the dialog to a row of the page beneath it: close the dialog
    // and go to the row (its :target style highlights it) instead of loading
    // the same page again. Links to other pages load as usual.
    body.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[data-resource-link]");
      if (!link || event.defaultPrevented || event.button !== 0 ||
          event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      var dialog = link.closest("dialog[open]");
      var url = new URL(link.href, document.baseURI);
      var row = document.getElementById(decodeURIComponent(url.hash.slice(1)));
      if (!dialog || !row || url.pathname !== window.location.pathname) return;
      event.preventDefault();
      // After the dialog's own close handling, which returns focus to its opener.
      dialog.addEventListener("close", function () { row.focus(); }, { once: true });
      dialog.close();
      if (window.location.hash !== url.hash) window.location.hash = url.hash;
    });

    openModals(document);

    // --- The Failed Tasks counter ----------------------------------------
    // One poller for all the tabs of this browser: a tab polls only if no tab
    // has for most of an interval (localStorage keeps the time), sends the
    // ETag it has (an unchanged count answers 304, empty), and shares a new
    // count with the other tabs through a BroadcastChannel. Hidden tabs do not
    // poll, yet still receive; a tab polls at once when it becomes visible, and
    // after any change it made itself (failedTasksChanged).
    var seconds = parseInt(body.getAttribute("data-poll-seconds"), 10) || 5;
    var slot = document.getElementById("failed-task-counter");
    if (slot && window.fetch) {
      var url = slot.getAttribute("data-counter-url");
      var etag = slot.getAttribute("data-etag") || "";
      var lastPollKey = "failedTaskCounterPolled:" + url;
      var channel = "BroadcastChannel" in window ? new BroadcastChannel("failed-task-counter") : null;

      var show = function (html, newEtag) {
        if (!html || newEtag === etag) return;
        etag = newEtag;
        var current = document.getElementById("failed-task-counter");
        var hadFocus = current.contains(document.activeElement);
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        current.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
        if (hadFocus) (fresh.querySelector("a") || document.getElementById("main")).focus();
      };

      var someTabPolledRecently = function () {
        try {
          var now = Date.now();
          if (now - (parseInt(localStorage.getItem(lastPollKey), 10) || 0) < seconds * 800) return true;
          localStorage.setItem(lastPollKey, String(now));
        } catch (e) { /* no storage: every tab polls for itself */ }
        return false;
      };

      var poll = function (now) {
        if (!now && (document.visibilityState !== "visible" || someTabPolledRecently())) return;
        fetch(url, { headers: { "If-None-Match": etag }, credentials: "same-origin", cache: "no-store" })
          .then(function (response) {
            if (response.status !== 200) return;  // 304: unchanged; errors: try next time
            var newEtag = response.headers.get("ETag") || "";
            return response.text().then(function (html) {
              show(html, newEtag);
              if (channel) channel.postMessage({ url: url, etag: newEtag, html: html });
            });
          })
          .catch(function () { /* offline for a moment: the next tick tries again */ });
      };

      if (channel) {
        channel.onmessage = function (event) {
          if (event.data && event.data.url === url) show(event.data.html, event.data.etag);
        };
      }
      window.setInterval(function () { poll(false); }, seconds * 1000);
      document.addEventListener("visibilitychange", function () { poll(false); });
      body.addEventListener("failedTasksChanged", function () { poll(true); });
    }
  });
})();
