/* SIKIPP's page behaviour, loaded on every page of the app's layout (templates/sikipp/base.html). The
   Content-Security-Policy allows no inline script or event-handler attribute: templates mark elements with
   data-* attributes and this file acts on them. */
(function () {
  "use strict";

  /* <button data-confirm="Question?">: ask before submitting. */
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  /* <select data-autosubmit>: submit its form when the choice changes. */
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.submit(); }
  });

  /* Score sheet (#score-sheet .score-input): the running total, as the server computes it. */
  function sheetTotal() {
    var inputs = document.querySelectorAll("#score-sheet .score-input");
    var out = document.getElementById("sheet-total");
    if (!inputs.length || !out) { return; }
    function total() {
      var sum = 0, weights = 0, complete = true;
      inputs.forEach(function (el) {
        var w = parseFloat(el.dataset.weight), m = parseFloat(el.dataset.max), v = parseFloat(el.value);
        weights += w;
        if (isNaN(v)) { complete = false; } else { sum += w * v / m; }
      });
      out.textContent = complete && weights ? (sum / weights * 100).toFixed(2).replace(".", ",") : "\u2014";
    }
    inputs.forEach(function (el) { el.addEventListener("input", total); });
    total();
  }

  /* Documents screen (progress.cert-progress[data-decree]): follow certificate issuing until done. */
  function certificateProgress() {
    function poll(bar) {
      var id = bar.getAttribute("data-decree");
      fetch("/api/v1/decree/" + id + "/certificates", {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (p) {
          bar.max = p.total || 1; bar.value = p.total ? p.issued : 1;
          var count = document.querySelector('.cert-count[data-decree="' + id + '"]');
          if (count) { count.textContent = p.issued + "/" + p.total; }
          if (!p.done && p.state === "signed") { setTimeout(function () { poll(bar); }, 2000); }
        });
    }
    document.querySelectorAll("progress.cert-progress").forEach(function (bar) {
      if (Number(bar.value) < Number(bar.max)) { poll(bar); }
    });
  }

  /* <select class="sikipp-ajax-select" data-endpoint="/api/v1/unit/" data-text-column="name">: a search filter
     on a large related table (app/views/ajax_select.py). Select2 (Flask-AppBuilder's) asks the JSON API's list
     endpoint for 20 rows at a time whose text contains what the user typed; the API applies the user's row
     rules. Fields are added to the search form by Flask-AppBuilder's script after load: watched here. */
  function risonString(text) {
    return "'" + String(text).replace(/!/g, "!!").replace(/'/g, "!'") + "'";
  }
  function ajaxSelect(el) {
    if (el.dataset.sikippReady || !window.jQuery || !window.jQuery.fn.select2) { return; }
    el.dataset.sikippReady = "1";
    var column = el.dataset.textColumn || "name", size = 20;
    window.jQuery(el).select2({
      theme: "bootstrap", allowClear: true, width: "100%", placeholder: el.dataset.placeholder || "",
      ajax: {
        url: el.dataset.endpoint, dataType: "json", delay: 250,
        data: function (params) {
          var page = (params.page || 1) - 1;
          var term = (params.term || "").trim();
          var q = "(columns:!(" + column + "),order_column:" + column + ",order_direction:asc,page:" + page +
            ",page_size:" + size + (term ? ",filters:!((col:" + column + ",opr:ct,value:" + risonString(term) + "))" : "") + ")";
          return {q: q};
        },
        processResults: function (data, params) {
          var page = params.page || 1;
          return {
            results: (data.result || []).map(function (row, i) { return {id: data.ids[i], text: row[column]}; }),
            pagination: {more: page * size < (data.count || 0)}
          };
        }
      }
    });
  }
  function ajaxSelects() {
    document.querySelectorAll("select.sikipp-ajax-select").forEach(ajaxSelect);
    if (window.MutationObserver) {
      new MutationObserver(function () {
        document.querySelectorAll("select.sikipp-ajax-select").forEach(ajaxSelect);
      }).observe(document.body, {childList: true, subtree: true});
    }
  }

  /* Innovator team editor (tbody[data-team-rows]): add a blank row ([data-team-add]) or remove one
     ([data-team-remove]; the last row is emptied rather than removed, so one row always stays). */
  document.addEventListener("click", function (event) {
    var add = event.target.closest ? event.target.closest("[data-team-add]") : null;
    var remove = event.target.closest ? event.target.closest("[data-team-remove]") : null;
    if (add) {
      var body = add.form && add.form.querySelector("[data-team-rows]");
      var rows = body ? body.querySelectorAll(".team-row") : [];
      if (!rows.length) { return; }
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      body.appendChild(copy);
      var first = copy.querySelector("input");
      if (first) { first.focus(); }
    } else if (remove) {
      var row = remove.closest(".team-row");
      if (!row) { return; }
      if (row.parentNode.querySelectorAll(".team-row").length > 1) {
        row.parentNode.removeChild(row);
      } else {
        row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      }
    }
  });

  function ready(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }
  ready(sheetTotal);
  ready(certificateProgress);
  ready(ajaxSelects);
})();
