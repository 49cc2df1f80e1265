// Rubric draft editor: recompute B, A and the total live as points are typed, and flag
// problems at the item. Arithmetic is done in integer hundredths (cents), never in binary
// floating point, so 0.1 + 0.2 shows as 0.3 exactly as the server will compute it.
(function () {
  "use strict";
  var form = document.getElementById("rubric-editor");
  var textsNode = document.getElementById("rubric-live-messages");
  if (!form || !textsNode) { return; }
  var T = JSON.parse(textsNode.textContent);

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }
  // "12.5" → 1250; anything that is not a non-negative number with ≤ 2 decimals → null.
  function toCents(text) {
    var m = /^\s*(\d+)(?:\.(\d{1,2}))?\s*$/.exec(text || "");
    if (!m) { return null; }
    return parseInt(m[1], 10) * 100 + parseInt(((m[2] || "") + "00").slice(0, 2), 10);
  }
  function show(cents) {
    var whole = Math.floor(cents / 100), frac = cents % 100;
    if (!frac) { return String(whole); }
    var f = (frac < 10 ? "0" : "") + frac;
    return whole + "." + f.replace(/0$/, "");
  }

  function recompute() {
    var sums = {}, problems = 0, anyInvalid = false;
    var inputs = form.querySelectorAll("input[data-points]");
    inputs.forEach(function (input) {
      var code = input.dataset.code;
      var stepInput = form.querySelector('input[data-step][data-code="' + code + '"]');
      var msg = form.querySelector('[data-live-msg="' + code + '"]');
      var points = toCents(input.value), step = toCents(stepInput ? stepInput.value : "0.5");
      var message = "";
      if (points === null) {
        message = fmt(T.invalid, {code: code, v: input.value});
        anyInvalid = true;
      } else if (points <= 0) {
        message = fmt(T.positive, {code: code});
      } else if (step === null || step <= 0) {
        message = fmt(T.invalid, {code: code, v: stepInput ? stepInput.value : ""});
      } else if (points % step !== 0) {
        message = fmt(T.step, {code: code, step: show(step), points: show(points)});
      }
      input.classList.toggle("is-invalid", !!message);
      input.closest("tr").classList.toggle("live-problem", !!message);
      if (msg) { msg.textContent = message; }
      if (message) { problems += 1; }
      var value = points === null ? 0 : points;
      [input.dataset.indicator, input.dataset.dimension, "total"].forEach(function (key) {
        sums[key] = (sums[key] || 0) + value;
      });
    });
    form.querySelectorAll("[data-sum]").forEach(function (node) {
      var key = node.dataset.sum, value = sums[key] || 0;
      node.textContent = show(value);
      var was = form.querySelector('[data-was="' + key + '"]');
      var original = toCents(node.dataset.original);
      if (was) { was.textContent = original !== value ? fmt(T.was, {v: node.dataset.original}) : ""; }
    });
    var declaredInput = form.querySelector("[data-declared-total]");
    var declared = toCents(declaredInput ? declaredInput.value : "");
    var totalRow = document.getElementById("item-total");
    var status = form.querySelector("[data-total-status]");
    var declaredNode = form.querySelector("[data-declared]");
    if (declaredNode) { declaredNode.textContent = declared === null ? "?" : show(declared); }
    var ok = declared !== null && declared === (sums.total || 0) && !anyInvalid;
    totalRow.classList.toggle("table-danger", !ok);
    totalRow.classList.toggle("table-success", ok);
    status.textContent = fmt(ok ? T.total_eq : T.total_ne,
      {sum: show(sums.total || 0), total: declared === null ? "?" : show(declared)});
    if (!ok) { problems += 1; }
    var summary = form.querySelector("[data-live-summary]");
    summary.textContent = problems ? fmt(T.summary_bad, {n: problems}) : T.summary_ok;
    summary.classList.toggle("text-danger", !!problems);
    summary.classList.toggle("text-success", !problems);
  }

  form.addEventListener("input", function (event) {
    var t = event.target;
    if (t.matches("input[data-points], input[data-step], [data-declared-total]")) { recompute(); }
  });
  recompute();
})();
