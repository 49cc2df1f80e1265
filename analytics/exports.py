"""Plain-text outputs of the analytics (the CLI's JSON and the score rows' CSV)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from config.spreadsheet import csv_writer

from .selectors import Agreement, CVGroup, Deviation, ElementRate, Rate, RoundAnalytics, ScoreRow, Spread


def _s(value: Decimal | None) -> str | None:
    """Numbers as decimal strings, so no precision is lost and nothing is a float."""
    return None if value is None else format(value, "f")


def _agreement(a: Agreement, key: str) -> dict:
    return {key: a.code, "alpha": _s(a.alpha), "units": a.units, "exact_share": _s(a.exact_share),
            "within_step_share": _s(a.within_step_share), "step": _s(a.step)}


def _deviation(d: Deviation) -> dict:
    return {"mean_deviation": _s(d.mean_deviation), "ci_low": _s(d.ci_low), "ci_high": _s(d.ci_high), "n": d.n,
            "flagged": d.flagged, "threshold": _s(d.threshold)}


def _spread(s: Spread) -> dict:
    return {"n": s.n, "mean": _s(s.mean), "sd": _s(s.sd), "cv": _s(s.cv)}


def _cv(g: CVGroup) -> dict:
    return {"level": g.level, "district": g.district, "stage": g.stage, "n": g.n, "mean": _s(g.mean),
            "sd": _s(g.sd), "cv": _s(g.cv), "small": g.small,
            "by_dimension": {code: _spread(s) for code, s in g.by_dimension.items()}}


def _rate(r: Rate) -> dict:
    return {"rate": _s(r.rate), "n": r.n}


def _element(e: ElementRate) -> dict:
    return {"element": e.code, "rate": _s(e.rate), "n": e.n, "points": _s(e.points),
            "by_district": {k: _rate(v) for k, v in e.by_district.items()},
            "by_stage": {k: _rate(v) for k, v in e.by_stage.items()},
            "by_location": {k: _rate(v) for k, v in e.by_location.items()}}


def analytics_document(a: RoundAnalytics, *, with_leniency: bool = True) -> dict:
    """The issue's one document: agreement, agreement_by_dimension, agreement_total, leniency, cv, elements."""
    doc = {
        "round": a.round.name,
        "agreement": [_agreement(x, "element") for x in a.agreement],
        "agreement_by_dimension": [_agreement(x, "dimension") for x in a.agreement_by_dimension],
        "agreement_total": {k: v for k, v in _agreement(a.agreement_total, "total").items() if k != "total"},
        "leniency": [
            {"username": x.username, **_deviation(x.overall),
             "by_dimension": {code: _deviation(d) for code, d in x.by_dimension.items()}}
            for x in a.leniency
        ] if with_leniency else [],
        "cv": [_cv(g) for g in a.cv],
        "elements": [_element(e) for e in a.elements],
    }
    return doc


def analytics_json(a: RoundAnalytics) -> str:
    return json.dumps(analytics_document(a), ensure_ascii=False, indent=2)


SCORE_FIELDS = ["school_code", "district", "stage", "location", "inspector_username", "element_code", "points",
                "submitted_at"]


def scores_csv(rows: list[ScoreRow]) -> str:
    """Every submitted inspector score; user text through the one spreadsheet text rule."""
    out = io.StringIO()
    writer = csv_writer(out)  # the product's one CSV writer: RFC 4180 line ends, every text cell neutralized
    writer.writerow(SCORE_FIELDS)
    for r in rows:
        writer.writerow([
            r.school_code, r.district, r.stage, r.location, r.username, r.element_code, format(r.points, "f"),
            r.submitted_at.isoformat() if r.submitted_at else "",
        ])
    return out.getvalue()
