// Scoring workspace: autosave each element, recompute running totals, keyboard helpers.
// Loaded as a static file (no inline script: the CSP forbids it). Without JavaScript the
// page is a plain form that posts every element to the same save URL.
(function () {
  "use strict";
  var form = document.getElementById("scoreform");
  if (!form) { return; }
  var editable = form.getAttribute("data-editable") === "1";
  var saveUrl = form.getAttribute("data-save-url");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  // Labels come from the template (translated there), passed with json_script.
  var LABELS = JSON.parse(document.getElementById("score-labels").textContent);
  var timers = {};
  var inflight = {};
  var again = {};

  // Integer hundredths: totals never go through binary floating point.
  function cents(text) {
    var m = /^\s*([0-9]{1,4})(?:\.([0-9]{1,2}))?\s*$/.exec(text || "");
    if (!m) { return null; }
    var frac = (m[2] || "").padEnd(2, "0");
    return parseInt(m[1], 10) * 100 + parseInt(frac, 10);
  }
  function fromCents(n) {
    var s = String(n % 100).padStart(2, "0");
    return Math.floor(n / 100) + "." + s;
  }
  function toHalfWidth(text) {
    return text.replace(/[\uFF10-\uFF19\uFF0E]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    });
  }

  function rows() { return form.querySelectorAll(".element-row"); }
  function rowOf(code) { return document.getElementById("el-" + code); }
  function field(prefix, code) { return document.getElementById(prefix + code); }

  function setState(code, state, message) {
    var el = field("state_", code);
    if (el) { el.textContent = LABELS[state]; el.setAttribute("data-state", state); }
    var err = field("err_", code);
    if (err) { err.textContent = message || ""; }
    var row = rowOf(code);
    if (row) {
      row.classList.toggle("is-error", state === "error");
      row.classList.toggle("is-conflict", state === "conflict");
    }
    var input = field("points_", code);
    if (input) { input.setAttribute("aria-invalid", state === "error" || state === "conflict" ? "true" : "false"); }
  }

  function recompute() {
    var sums = {}, total = 0, scored = 0;
    rows().forEach(function (row) {
      var code = row.getAttribute("data-code");
      var value = cents(toHalfWidth(field("points_", code).value));
      var a = row.getAttribute("data-a"), b = row.getAttribute("data-b");
      sums[a] = sums[a] || 0; sums[b] = sums[b] || 0;
      var empty = field("points_", code).value.trim() === "";
      row.classList.toggle("unscored", empty);
      var badge = row.querySelector(".unscored-badge");
      if (badge) { badge.hidden = !empty; }
      if (value !== null) { sums[a] += value; sums[b] += value; total += value; scored += 1; }
    });
    sums.total = total;
    document.querySelectorAll("[data-total]").forEach(function (el) {
      var key = el.getAttribute("data-total");
      if (key === "scored") { el.textContent = String(scored); }
      else if (key in sums) { el.textContent = fromCents(sums[key]); }
    });
  }

  function save(code) {
    if (!editable) { return; }
    var input = field("points_", code), note = field("note_", code), version = field("version_", code);
    if (input.value.trim() === "" && input.getAttribute("data-saved") === "" && note.value.trim() === "") {
      setState(code, "idle");
      return;
    }
    if (input.value === input.getAttribute("data-saved") && note.value === note.getAttribute("data-saved")) {
      return;
    }
    if (inflight[code]) { again[code] = true; return; }
    inflight[code] = true;
    setState(code, "saving");
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    body.append("points_" + code, input.value);
    body.append("note_" + code, note.value);
    body.append("version_" + code, version.value);
    fetch(saveUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      var data = result.data;
      if (data.saved && data.saved[code]) {
        var s = data.saved[code];
        version.value = s.version;
        input.setAttribute("data-saved", input.value);
        note.setAttribute("data-saved", note.value);
        setState(code, "saved");
      } else if (data.conflicts && data.conflicts[code]) {
        var c = data.conflicts[code];
        // Keep the user's value on screen; the next save knowingly replaces the current one.
        version.value = c.version;
        setState(code, "conflict", c.message);
      } else if (data.errors && (data.errors[code] || data.errors._)) {
        setState(code, "error", data.errors[code] || data.errors._);
      } else {
        setState(code, "error", LABELS.server_error + " (" + result.status + ")");
      }
    }).catch(function () {
      setState(code, "error", LABELS.network_error);
    }).then(function () {
      inflight[code] = false;
      if (again[code]) { again[code] = false; save(code); }
    });
  }

  function schedule(code, delay) {
    clearTimeout(timers[code]);
    timers[code] = setTimeout(function () { save(code); }, delay);
  }

  form.addEventListener("input", function (event) {
    var row = event.target.closest(".element-row");
    if (!row || !event.target.matches(".score-input, .note-input")) { return; }
    var code = row.getAttribute("data-code");
    setState(code, "dirty");
    recompute();
    schedule(code, 1200);
  });
  form.addEventListener("change", function (event) {
    var row = event.target.closest(".element-row");
    if (!row || !event.target.matches(".score-input, .note-input")) { return; }
    schedule(row.getAttribute("data-code"), 0);
  });
  // Enter in a score field saves that element and moves on, instead of posting the whole page.
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches(".score-input")) { return; }
    event.preventDefault();
    var row = event.target.closest(".element-row");
    schedule(row.getAttribute("data-code"), 0);
    var inputs = Array.prototype.slice.call(form.querySelectorAll(".score-input"));
    var next = inputs[inputs.indexOf(event.target) + 1];
    if (next) { next.focus(); next.select(); }
  });
  // With JavaScript on, "保存全部" saves every changed element through the same endpoint.
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    rows().forEach(function (row) { save(row.getAttribute("data-code")); });
  });
  window.addEventListener("beforeunload", function (event) {
    var pending = form.querySelector(".save-state[data-state=dirty], .save-state[data-state=saving]");
    if (pending) { event.preventDefault(); event.returnValue = ""; }
  });
  recompute();
})();
