// Behaviour shared by SIKIPP's pages, without inline handlers (the CSP allows no inline script):
// - [data-confirm] buttons and links ask before they act;
// - select[data-autosubmit] sends its form when changed.
document.addEventListener("click", function (event) {
  var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) { el.form.submit(); }
});
