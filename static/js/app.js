// Site-wide behaviour. No inline scripts anywhere: the CSP forbids them.
(function () {
  "use strict";
  // Forms with data-confirm ask before submitting (used for destructive actions).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // A header checkbox with data-check-all="NAME" ticks or clears every checkbox named NAME
  // (bulk panel assignment: pick all schools the filter left in the list).
  document.addEventListener("change", function (event) {
    var box = event.target;
    var name = box.getAttribute && box.getAttribute("data-check-all");
    if (!name) { return; }
    var form = box.form || document;
    form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (item) {
      item.checked = box.checked;
    });
  });
})();
