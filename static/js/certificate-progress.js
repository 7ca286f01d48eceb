// The documents screen (templates/documents/index.html): follow each signed decree's certificate job until done.
(function () {
  function poll(bar) {
    var id = bar.getAttribute("data-decree");
    fetch("/api/v1/decree/" + id + "/certificates", {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (p) {
        bar.max = p.total || 1; bar.value = p.total ? p.issued : 1;
        document.querySelector('.cert-count[data-decree="' + id + '"]').textContent = p.issued + "/" + p.total;
        if (!p.done && p.state === "signed") { setTimeout(function () { poll(bar); }, 2000); }
      });
  }
  document.querySelectorAll("progress.cert-progress").forEach(function (bar) {
    if (Number(bar.value) < Number(bar.max)) { poll(bar); }
  });
})();
