/* fab-workflows: confirmation before a transition button submits (no inline script: CSP without 'unsafe-inline'). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.classList || !form.classList.contains("wf-fire-form")) { return; }
    var button = form.querySelector(".wf-trigger[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
  }, true);
}());
