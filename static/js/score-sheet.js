// The score sheet's total as the juror types (the same rule as the server: Σ weight × value / max ÷ Σ weight × 100).
(function () {
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
    out.textContent = complete && weights ? (sum / weights * 100).toFixed(2).replace(".", ",") : "—";
  }
  inputs.forEach(function (el) { el.addEventListener("input", total); });
  total();
})();
