"""Table exports that leave the request once they are large (issue 17, item 4).

Each app registers its xlsx exports here (from its AppConfig.ready, in `<app>/table_exports.py`):
a name, a Chinese label, the query keys it reads, and four functions that the inline view and the
background job share, so one rule decides in both places:

- `allowed(user, params)`: raises PermissionDenied / Http404 exactly as the inline view does
  (it reuses the app's access helpers); asked when the job is started, when it runs and at download;
- `count(user, params)`: a cheap count of the rows (an upper bound where the rows are filtered in
  Python); over settings.EXPORT_INLINE_MAX_ROWS the GET answers a confirmation page instead;
- `build(user, params, target, progress, *, today)`: writes the workbook into the binary file
  `target` and returns the rows written; `progress(done)` may be called as rows are written;
- `filename(user, params, *, today, now)`: the same file name the inline download gives.

Single-school files (a scorecard, a self-assessment, a calibration case) are bounded by the rubric
and stay inline; they are not registered.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

Progress = Callable[[int], None]

# A query value is a short filter (an id, a code, a date, a word): anything longer or carrying
# control characters is not something a page of ours produced.
MAX_VALUE_LENGTH = 200
MAX_QUERY_LENGTH = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _no_progress(done: int) -> None:
    return None


@dataclass(frozen=True)
class TableExport:
    name: str
    label: Any  # a lazy Chinese string
    params: tuple[str, ...]
    allowed: Callable[[Any, dict], None]
    count: Callable[[Any, dict], int]
    build: Callable[..., int]
    filename: Callable[..., str]
    # The page to go back to from the job's progress page (built from the params).
    back_url: Callable[[dict], str] | None = field(default=None)
    # The round the export belongs to, if any (stored on the job, shown on its page).
    round: Callable[[Any, dict], Any] | None = field(default=None)
    # Checks a POSTed query value by value (raises BadParams): the start URL refuses what the
    # export's page would silently drop, so a tampered query creates nothing.
    validate: Callable[[dict], None] | None = field(default=None)
    # The app's own "today" (its views' _today, which tests set), for exports dated by the day.
    today: Callable[[], date] | None = field(default=None)


class BadParams(ValueError):
    """The query is not one a page of ours would send (unknown key, repeated key, odd value)."""


_REGISTRY: dict[str, TableExport] = {}


def register(export: TableExport) -> TableExport:
    """Add an export to the registry (idempotent for the same name: ready() may run twice in tests)."""
    _REGISTRY[export.name] = export
    return export


def get_export(name: str) -> TableExport:
    """The registered export of that name; 404 for any other name."""
    export = _REGISTRY.get(str(name or ""))
    if export is None:
        raise Http404
    return export


def registered() -> list[TableExport]:
    return list(_REGISTRY.values())


def clean_params(export: TableExport, data: Mapping, *, strict: bool) -> dict[str, str]:
    """The export's own keys of a query, empty values dropped. `strict` (a POSTed query) refuses
    unknown or repeated keys and odd values with BadParams; a GET (the inline view) reads what its
    page reads: the last value of a key, and drops what it does not read or its form would refuse."""
    out: dict[str, str] = {}
    for key in data:
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        if key not in export.params:
            if strict:
                raise BadParams(key)
            continue
        if strict and len(values) != 1:
            raise BadParams(key)
        value = values[-1] if values else ""
        if not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH or _CONTROL.search(value):
            if strict:
                raise BadParams(key)
            continue
        if value != "":
            out[key] = value
    return out


def validate_params(export: TableExport, params: dict) -> None:
    """BadParams unless every value is one the export's page could have sent."""
    if export.validate is not None:
        export.validate(params)


def require_digits(params: dict, *keys: str) -> None:
    """BadParams unless each of these keys, when present, is a plain ASCII number (an object id)."""
    for key in keys:
        value = params.get(key)
        if value is not None and not (value.isascii() and value.isdigit()):
            raise BadParams(key)


def require_choice(params: dict, key: str, choices) -> None:
    if key in params and params[key] not in {str(c) for c in choices}:
        raise BadParams(key)


def require_form(form) -> None:
    """BadParams when a bound filter form rejects the query."""
    if form.is_bound and not form.is_valid():
        raise BadParams(",".join(form.errors))


BOOLEAN_VALUES = ("1", "on", "true", "True", "yes")


def confirm_if_large(request, name: str, params: dict) -> Any:
    """None when the export may be built inline (at most EXPORT_INLINE_MAX_ROWS rows); else the
    confirmation page whose POST starts the background job (a GET never creates anything).
    The caller has already checked access."""
    export = get_export(name)
    count = export.count(request.user, params)
    limit = settings.EXPORT_INLINE_MAX_ROWS
    if count <= limit:
        return None
    return render(request, "reports/export_confirm.html", {
        "export": export, "count": count, "limit": limit, "query": urlencode(params),
        "back": export.back_url(params) if export.back_url else "",
    })


def build_inline(name: str, user, params: dict, *, today: date) -> tuple[bytes, int]:
    """The workbook built in the request (the same builder as the job): its bytes and rows."""
    buffer = io.BytesIO()
    rows = get_export(name).build(user, params, buffer, _no_progress, today=today)
    return buffer.getvalue(), rows


def job_today(job, export: TableExport) -> date:
    """The day a job's export is dated: the app's own today where it has one (as its inline view
    uses), else the day the job was asked for."""
    return export.today() if export.today is not None else timezone.localdate(job.created_at)


def job_now(job) -> datetime:
    return job.created_at
