/*
 * Care Home LES: page start-up. Loaded from a static file (no inline script, for a strict
 * Content-Security-Policy) as the first element of <body>, without defer, so that:
 *
 * 1. the classes NHS.UK frontend v10 expects are on <body> before anything is painted:
 *    `js-enabled`, and `nhsuk-frontend-supported` when the browser supports ES modules
 *    (this is the inline snippet of nhsuk-frontend's template.njk, moved here);
 * 2. once the document is parsed, the nhsuk-frontend ES module bundle (its URL comes from
 *    this script's data-nhsuk-frontend attribute, written by {% static %}) is imported and
 *    initAll() runs: header menu, error summary (focused on load), notification banners,
 *    checkboxes, radios, buttons, skip link, scrolling tables.
 *
 * Without JavaScript, or if the module fails to load, every page still works.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var body = document.body;
  var supported = "noModule" in HTMLScriptElement.prototype;

  body.className += " js-enabled" + (supported ? " nhsuk-frontend-supported" : "");

  // Where nhsuk-frontend could not start, still move focus to the error summary so that
  // screen reader users hear the problems first (nhsuk-frontend's ErrorSummary does this itself).
  function focusErrorSummary() {
    var summary = document.querySelector(".nhsuk-error-summary");
    if (summary) {
      if (!summary.hasAttribute("tabindex")) {
        summary.setAttribute("tabindex", "-1");
      }
      summary.focus();
    }
  }

  // Fetch the module while the page is still being parsed; start it once the page is parsed.
  var moduleUrl = script && script.getAttribute("data-nhsuk-frontend");
  var nhsukFrontend = supported && moduleUrl ? import(moduleUrl) : null;

  function start() {
    if (!nhsukFrontend) {
      focusErrorSummary();
      return;
    }
    nhsukFrontend.then(
      function (nhsuk) {
        nhsuk.initAll();
      },
      function (error) {
        focusErrorSummary();
        if (window.console) {
          window.console.error("nhsuk-frontend did not load", error);
        }
      }
    );
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
