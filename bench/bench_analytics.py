"""Performance of the analytics document (issue 15, "Performance").

    .venv/bin/python bench/bench_analytics.py                  # 2,000 schools × 3 inspectors × 84 elements
    .venv/bin/python bench/bench_analytics.py --schools 300    # a smaller round
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nqs_bench_an .venv/bin/python bench/bench_analytics.py

A fresh SQLite file in a temp dir by default; the database named by DATABASE_URL is (re)created from
scratch: never point it at real data. Builds a round (one inspector lenient, one strict), then times

  (1) `analytics.selectors.round_analytics` — the whole document (agreement per element, per A and for
      the total; leniency overall and per A; 差异系数; element rates) — and counts its queries;
  (2) the same score rows fetched with one bare SQL query and the same figures computed in NumPy;

checks that both give the same figures, prints both times and the ratio (target ≤ 3×); exits 1 if missed.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timezone as dt_tz
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="analyticsbench-", dir="/var/tmp" if os.path.isdir("/var/tmp") else None))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.update(SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0", STATIC_MANIFEST="0")
os.environ.setdefault("DATA_DIR", str(TMP))

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--schools", type=int, default=2000)
parser.add_argument("--inspectors", type=int, default=3, help="panel size (every school, same panel size)")
parser.add_argument("--repeat", type=int, default=3)
ARGS = parser.parse_args()
TARGET = 3.0
# Six inspectors share the panels; two score with a bias (steps), so leniency shows something.
BIAS = {0: 1, 1: -1}


def _recreate_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    _recreate_postgres(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def best(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


# --------------------------------------------------------------------------- the round


def build_round(n_schools: int, panel: int):
    from accounts import roles
    from accounts.models import User
    from django.contrib.auth.models import Group
    from evaluation.models import Evaluation, FinalScore, Round, Score, Scorecard
    from rubric.models import RubricVersion
    from rubric.selectors import rubric_tree
    from schools.models import District, School

    version = RubricVersion.objects.get(code="xian-2020")
    tree = rubric_tree(version=version)
    admin = User.objects.create_user("bench_admin", password="x")
    admin.groups.add(Group.objects.get_or_create(name=roles.ADMIN)[0])
    people = [User.objects.create_user(f"bench_insp{i}", password="x", name=f"专家{i}") for i in range(6)]
    districts = District.objects.bulk_create(
        [District(code=f"61{i:04d}", name=f"测试区{i}", kind="district", order=i) for i in range(10)])
    stages, locations = ["primary", "junior", "nine_year"], ["urban", "town", "rural"]
    schools = School.objects.bulk_create(
        [School(code=f"S{i:05d}", name=f"西安市测试第{i}学校", district=districts[i % 10], stage=stages[i % 3],
                location=locations[(i // 3) % 3]) for i in range(n_schools)], batch_size=2000)
    rnd = Round.objects.create(name="分析基准批次", year=2026, rubric_version=version)
    rng = random.Random(15)
    now = datetime.now(dt_tz.utc)
    steps = [(el, int(el.points / el.step)) for el in tree.elements]
    with transaction.atomic():
        evs = Evaluation.objects.bulk_create(
            [Evaluation(round=rnd, school=s, status="finalized", finalized_at=now, finalized_by=admin) for s in schools],
            batch_size=2000)
        cards = Scorecard.objects.bulk_create(
            [Scorecard(evaluation=ev, inspector=person, is_lead=(k == 0), status="submitted", submitted_at=now)
             for i, ev in enumerate(evs) for k, person in enumerate(rng.sample(people, panel))], batch_size=5000)
        person_index = {p.pk: i for i, p in enumerate(people)}
        scores, finals = [], []
        for ev_index, ev in enumerate(evs):
            deficit = rng.uniform(0.05, 0.35)
            shared = {el.pk: n - sum(1 for _ in range(n) if rng.random() < deficit) for el, n in steps}
            for card in cards[ev_index * panel:(ev_index + 1) * panel]:
                bias = BIAS.get(person_index[card.inspector_id], 0)
                for el, n in steps:
                    k = min(n, max(0, shared[el.pk] + rng.choice((-1, 0, 0, 0, 1)) + bias))
                    scores.append(Score(scorecard=card, element_id=el.pk, points=el.step * k, version=1))
            for el, n in steps:
                finals.append(FinalScore(evaluation=ev, element_id=el.pk, points=el.step * shared[el.pk], version=1))
            if len(scores) >= 50000:
                Score.objects.bulk_create(scores, batch_size=5000)
                scores = []
        Score.objects.bulk_create(scores, batch_size=5000)
        FinalScore.objects.bulk_create(finals, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return rnd, tree


# --------------------------------------------------------------------------- the NumPy reference

BARE_SQL = """
SELECT s.element_id, sc.evaluation_id, sc.inspector_id, s.points, fs.points,
       sch.district_id, sch.stage, sch.location
