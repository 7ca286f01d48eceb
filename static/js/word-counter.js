/* Live word counters for the proposal sections (limits per competition, embedded by the view). */
(function () {
  "use strict";
  var dataEl = document.getElementById("sikipp-word-limits");
  if (!dataEl) { return; }
  var config = JSON.parse(dataEl.textContent);
  var label = dataEl.getAttribute("data-word-label") || "words";
  var overLabel = dataEl.getAttribute("data-over-label") || "over the limit";

  function countWords(text) {
    var trimmed = (text || "").trim();
    return trimmed ? trimmed.split(/\s+/).length : 0;
  }

  function currentLimits() {
    var select = document.getElementById("competition");
    if (select && select.value && config.by_competition[select.value]) {
      return config.by_competition[select.value];
    }
    return config.current || config["default"];
  }

  function update(area) {
    var limits = currentLimits();
    var limit = limits[area.name];
    var counter = area.parentNode.querySelector(".word-counter[data-for='" + area.name + "']");
    if (!counter) { return; }
    var n = countWords(area.value);
    counter.textContent = n + " / " + limit + " " + label + (n > limit ? " — " + overLabel : "");
    counter.className = "word-counter help-block" + (n > limit ? " text-danger" : " text-muted");
    counter.setAttribute("data-count", String(n));
    counter.setAttribute("data-over", n > limit ? "1" : "0");
  }

  var areas = [];
  Object.keys(config["default"]).forEach(function (name) {
    var area = document.querySelector("textarea[name='" + name + "']");
    if (!area) { return; }
    var counter = document.createElement("span");
    counter.setAttribute("data-for", name);
    counter.className = "word-counter help-block text-muted";
    area.parentNode.appendChild(counter);
    area.addEventListener("input", function () { update(area); });
    areas.push(area);
    update(area);
  });
  function refreshAll() { areas.forEach(update); }
  if (window.jQuery) { window.jQuery("#competition").on("change", refreshAll); }
  var select = document.getElementById("competition");
  if (select) { select.addEventListener("change", refreshAll); }
})();
