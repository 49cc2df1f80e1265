"""Saving many element values at once under an optimistic version check: one implementation for
inspectors' scores, the lead's final scores and a school's self-assessment.

The client sends the version it last saw; a save whose version is stale is refused as a conflict
instead of silently overwriting somebody else's value. Valid, fresh values are written in bulk
with their history rows, so a save costs a handful of queries whatever the number of elements.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from config.text import strip_noncharacters
from rubric.models import Element

from .parsing import PointsError, fmt, parse_points


@dataclass
class SaveResult:
    """What a multi-element save did, keyed by element code."""

    saved: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, object] = field(default_factory=dict)
    changes: list[dict] = field(default_factory=list)  # for the audit record: element, old, new, version




def saved_row_json(row) -> dict:
    """One saved row as the save endpoints answer it (the browser's autosave reads this shape)."""
    points = "" if row.points is None else f"{row.points:.2f}"
    return {"points": points, "note": row.note, "version": row.version}


def conflict_message(row) -> str:
    who = row.updated_by.display_name if row.updated_by_id and row.updated_by else _("他人")
    if row.points is None:
        return _("此项已被%(who)s清空为未评分，您的修改未保存。请核对后再次保存（将覆盖当前值）。") % {"who": who}
    return _("此项已被%(who)s修改为 %(points)s 分，您的修改未保存。请核对后再次保存（将覆盖当前值）。") % {
        "who": who,
        "points": fmt(row.points),
    }




def _elements_by_code(version_id: int, codes) -> dict[str, Element]:
    return {e.code: e for e in Element.objects.filter(version_id=version_id, code__in=list(codes))}


def _is_empty(raw) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def _is_default(raw, default: Decimal, note) -> bool:
    """The typed value is the consolidated value itself, or left empty beside a note: the lead keeps it."""
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw)).strip()
    if text == "":
        return bool((note or "").strip())  # an empty row without a note still needs a value
    try:
        return Decimal(text) == default
    except InvalidOperation:
        return False


def save_versioned(
    *, model, owner: dict, version_id: int, values: dict, by, force: bool = False, allow_empty: bool = False,
    defaults: dict[int, Decimal] | None = None, labels: tuple[str, str] = ("得分", "备注"),
) -> SaveResult:
    """The one implementation of "save many element values with a version check".

    Used for inspectors' scores, the lead's final scores and a school's self-scores (`model` has
    element, points, note, version, updated_by, updated_at and history). `labels` names the score
    and the note in messages (得分/备注, 自评分/自评说明).

    values: {code: {"points": raw, "note": str | None, "version": int}}. Valid, fresh values
    are saved in bulk (with history rows); invalid ones land in errors, stale ones in
    conflicts, and neither touches the stored row. `force` skips the version check (the
    inspector's own offline file, which carries no versions). `allow_empty` (inspectors'
    scores) lets an empty value mean "not scored": a note saved before the score, or a
    score cleared back to unscored, each a new version with its history row.

    `defaults` (final scores only: the consolidated value per element id): a value equal to
    it, or left empty beside a note, keeps that value, off the scoring step or not, and marks the row as
    following it (FinalScore.follows_default), so a note can be saved without a score.
    """
    result = SaveResult()
    elements = _elements_by_code(version_id, values.keys())
    parsed = {}
    for code, item in values.items():
        element = elements.get(code)
        if element is None:
            result.errors[code] = _("评估要素 %(code)s 不存在。") % {"code": code}
            continue
        default = (defaults or {}).get(element.pk)
        follows = default is not None and _is_default(item.get("points"), default, item.get("note"))
        note = item.get("note")
        if follows:
            points = default
        elif allow_empty and _is_empty(item.get("points")):
            points = None
        else:
            try:
                points = parse_points(item.get("points"), points=element.points, step=element.step)
            except PointsError as exc:
                result.errors[code] = str(exc)
                continue
        if note is not None:
            # Pasted text may carry U+FFFF or stray controls: no XML file (the offline workbook) could hold them.
            note = strip_noncharacters(note)
        if note is not None and len(note) > 2000:
            result.errors[code] = _("%(note)s不能超过 2000 字。") % {"note": labels[1]}
            continue
        parsed[code] = (element, points, note, item.get("version"), follows)
    if not parsed:
        return result

    now = timezone.now()
    with transaction.atomic():
        # Lock the rows we are about to compare: a concurrent save waits here and then
        # sees our new version, so it becomes a conflict rather than a lost update.
        current = {
            row.element_id: row
            for row in model.objects.select_for_update(of=("self",))
            .filter(**owner, element__in=[p[0] for p in parsed.values()])
            .select_related("updated_by")
        }
        finals = defaults is not None  # FinalScore rows also carry follows_default
        to_update, to_create = [], []
        for code, (element, points, note, version, follows) in parsed.items():
            row = current.get(element.pk)
            seen = as_version(version)
            if row is None:
                if not force and seen not in (0, None):
                    result.errors[code] = _("版本号无效，请刷新页面后重试。")
                    continue
                if points is None and not (note or "").strip():
                    result.errors[code] = _("请填写%(score)s或%(note)s。") % {"score": labels[0], "note": labels[1]}
                    continue
                row = model(**owner, element=element, points=points, note=note or "", version=1, updated_by=by,
                            **({"follows_default": follows} if finals else {}))
                row.updated_at = now
                to_create.append((code, row))
                continue
            new_note = row.note if note is None else note
            if row.points == points and row.note == new_note and (not finals or row.follows_default == follows):
                # Nothing changed: no new version, no history row. Checked before the version so
                # that a replay whose answer was lost (the browser resends after a dropped
                # connection) is acknowledged instead of reported as a conflict with itself.
                result.saved[code] = row
                continue
            if not force and seen != row.version:
                result.conflicts[code] = row
                continue
            row._old = row.points
            row.points, row.note, row.version = points, new_note, row.version + 1
            if finals:
                row.follows_default = follows
            row.updated_by, row.updated_at = by, now
            to_update.append((code, row))
        if to_update:
            rows = [r for _c, r in to_update]
            # The rows are locked, so version + 1 in SQL equals the value set on the objects
            # above; keeping the same-for-all fields out of bulk_update's CASE halves its cost.
            model.objects.filter(pk__in=[r.pk for r in rows]).update(
                version=F("version") + 1, updated_by=by, updated_at=now
            )
            fields = ["points", "note"] if defaults is None else ["points", "note", "follows_default"]
            bulk_update_with_history(rows, model, fields, default_user=by, default_date=now)
        if to_create:
            try:
                with transaction.atomic():
                    bulk_create_with_history(
                        [r for _c, r in to_create], model, default_user=by, default_date=now
                    )
            except IntegrityError:
                # Somebody created the same element's score in the meantime.
                fresh = {
                    r.element_id: r
                    for r in model.objects.filter(**owner, element__in=[r.element_id for _c, r in to_create])
                    .select_related("updated_by")
                }
                for code, r in to_create:
                    result.conflicts[code] = fresh.get(r.element_id) or r
                to_create = []
        for code, row in [*to_update, *to_create]:
            result.saved[code] = row
        result.changes = [
            {"element": code, "old": fmt(getattr(r, "_old", None)) or None, "new": fmt(r.points), "version": r.version}
            for code, r in [*to_update, *to_create]
        ]
    return result


def as_version(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return -1
