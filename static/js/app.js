// Site-wide behaviour. No inline scripts anywhere: the CSP forbids them.
(function () {
  "use strict";
  // Forms (or the submit button pressed) with data-confirm ask before submitting (destructive actions).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var message = (button && button.getAttribute && button.getAttribute("data-confirm")) ||
      (form.getAttribute && form.getAttribute("data-confirm"));
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

  // A control reached with Tab or Shift+Tab must never sit under a sticky bar (the totals above
  // the consolidation and scoring tables, the rubric editor's Save bar below). The browser scrolls
  // a focused control only just into the viewport, which can be right under such a bar; this
  // moves it clear of whichever sticky or fixed element covers it, for every page at once.
  var CLEARANCE = 8;

  function coveringBar(el, x, y) {
    var hit = document.elementFromPoint(x, y);
    if (!hit || el.contains(hit) || hit.contains(el)) { return null; }
    for (var node = hit; node && node !== document.body; node = node.parentElement) {
      var position = window.getComputedStyle(node).position;
      if (position === "sticky" || position === "fixed") { return node; }
    }
    return null;
  }

  function uncover(el) {
    for (var tries = 0; tries < 4; tries++) {
      var r = el.getBoundingClientRect();
      if (!r.width && !r.height) { return; }
      var x = Math.min(Math.max(r.left + r.width / 2, 0), window.innerWidth - 1);
      var bar = null;
      [r.top + 2, r.top + r.height / 2, r.bottom - 2].some(function (y) {
        if (y < 0 || y >= window.innerHeight) { return false; }
        bar = coveringBar(el, x, y);
        return bar !== null;
      });
      if (!bar) { return; }
      var b = bar.getBoundingClientRect();
      var dy = (b.top + b.height / 2 < window.innerHeight / 2) ? r.top - b.bottom - CLEARANCE : r.bottom - b.top + CLEARANCE;
      window.scrollBy({ top: dy, behavior: "instant" });
    }
  }

  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (!(el instanceof Element)) { return; }
    uncover(el);
    // The browser may still scroll after focus events; check again once it has.
    window.requestAnimationFrame(function () { if (document.activeElement === el) { uncover(el); } });
  });
})();