FROM evaluation_score s
JOIN evaluation_scorecard sc ON sc.id = s.scorecard_id
JOIN evaluation_evaluation ev ON ev.id = sc.evaluation_id
JOIN schools_school sch ON sch.id = ev.school_id
LEFT JOIN evaluation_finalscore fs ON fs.evaluation_id = ev.id AND fs.element_id = s.element_id
                                   AND ev.status = 'finalized'
WHERE ev.round_id = %s AND sc.status = 'submitted' AND s.points IS NOT NULL
"""


def _groups(a, b):
    """Dense group ids of the rows by two non-negative integer key columns."""
    _uniq, inverse = np.unique(a * (int(b.max()) + 1) + b, return_inverse=True)
    return inverse.ravel()


def _alpha_and_shares(unit, values, step):
    """Interval alpha over units (pairable only), exact share and within-step share, vectorized."""
    m = np.bincount(unit)
    s1 = np.bincount(unit, weights=values)
    s2 = np.bincount(unit, weights=values * values)
    pair = m >= 2
    if not pair.any():
        return None, 0, None, None
    n = m[pair].sum()
    within_unit = 2 * (m[pair] * s2[pair] - s1[pair] ** 2) / (m[pair] - 1)
    d_o = within_unit.sum() / n
    total1, total2 = s1[pair].sum(), s2[pair].sum()
    d_e = 2 * (n * total2 - total1 ** 2) / (n * (n - 1))
    alpha = 1 - d_o / d_e if d_e > 1e-12 else None
    hi = np.full(len(m), -np.inf)
    lo = np.full(len(m), np.inf)
    np.maximum.at(hi, unit, values)
    np.minimum.at(lo, unit, values)
    spread = (hi - lo)[pair]
    return alpha, int(pair.sum()), float(np.mean(spread == 0)), float(np.mean(spread <= step + 1e-9))


def numpy_document(round_id, tree):
    from analytics.stats import t_quantile_975

    with connection.cursor() as cur:
        cur.execute(BARE_SQL, [round_id])
        raw = cur.fetchall()
    cols = list(zip(*raw))
    el = np.array(cols[0], dtype=np.int64)
    ev = np.array(cols[1], dtype=np.int64)
    insp = np.array(cols[2], dtype=np.int64)
    pts = np.array(cols[3], dtype=np.float64)
    final = np.array(cols[4], dtype=object)
    final[final == None] = math.nan  # noqa: E711 (elementwise)
    final = final.astype(np.float64)
    district = np.array(cols[5], dtype=np.int64)
    stage = np.array(cols[6])
    location = np.array(cols[7])

    el_ids = [e.id for e in tree.elements]
    dim_of = {e.id: d.code for d in tree.dimensions for e in d.elements}
    step_of = {e.id: float(e.step) for e in tree.elements}
    points_of = {e.id: float(e.points) for e in tree.elements}
    doc = {}
    # agreement per element
    order = np.argsort(el, kind="stable")
    bounds = np.searchsorted(el[order], el_ids + [max(el_ids) + 1])
    doc["agreement"] = {}
    for i, el_id in enumerate(el_ids):
        idx = order[bounds[i]:bounds[i + 1]]
        _u, unit = np.unique(ev[idx], return_inverse=True)
        doc["agreement"][el_id] = _alpha_and_shares(unit, pts[idx], step_of[el_id])
    # cards' A subtotals and totals (complete only)
    card = _groups(ev, insp)
    dim_codes = [d.code for d in tree.dimensions]
    dim_index = np.array([dim_codes.index(dim_of[e]) for e in el], dtype=np.int64)
    n_cards = card.max() + 1
    key = card * len(dim_codes) + dim_index
    sub = np.bincount(key, weights=pts, minlength=n_cards * len(dim_codes)).reshape(n_cards, -1)
    cnt = np.bincount(key, minlength=n_cards * len(dim_codes)).reshape(n_cards, -1)
    card_ev = np.zeros(n_cards, dtype=np.int64)
    card_ev[card] = ev
    card_insp = np.zeros(n_cards, dtype=np.int64)
    card_insp[card] = insp
    dim_size = np.array([len(d.elements) for d in tree.dimensions])
    complete = cnt == dim_size
    doc["agreement_by_dimension"] = {}
    doc["leniency_by_dimension"] = {}
    for j, d in enumerate(tree.dimensions):
        ok = complete[:, j]
        _u, unit = np.unique(card_ev[ok], return_inverse=True)
        step = max(float(e.step) for e in d.elements)
        doc["agreement_by_dimension"][d.code] = _alpha_and_shares(unit, sub[ok, j], step)
        doc["leniency_by_dimension"][d.code] = _loo_means(card_ev[ok], card_insp[ok], sub[ok, j], t_quantile_975)
    ok = complete.all(axis=1)
    _u, unit = np.unique(card_ev[ok], return_inverse=True)
    doc["agreement_total"] = _alpha_and_shares(unit, sub[ok].sum(axis=1), max(step_of.values()))
    # leniency (leave-one-out per evaluation and element)
    doc["leniency"] = _loo_means(ev * (max(el_ids) + 1) + el, insp, pts, t_quantile_975)
    # 差异系数 and element rates over finalized evaluations (one final value per evaluation and element)
    has_final = ~np.isnan(final)
    _u, first = np.unique(ev[has_final] * (max(el_ids) + 1) + el[has_final], return_index=True)
    rows = np.flatnonzero(has_final)[first]
    f_ev, f_el, f_pts = ev[rows], el[rows], final[rows]
    ev_ids, f_unit = np.unique(f_ev, return_inverse=True)
    totals = np.bincount(f_unit, weights=f_pts)
    ev_district = np.zeros(len(ev_ids), dtype=np.int64)
    ev_district[f_unit] = district[rows]
    ev_stage = np.empty(len(ev_ids), dtype=object)
    ev_stage[f_unit] = stage[rows]
    cv = {}
    for d_id in np.unique(ev_district):
        for st in sorted(set(ev_stage[ev_district == d_id])):
            v = totals[(ev_district == d_id) & (ev_stage == st)]
            cv[(int(d_id), st)] = (len(v), float(np.std(v) / np.mean(v)))
        v = totals[ev_district == d_id]
        cv[(int(d_id), None)] = (len(v), float(np.std(v) / np.mean(v)))
    cv[(None, None)] = (len(totals), float(np.std(totals) / np.mean(totals)))
    doc["cv"] = cv
    std = np.array([points_of[e] for e in f_el])
    rate_sum = np.bincount(f_el, weights=f_pts / std)
    rate_n = np.bincount(f_el)
    doc["elements"] = {e: (rate_sum[e] / rate_n[e], int(rate_n[e])) for e in el_ids if e < len(rate_n) and rate_n[e]}
    loc = location[rows]
    doc["elements_by_location"] = {}
    for place in np.unique(loc):
        mask = loc == place
        s = np.bincount(f_el[mask], weights=(f_pts / std)[mask], minlength=len(rate_n))
        c = np.bincount(f_el[mask], minlength=len(rate_n))
        doc["elements_by_location"][place] = {e: s[e] / c[e] for e in el_ids if c[e]}
    return doc


def _loo_means(groups, who, values, tq):
    """Per person: mean leave-one-out deviation, 95 % t-interval half width, n."""
    _u, g = np.unique(groups, return_inverse=True)
    sums = np.bincount(g, weights=values)[g]
    counts = np.bincount(g)[g]
    ok = counts >= 2
    dev = values[ok] - (sums[ok] - values[ok]) / (counts[ok] - 1)
    out = {}
    for pid in np.unique(who):
        d = dev[who[ok] == pid]
        if len(d) == 0:
            continue
        half = tq(len(d) - 1) * np.std(d, ddof=1) / math.sqrt(len(d)) if len(d) > 1 else math.nan
        out[int(pid)] = (float(np.mean(d)), half, len(d))
    return out


# --------------------------------------------------------------------------- compare


def same_figures(a, ref, tree) -> list[str]:
    """The Django document's figures against the NumPy ones (4 places): a list of differences."""
    problems = []

    def close(label, x, y, tol=1.5e-4):
        if (x is None) != (y is None) or (x is not None and abs(float(x) - float(y)) > tol):
            problems.append(f"{label}: {x} vs {y}")

    for el, agr in zip(tree.elements, a.agreement):
        alpha, units, exact, within = ref["agreement"][el.id]
        close(f"alpha {el.code}", agr.alpha, alpha)
        close(f"exact {el.code}", agr.exact_share, exact)
        close(f"within {el.code}", agr.within_step_share, within)
        if agr.units != units:
            problems.append(f"units {el.code}: {agr.units} vs {units}")
    for agr in a.agreement_by_dimension:
        close(f"alpha {agr.code}", agr.alpha, ref["agreement_by_dimension"][agr.code][0])
    close("alpha total", a.agreement_total.alpha, ref["agreement_total"][0])
    for x in a.leniency:
        mean, half, n = ref["leniency"][x.inspector_id]
        close(f"leniency {x.username}", x.overall.mean_deviation, mean)
        close(f"ci {x.username}", x.overall.ci_high - x.overall.mean_deviation, half, 3e-4)
        for code, d in x.by_dimension.items():
            if x.inspector_id in ref["leniency_by_dimension"][code]:
                close(f"leniency {x.username} {code}", d.mean_deviation, ref["leniency_by_dimension"][code][x.inspector_id][0])
    districts = {}
    for g in a.cv:
        if g.level == "city":
            n, cv = ref["cv"][(None, None)]
        else:
            d_id = districts.setdefault(g.district, next(
                d for (d, s) in ref["cv"] if d is not None and _district_name(d) == g.district))
            n, cv = ref["cv"][(d_id, g.stage)]
        close(f"cv {g.district} {g.stage}", g.cv, cv)
        if g.n != n:
            problems.append(f"cv n {g.district} {g.stage}: {g.n} vs {n}")
    for el, rate in zip(tree.elements, a.elements):
        close(f"rate {el.code}", rate.rate, ref["elements"][el.id][0])
        for place, r in rate.by_location.items():
            close(f"rate {el.code} {place}", r.rate, ref["elements_by_location"][place][el.id])
    return problems


