// Scoring workspace: autosave each element, keep every unacknowledged change in the browser,
// show the totals the server computed, keyboard helpers.
// Loaded as a static file (no inline script: the CSP forbids it). Without JavaScript the
// page is a plain form that posts every element to the same save URL.
// The same script drives a school's self-assessment page (学校自评): the page says where to save
// (data-save-url), under which key the browser keeps unsaved values (data-storage-key) and, in
// the JSON labels, what its texts are; the save endpoint answers in the same shape.
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
  var queue = [];       // codes waiting to be sent
  var inflight = false; // one request at a time; changes made meanwhile go in the next batch
  var states = {};      // code -> idle | dirty | saving | saved | offline | error | conflict
  var retryTimer = null;
  var bar = document.getElementById("totals");

  // ------------------------------------------------------------ the browser's copy of unsaved work
  // One localStorage entry per scorecard and element: {points, note, base}. `base` is the
  // version the value was typed on, so a replay after someone else's change is a conflict,
  // never a silent overwrite. An entry lives until the server acknowledges that very value.
  var PREFIX = form.getAttribute("data-storage-key") || ("nqs.pending." + form.getAttribute("data-card") + ".");
  var pending = {};  // the same entries in memory: the page keeps working if storage is refused
  function storeGet(code) { return pending[code] || null; }
  function storePut(code, entry) {
    pending[code] = entry;
    try { window.localStorage.setItem(PREFIX + code, JSON.stringify(entry)); } catch (e) { /* quota or disabled */ }
  }
  function storeDrop(code) {
    delete pending[code];
    try { window.localStorage.removeItem(PREFIX + code); } catch (e) { /* disabled */ }
  }
  function storedCodes() { return Object.keys(pending); }
  function loadStored() {
    try {
      for (var i = 0; i < window.localStorage.length; i++) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf(PREFIX) === 0) {
          pending[key.slice(PREFIX.length)] = JSON.parse(window.localStorage.getItem(key));
        }
      }
    } catch (e) { /* disabled or unreadable: nothing to restore */ }
  }

  // ------------------------------------------------------------ values
  // Integer hundredths, so "1", "1.0" and "1.00" compare equal without binary floating point.
  function cents(text) {
    var m = /^\s*([0-9]{1,4})(?:\.([0-9]{1,2}))?\s*$/.exec(text || "");
    if (!m) { return null; }
    var frac = (m[2] || "").padEnd(2, "0");
    return parseInt(m[1], 10) * 100 + parseInt(frac, 10);
  }
  // Full-width digits and point typed with a Chinese IME count as their ASCII twins.
  function toHalfWidth(text) {
    return text.replace(/[\uFF10-\uFF19\uFF0E]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    });
  }
  function samePoints(a, b) {
    var x = cents(toHalfWidth(a || "")), y = cents(toHalfWidth(b || ""));
    if (x !== null && y !== null) { return x === y; }
    return (a || "").trim() === (b || "").trim();
  }

  function rows() { return form.querySelectorAll(".element-row"); }
  function rowOf(code) { return document.getElementById("el-" + code); }
  function field(prefix, code) { return document.getElementById(prefix + code); }
  function current(code) {
    return { points: field("points_", code).value, note: field("note_", code).value };
  }
  // Differs from what the server holds (typing a value back to the saved one is no change).
  function changed(code) {
    var input = field("points_", code), note = field("note_", code);
    return !samePoints(input.value, input.getAttribute("data-saved")) || note.value !== note.getAttribute("data-saved");
  }

  // ------------------------------------------------------------ what the page shows
  function setState(code, state, message) {
    states[code] = state;
    var el = field("state_", code);
    if (el) { el.textContent = LABELS[state]; el.setAttribute("data-state", state); }
    var err = field("err_", code);
    if (err) { err.textContent = message || ""; }
    var row = rowOf(code);
    if (row) {
      row.classList.toggle("is-error", state === "error");
      row.classList.toggle("is-conflict", state === "conflict");
      row.classList.toggle("is-pending", state === "dirty" || state === "saving" || state === "offline");
    }
    var input = field("points_", code);
    if (input) { input.setAttribute("aria-invalid", state === "error" || state === "conflict" ? "true" : "false"); }
  }
  function settledState(code) {
    var nothing = field("points_", code).getAttribute("data-saved") === "" && field("note_", code).getAttribute("data-saved") === "";
    return nothing ? "idle" : "saved";
  }

  function markUnscored(code) {
    var row = rowOf(code);
    var empty = field("points_", code).value.trim() === "";
    row.classList.toggle("unscored", empty);
    var badge = row.querySelector(".unscored-badge");
    if (badge) { badge.hidden = !empty; }
  }

  // Totals are the server's (one rule for every total): the browser never sums scores.
  function showTotals(totals) {
    if (!totals || !("total" in totals)) { return; }
    document.querySelectorAll("[data-total]").forEach(function (el) {
      var key = el.getAttribute("data-total");
      if (key === "scored") { el.textContent = String(totals.scored); }
      else { el.textContent = key in totals ? totals[key] : "0.00"; }
    });
  }

  var pendingCount = document.getElementById("pending-count");
  var pendingBox = document.getElementById("pending");
  function showPending() {
    var n = storedCodes().filter(function (code) { return rowOf(code); }).length;
    if (pendingCount) { pendingCount.textContent = String(n); }
    if (pendingBox) { pendingBox.hidden = n === 0; }
    return n;
  }

  // Polite: one announcement per save, not per keystroke. Assertive: a refusal and its reason.
  var status = document.getElementById("global-state");
  var alertBox = document.getElementById("save-alert");
  function announce(text) { if (status) { status.textContent = text; } }
  function alertUser(text) {
    if (!alertBox) { return; }
    if (alertBox.textContent !== text) { alertBox.textContent = text; return; }
    // The same message again: clear first, so screen readers announce the repeat too.
    alertBox.textContent = "";
    window.setTimeout(function () { alertBox.textContent = text; }, 50);
  }
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }

  // ------------------------------------------------------------ remembering and sending
  function remember(code) {
    if (changed(code)) {
      var value = current(code);
      value.base = field("version_", code).value;
      storePut(code, value);
      return true;
    }
    storeDrop(code);
    return false;
  }

  function save(code) {
    if (!editable) { return; }
    if (queue.indexOf(code) === -1) { queue.push(code); }
    flush();
  }

  // Send every queued element in one POST (the endpoint takes many); answers are per element.
  function flush() {
    if (inflight || !queue.length) { return; }
    var codes = queue.filter(function (code) { return storeGet(code) !== null && changed(code); });
    queue = [];
    if (!codes.length) { showPending(); return; }
    inflight = true;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    var sent = {};
    codes.forEach(function (code) {
      sent[code] = current(code);
      body.append("points_" + code, sent[code].points);
      body.append("note_" + code, sent[code].note);
      body.append("version_" + code, field("version_", code).value);
      setState(code, "saving");
    });
    // Announced once per save: its outcome; "saving" only when the answer is slow to come.
    var slow = window.setTimeout(function () { announce(fill(LABELS.saving_n, { n: codes.length })); }, 2000);
    fetch(saveUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf }
    }).then(function (response) {
      // An expired session ends on the login page (HTML): say so, the typed values stay stored.
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
      var refused = [], done = 0, kept = 0;
      codes.forEach(function (code) {
        var input = field("points_", code), note = field("note_", code);
        if (data.saved && data.saved[code]) {
          var row = data.saved[code];
          field("version_", code).value = row.version;
          input.setAttribute("data-saved", sent[code].points);
          note.setAttribute("data-saved", sent[code].note);
          done += 1;
          // Edited again while the request was out: that newer value, now based on ours, still needs saving.
          if (remember(code)) { setState(code, "dirty"); save(code); }
          else { setState(code, settledState(code)); }
        } else if (data.conflicts && data.conflicts[code]) {
          // Keep the user's value on screen and in storage; the next save knowingly replaces the current one.
          var theirs = data.conflicts[code];
          field("version_", code).value = theirs.version;
          var message = theirs.message + " " + fill(LABELS.your_value, { value: sent[code].points || LABELS.empty });
          setState(code, "conflict", message);
          refused.push(code + "：" + message);
        } else if (data.errors && (data.errors[code] || data.errors._)) {
          // The server has judged this value: it will never be accepted as it is, so it is not
          // kept for replay; the reason stays at the field until the user corrects it.
          var reason = data.errors[code] || data.errors._;
          storeDrop(code);
          setState(code, "error", reason);
          refused.push(code + "：" + reason);
        } else {
          kept += 1;
          setState(code, "offline", result.message || (LABELS.server_error + " (" + result.status + ")"));
        }
      });
      showTotals(data.totals);
      if (refused.length) { alertUser(refused.join("；")); }
      if (kept) { announce(fill(LABELS.offline_n, { n: showPending() })); scheduleRetry(); }
      else if (done) { retryStep = 0; announce(fill(LABELS.saved_n, { n: done })); }
      else { announce(""); }  // refused only: the alert says why
    }).catch(function () {
      codes.forEach(function (code) { setState(code, "offline", LABELS.network_error); });
      announce(fill(LABELS.offline_n, { n: showPending() }));
      scheduleRetry();
    }).then(function () {
      window.clearTimeout(slow);
      inflight = false;
      showPending();
      flush();
    });
  }

  // Everything stored and not waiting for the user's decision (conflicts and refusals do).
  function retryAll() {
    if (!editable) { return; }
    storedCodes().forEach(function (code) {
      if (rowOf(code) && states[code] !== "conflict" && states[code] !== "error") { save(code); }
    });
  }
  // 5 s, 15 s, then every 30 s while saves keep failing; a success starts again from 5 s.
  var retryDelays = [5000, 15000, 30000], retryStep = 0;
  function scheduleRetry() {
    if (retryTimer) { return; }
    var delay = retryDelays[Math.min(retryStep, retryDelays.length - 1)];
    retryStep += 1;
    retryTimer = window.setTimeout(function () { retryTimer = null; retryAll(); }, delay);
  }

  function schedule(code, delay) {
    clearTimeout(timers[code]);
    timers[code] = setTimeout(function () { save(code); }, delay);
  }

  function codeOf(target) {
    var row = target.closest && target.closest(".element-row");
    if (!row || !target.matches(".score-input, .note-input")) { return null; }
    return row.getAttribute("data-code");
  }

  form.addEventListener("input", function (event) {
    var code = codeOf(event.target);
    if (!code || !editable) { return; }
    markUnscored(code);
    if (remember(code)) {
      if (states[code] !== "dirty") { setState(code, "dirty"); }
      schedule(code, 1200);
    } else {
      // Typed back to the saved value: nothing to save, nothing to warn about.
      clearTimeout(timers[code]);
      setState(code, settledState(code));
    }
    showPending();
  });
  form.addEventListener("change", function (event) {
    var code = codeOf(event.target);
    if (code && editable && remember(code)) { schedule(code, 0); }
  });
  // Enter in a score field saves that element and moves on, instead of posting the whole page.
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches(".score-input")) { return; }
    event.preventDefault();
    var code = codeOf(event.target);
    if (code && editable && remember(code)) { schedule(code, 0); }
    var inputs = Array.prototype.slice.call(form.querySelectorAll(".score-input"));
    var next = inputs[inputs.indexOf(event.target) + 1];
    if (next) { next.focus(); next.select(); }
  });
  // With JavaScript on, "保存全部" saves every changed element through the same endpoint.
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    rows().forEach(function (row) {
      var code = row.getAttribute("data-code");
      if (remember(code)) { save(code); }
    });
  });
  window.addEventListener("beforeunload", function (event) {
    if (showPending() > 0) { event.preventDefault(); event.returnValue = ""; }
  });
  window.addEventListener("online", retryAll);
  var retryButton = document.getElementById("retry-pending");
  if (retryButton) { retryButton.addEventListener("click", retryAll); }

  // ------------------------------------------------------------ finding one's way through 84 elements
  for (var i = 0, js = document.querySelectorAll("[data-needs-js]"); i < js.length; i++) { js[i].hidden = false; }
  var lastRow = null;
  form.addEventListener("focusin", function (event) {
    lastRow = event.target.closest(".element-row") || lastRow;
  });
  // The next unscored element after the one last worked on, wrapping round to the top.
  var nextButton = document.getElementById("next-unscored");
  if (nextButton) {
    nextButton.addEventListener("click", function () {
      var all = Array.prototype.slice.call(rows());
      var from = all.indexOf(lastRow);
      for (var step = 1; step <= all.length; step++) {
        var row = all[(from + step) % all.length];
        if (row.classList.contains("unscored") && !row.hidden) {
          var input = row.querySelector(".score-input");
          input.focus();
          return;
        }
      }
      announce(LABELS.all_scored);
    });
  }
  function needsAttention(code) {
    return storeGet(code) !== null || states[code] === "error" || states[code] === "conflict";
  }
  // Applied when chosen, not on every keystroke: a row must not vanish while it is being scored.
  var filter = document.getElementById("row-filter");
  if (filter) {
    filter.addEventListener("change", function () {
      rows().forEach(function (row) {
        var code = row.getAttribute("data-code");
        var show = filter.value === "unscored" ? row.classList.contains("unscored")
          : filter.value === "flagged" ? needsAttention(code) : true;
        row.hidden = !show;
      });
    });
  }

  // Links to an element (the submit refusal, messages) put the cursor in its score field.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="#el-"]');
    var input = link && field("points_", link.getAttribute("href").slice(4));
    if (!input) { return; }
    event.preventDefault();
    rowOf(input.closest(".element-row").getAttribute("data-code")).hidden = false;
    input.focus();
  });

  // Completeness is checked before the confirmation dialog: a refusal lists the missing
  // elements as links, and no dialog asks about a submission that cannot succeed.
  var submitForm = document.getElementById("submit-form");
  var refusal = document.getElementById("submit-refusal");
  if (submitForm && refusal) {
    submitForm.addEventListener("submit", function (event) {
      var missing = [];
      rows().forEach(function (row) {
        var code = row.getAttribute("data-code");
        if (field("points_", code).getAttribute("data-saved") === "" || storeGet(code) !== null) { missing.push(code); }
      });
      if (!missing.length) { refusal.hidden = true; return; }
      event.preventDefault();
      event.stopPropagation();  // app.js's confirm() runs on the document: it is never reached
      refusal.textContent = fill(LABELS.incomplete, { n: missing.length });
      missing.forEach(function (code, index) {
        var link = document.createElement("a");
        link.href = "#el-" + code;
        link.className = "alert-link";
        link.textContent = code;
        refusal.appendChild(document.createTextNode(index ? "、" : " "));
        refusal.appendChild(link);
      });
      refusal.hidden = false;
      refusal.focus();
    });
  }

  // ------------------------------------------------------------ focus never under a sticky bar
  // Chromium scrolls a focused control into view only when it is outside the viewport, so one
  // that lands behind the totals bar or a stuck indicator heading (Shift+Tab, anchor jumps)
  // stays hidden; scroll-padding does not change that. Move the page down by the overlap.
  var stickies = [bar].concat(Array.prototype.slice.call(document.querySelectorAll(".b-head")));
  // The lowest bottom edge of the sticky bars stuck to the top of the window now, or lying over
  // the given box (an indicator heading pushed up by the end of its section is not at its top).
  function coverBottom(r) {
    var bottom = 0;
    stickies.forEach(function (s) {
      if (!s) { return; }
      var sr = s.getBoundingClientRect();
      if (!sr.height) { return; }
      var stuck = Math.abs(sr.top - (parseFloat(window.getComputedStyle(s).top) || 0)) < 1;
      if (stuck || (sr.bottom > r.top && sr.top < r.bottom)) { bottom = Math.max(bottom, sr.bottom); }
    });
    return bottom;
  }
  function keepClear(el) {
    if (!el || !el.getBoundingClientRect || stickies.some(function (s) { return s && s.contains(el); })) { return; }
    // Above the bars (under them, or above the window altogether): move the page down; a
    // scroll can change which indicator heading is stuck, hence a few passes.
    for (var pass = 0; pass < 3; pass++) {
      var r = el.getBoundingClientRect(), limit = coverBottom(r);
      if (r.top >= limit || window.scrollY <= 0) { break; }
      window.scrollBy({ top: r.top - limit - 8, behavior: "instant" });
    }
    var rect = el.getBoundingClientRect();
    if (rect.bottom > window.innerHeight) { window.scrollBy({ top: rect.bottom - window.innerHeight + 8, behavior: "instant" }); }
  }
  document.addEventListener("focusin", function (event) {
    keepClear(event.target);
    // Chromium may scroll the newly focused control after this event: check again once it has.
    window.requestAnimationFrame(function () { keepClear(event.target); });
  });
  // After a jump to #el-C12 (an upload's result, a link) the row itself clears the bars too.
  function clearHashTarget() {
    var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    if (target && target.classList.contains("element-row")) {
      var flash = target.querySelector(".alert");
      keepClear(flash || target);
    }
  }
  window.addEventListener("hashchange", clearHashTarget);

  // ------------------------------------------------------------ opening the page again
  // Values typed before a reload, a crash or a lost connection come back into their fields
  // with the version they were based on, and are sent again.
  function restore() {
    loadStored();
    storedCodes().forEach(function (code) {
      var entry = storeGet(code);
      if (!entry || !rowOf(code)) { return; }
      var input = field("points_", code), note = field("note_", code);
      var savedPoints = input.getAttribute("data-saved"), savedNote = note.getAttribute("data-saved");
      if (samePoints(entry.points, savedPoints) && (entry.note || "") === savedNote) {
        storeDrop(code);  // the server already has it (the answer was lost on the way back)
        return;
      }
      if (!editable) { delete pending[code]; return; }  // kept in storage, in case the card is reopened
      input.value = entry.points || "";
      note.value = entry.note || "";
      field("version_", code).value = entry.base || "0";
      markUnscored(code);
      setState(code, "dirty");
    });
    showPending();
    retryAll();
  }

  // Indicator headings stick just below the totals bar, whatever height it wraps to; the
  // document's scroll padding keeps a focused control clear of both sticky bars.
  function placeHeadings() {
    if (!bar) { return; }
    var root = document.documentElement;
    root.style.setProperty("--b-head-top", bar.offsetHeight + "px");
    var head = document.querySelector(".b-head");
    root.style.setProperty("--sticky-stack", (bar.offsetHeight + (head ? head.offsetHeight : 0)) + "px");
  }
  window.addEventListener("resize", placeHeadings);
  // The bar wraps to another height when its messages change: the headings follow.
  if (bar && window.ResizeObserver) { new window.ResizeObserver(placeHeadings).observe(bar); }
  placeHeadings();
  restore();
  window.requestAnimationFrame(clearHashTarget);
})();
