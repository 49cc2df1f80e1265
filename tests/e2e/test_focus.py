"""Keyboard focus on the main pages: every stop reached with Tab or Shift+Tab has a visible focus
indicator of at least 3:1 against what surrounds it (inside the top bar too), lies in the viewport,
and is not covered by a sticky bar (the element at its centre is the control itself).

The scoring workspace has its own, fuller keyboard test (issue 18 §7); this one covers the other
pages with controls of every kind: top-bar links and the collapsed menu button, filters, selects,
checkboxes, table links, the consolidation table under its sticky totals, the rubric editor above its
sticky Save bar.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.e2e.test_axe import _more_world, _session_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_STOPS = 400

BOTH = (1280, 768)

# (role, name, url, widths) — the role is an attribute of `world`, or "anon". At 768 px the top
# bar is collapsed: the walk opens it first, so its links are checked there too.
FOCUS_PAGES = [
    ("anon", "login", lambda w: reverse("accounts:login"), BOTH),
    ("official", "ranking", lambda w: reverse("reports:ranking"), BOTH),
    ("security_admin", "user-list", lambda w: reverse("accounts:user_list"), BOTH),
    ("admin", "school-form", lambda w: reverse("schools:school_edit", args=[w.school.pk]), BOTH),
    ("admin", "panel-assign", lambda w: reverse("evaluation:panel_assign", args=[w.round.pk]), BOTH),
    # ~300 stops above a sticky Save bar; the same table at both widths, so one width keeps the run short.
    ("admin", "rubric-editor", lambda w: reverse("rubric:version_detail", args=[w.draft.pk]), (1280,)),
    ("lead", "consolidation", lambda w: reverse("evaluation:evaluation_detail", args=[w.evaluation.pk]), BOTH),
    # The school's 自评 workspace: the scoring page's sticky totals and indicator headings, with upload
    # controls per evidence requirement between the score fields.
    ("school_user", "self-workspace", lambda w: reverse("selfassessment:workspace", args=[w.sa_round.pk]), BOTH),
    # A select and a reason per row (拟认定名单), date filters (审计日志), a school's report form with files (整改).
    ("admin", "recognition-draft", lambda w: reverse("recognition:list_detail", args=[w.draft_round.pk]), BOTH),
    ("auditor", "audit-log", lambda w: reverse("audit:event_list"), BOTH),
    ("other_school_user", "rectification-item",
     lambda w: reverse("rectification:item_detail", args=[w.rect_pending.pk]), BOTH),
]

# Runs in the page on document.activeElement; returns null when focus is on the page itself.
CHECK = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c || "");
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, base) => [0, 1, 2].map((k) => top[k] * top[3] + base[k] * (1 - top[3]));
  const behind = (node) => {
    const layers = [];
    for (let n = node; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((base, c) => over(c, base), [255, 255, 255]);
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const cs = getComputedStyle(el);
  const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.getAttribute("name") ? "[name=" + el.getAttribute("name") + "]" : "") +
    " “" + (el.getAttribute("aria-label") || el.innerText || el.value || "").trim().slice(0, 30) + "”";
  const problems = [];
  const width = parseFloat(cs.outlineWidth) || 0;
  const colour = parse(cs.outlineColor);
  if (cs.outlineStyle === "none" || width < 2 || !colour) {
    problems.push("no focus outline (" + cs.outlineStyle + " " + cs.outlineWidth + ", box-shadow " + cs.boxShadow + ")");
  } else {
    const around = behind(el.parentElement);
    const r = ratio(over(colour, around), around);
    if (r < 3) problems.push("focus outline " + cs.outlineColor + " has " + r.toFixed(2) + ":1 against rgb(" + around.map(Math.round) + ")");
  }
  const box = el.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) {
    problems.push("outside the viewport (centre at " + Math.round(x) + "," + Math.round(y) + ")");
  } else {
    const hit = document.elementFromPoint(x, y);
    if (hit && !el.contains(hit) && !hit.contains(el)) {
      problems.push("covered by " + hit.tagName.toLowerCase() + (hit.className ? "." + String(hit.className).split(" ").join(".") : ""));
    }
  }
  return {name: name, problems: problems};
}"""


START_AT_TOP = """() => {
  // Focus nothing, with the keyboard's starting point at the top of the page.
  document.body.tabIndex = -1; document.body.focus(); document.body.removeAttribute("tabindex");
  window.scrollTo(0, 0);
}"""


def _walk(pg, key):
    """From the top of the page, press key until focus has gone round once; returns (stops, problems)."""
    pg.evaluate(START_AT_TOP)
    seen, problems = [], []
    for _ in range(MAX_STOPS):
        pg.keyboard.press(key)
        result = pg.evaluate(CHECK)
        if result is None or (seen and result["name"] == seen[0]):
            if seen:
                break
            continue
        seen.append(result["name"])
        problems += [f"{result['name']}: {p}" for p in result["problems"]]
    return seen, problems


@pytest.mark.parametrize("role", list(dict.fromkeys(page[0] for page in FOCUS_PAGES)))
def test_every_focus_stop_is_visible_and_uncovered(role, world, live_server, browser):
    w = _more_world(world)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    if role != "anon":
        context.add_cookies([_session_cookie(live_server, getattr(w, role))])
    pg = context.new_page()
    failures = []
    try:
        for page_role, name, url, widths in FOCUS_PAGES:
            if page_role != role:
                continue
            for width in widths:
                pg.set_viewport_size({"width": width, "height": 800})
                for key in ("Tab", "Shift+Tab"):
                    pg.goto(live_server.url + url(w))
                    pg.wait_for_load_state("networkidle")
                    if width < 992 and role != "anon":
                        # The collapsed top bar: open it so its links are in the walk too.
                        pg.locator(".navbar-toggler").click()
                        pg.locator("#mainnav.show").wait_for()
                    seen, problems = _walk(pg, key)
                    assert len(seen) > 2, f"{name}: focus did not move ({seen})"
                    failures += [f"[{role} · {name} · {width}px · {key}] {p}" for p in dict.fromkeys(problems)]
    finally:
        context.close()
    assert not failures, "focus problems:\n" + "\n".join(failures[:80]) + (
        f"\n… and {len(failures) - 80} more" if len(failures) > 80 else "")
