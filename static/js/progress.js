/*
 * A payment run's remittance advice, built in the background: while it is still being built, ask
 * the server every few seconds how far it has got and say so in the page's status line (a
 * role="status" region, so screen readers hear the change without losing their place). When
 * nothing more is to happen, fetch the page again and put in the fresh table of download links.
 * Without JavaScript the page says to refresh it. Polling stops after 15 minutes.
 */
(function () {
  "use strict";

  var INTERVAL_MS = 2000;
  var GIVE_UP_AFTER_MS = 15 * 60 * 1000;

  function start() {
    var section = document.getElementById("remittances");
    if (!section || !section.hasAttribute("data-progress-pending") || !window.fetch) {
      return;
    }
    var url = section.getAttribute("data-progress-url");
    var status = document.getElementById("remittance-progress");
    var started = Date.now();

    function refreshSection() {
      return fetch(window.location.href, { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("remittances");
          if (fresh) {
            // Keep the status line (and what assistive technology has already read of it).
            var freshStatus = fresh.querySelector("#remittance-progress");
            if (freshStatus) {
              freshStatus.replaceWith(status);
            }
            section.replaceChildren.apply(section, Array.prototype.slice.call(fresh.childNodes));
            section.removeAttribute("data-progress-pending");
          }
        });
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("progress " + response.status);
          }
          return response.json();
        })
        .then(function (progress) {
          if (status.textContent !== progress.summary) {
            status.textContent = progress.summary;
          }
          if (progress.complete) {
            return refreshSection();
          }
          if (Date.now() - started < GIVE_UP_AFTER_MS) {
            window.setTimeout(poll, INTERVAL_MS);
          }
        })
        .catch(function () {
          if (Date.now() - started < GIVE_UP_AFTER_MS) {
            window.setTimeout(poll, INTERVAL_MS * 5);
          }
        });
    }

    window.setTimeout(poll, INTERVAL_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