_names: dict[int, str] = {}


def _district_name(d_id):
    from schools.models import District

    if not _names:
        _names.update(District.objects.values_list("id", "name"))
    return _names[d_id]


def main() -> int:
    from analytics.selectors import round_analytics

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})", flush=True)
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    rnd, tree = build_round(ARGS.schools, ARGS.inspectors)
    print(f"built {ARGS.schools} schools × {ARGS.inspectors} inspectors × {len(tree.elements)} elements "
          f"({ARGS.schools * ARGS.inspectors * len(tree.elements)} scores) in {time.perf_counter() - start:.1f}s",
          flush=True)

    with CaptureQueriesContext(connection) as queries:
        round_analytics(round=rnd, tree=tree)
    t_doc, a = best(lambda: round_analytics(round=rnd, tree=tree), ARGS.repeat)
    t_ref, ref = best(lambda: numpy_document(rnd.pk, tree), ARGS.repeat)
    problems = same_figures(a, ref, tree)
    print(f"analytics document: {t_doc:.3f}s in {len(queries.captured_queries)} queries (tree given)")
    print(f"bare SQL (1 query) + NumPy: {t_ref:.3f}s")
    ratio = t_doc / t_ref if t_ref else math.inf
    ok = ratio <= TARGET and not problems
    print(f"ratio {ratio:.2f} (target ≤ {TARGET}) {'OK' if ratio <= TARGET else 'MISSED'}")
    flagged = [(x.username, str(x.overall.mean_deviation)) for x in a.leniency if x.overall.flagged]
    print(f"flagged inspectors: {flagged}")
    if problems:
        print(f"figures differ ({len(problems)}):", *problems[:20], sep="\n  ")
    else:
        print("same figures: agreement (element, A, total), leniency (overall, per A, interval), 差异系数, element rates")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
