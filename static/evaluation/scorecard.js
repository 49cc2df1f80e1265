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
  var queue = [];      // codes waiting to be sent
  var inflight = false; // one request at a time; changes made meanwhile go in the next batch

  // Integer hundredths: totals never go through binary floating point.
  function cents(text) {
    var m = /^\s*([0-9]{1,4})(?:\.([0-9]{1,2}))?\s*$/.exec(text || "");
    if (!m) { return null; }
    var frac = (m[2] || "").padEnd(2, "0");
    return parseInt(m[1], 10) * 100 + parseInt(frac, 10);
  }
  function fromCents(n) {
    return Math.floor(n / 100) + "." + String(n % 100).padStart(2, "0");
  }
  // Full-width digits and point typed with a Chinese IME count as their ASCII twins.
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
      var max = cents(row.getAttribute("data-points")), step = cents(row.getAttribute("data-step"));
      // Only values the server would accept count: above the points or off the step is not a score.
      if (value !== null && (value > max || (step && value % step !== 0))) { value = null; }
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

  function needsSave(code) {
    var input = field("points_", code), note = field("note_", code);
    if (input.value.trim() === "" && input.getAttribute("data-saved") === "" && note.value.trim() === "") {
      setState(code, "idle");
      return false;
    }
    return input.value !== input.getAttribute("data-saved") || note.value !== note.getAttribute("data-saved");
  }

  function save(code) {
    if (!editable) { return; }
    if (queue.indexOf(code) === -1) { queue.push(code); }
    flush();
  }

  // Send every queued element in one POST (the endpoint takes many); answers are per element.
  function flush() {
    if (inflight || !queue.length) { return; }
    var codes = queue.filter(needsSave);
    queue = [];
    if (!codes.length) { return; }
    inflight = true;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    var sent = {};
    codes.forEach(function (code) {
      var input = field("points_", code), note = field("note_", code);
      sent[code] = { points: input.value, note: note.value };
      body.append("points_" + code, input.value);
      body.append("note_" + code, note.value);
      body.append("version_" + code, field("version_", code).value);
      setState(code, "saving");
    });
    fetch(saveUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf }
    }).then(function (response) {
      // An expired session ends on the login page (HTML): say so, the typed values stay on screen.
      if (response.redirected && response.url.indexOf("/login/") !== -1) {
        return { status: 401, data: {}, message: LABELS.session_expired };
      }
      return response.json().then(function (data) {
        return { status: response.status, data: data };
      }, function () {
        return { status: response.status, data: {} };
      });
    }).then(function (result) {
      var data = result.data || {};
      codes.forEach(function (code) {
        var input = field("points_", code), note = field("note_", code);
        if (data.saved && data.saved[code]) {
          field("version_", code).value = data.saved[code].version;
          input.setAttribute("data-saved", sent[code].points);
          note.setAttribute("data-saved", sent[code].note);
          // Edited again while the request was out: that newer value still needs saving.
          if (input.value !== sent[code].points || note.value !== sent[code].note) { save(code); }
          else { setState(code, "saved"); }
        } else if (data.conflicts && data.conflicts[code]) {
          // Keep the user's value on screen; the next save knowingly replaces the current one.
          field("version_", code).value = data.conflicts[code].version;
          setState(code, "conflict", data.conflicts[code].message);
        } else if (data.errors && (data.errors[code] || data.errors._)) {
          setState(code, "error", data.errors[code] || data.errors._);
        } else {
          setState(code, "error", result.message || (LABELS.server_error + " (" + result.status + ")"));
        }
      });
    }).catch(function () {
      codes.forEach(function (code) { setState(code, "error", LABELS.network_error); });
    }).then(function () {
      inflight = false;
      flush();
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
  // Indicator headings stick just below the totals bar, whatever height it wraps to.
  var bar = document.getElementById("totals");
  function placeHeadings() {
    if (bar) { document.documentElement.style.setProperty("--b-head-top", bar.offsetHeight + "px"); }
  }
  window.addEventListener("resize", placeHeadings);
  placeHeadings();
  recompute();
})();
