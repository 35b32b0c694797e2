// Progressive enhancement for the console; every page works without it.
// 1. A message still sending: its counters move live (server-sent events from WatchMessage).
// 2. Build Report: choosing a mode or status unticks "All", and ticking "All" unticks the rest.
(function () {
  "use strict";

  function live(panel) {
    var url = panel.getAttribute("data-progress-url");
    if (!url || !window.EventSource) return;
    var note = panel.querySelector("[data-live-note]");
    if (note) { note.textContent = "Still sending: the figures below update live."; note.setAttribute("aria-live", "polite"); }
    var source = new EventSource(url);
    source.onmessage = function (event) {
      var p = JSON.parse(event.data);
      var status = document.querySelector('[data-field="status"]');
      if (status) status.textContent = p.status;
      var total = document.querySelector('[data-field="total_message_duration"]');
      if (total) total.textContent = p.total_message_duration;
      Object.keys(p.modes).forEach(function (mode) {
        var row = document.querySelector('tr[data-mode="' + mode + '"]');
        if (!row) return;
        var figures = p.modes[mode];
        Object.keys(figures).forEach(function (key) {
          var cell = row.querySelector('[data-field="' + key + '"]');
          if (cell) cell.textContent = typeof figures[key] === "number" ? figures[key].toLocaleString("en-US") : figures[key];
        });
      });
      if (!p.in_progress) {
        source.close();
        if (note) note.textContent = "Finished: " + p.status + ".";
        var cancel = panel.querySelector(".button-warning");
        if (cancel) cancel.remove();
      }
    };
    source.onerror = function () { source.close(); };
  }

  function allOrSome(form, name) {
    var boxes = form.querySelectorAll('input[type=checkbox][name="' + name + '"]');
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        if (!box.checked) return;
        boxes.forEach(function (other) {
          if (other !== box && (box.value === "all" || other.value === "all")) other.checked = false;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.querySelector("[data-progress-url]");
    if (panel) live(panel);
    document.querySelectorAll(".report-form").forEach(function (form) {
      allOrSome(form, "mode");
      allOrSome(form, "status");
    });
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  });
})();
