"""The one save endpoint for rows of element values (points_<code>, note_<code>, version_<code>).

The inspectors' scorecard and a school's self-assessment post the same fields and the autosave script
(static/evaluation/scorecard.js) reads the same answer, so parsing (evaluation.forms.ScoresForm) and the
answer are written here once; each view passes its own save service and totals.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .forms import ScoresForm
from .versioned import SaveResult, conflict_message, saved_row_json


def wants_json(request) -> bool:
    """The autosave script (fetch or htmx) asks for JSON; the plain form gets a redirect."""
    return bool(getattr(request, "htmx", False)) or "application/json" in request.headers.get("Accept", "")


def element_rows_save(
    request, *, save: Callable[[dict], SaveResult], totals: Callable[[SaveResult], dict], redirect_to: str,
    saved_text: str, note_label=None,
) -> HttpResponse:
    """Parse the POST, save the valid rows with `save(values)`, answer JSON (saved, errors, conflicts with
    both values, the server's totals) or redirect to `redirect_to` with messages. `saved_text` has %(n)s;
    `note_label` names the note in errors (备注 by default)."""
    form = ScoresForm(request.POST, note_label=note_label)
    form.is_valid()  # judged element by element: form.values to save, form.element_errors refused
    if not form.values and not form.element_errors:
        if wants_json(request):
            return JsonResponse({"saved": {}, "errors": {"_": _("没有需要保存的内容。")}, "conflicts": {}, "totals": {}},
                                status=400)
        messages.info(request, _("没有需要保存的内容。"))
        return redirect(redirect_to)
    result = save(form.values) if form.values else SaveResult()
    result.errors = {**form.element_errors, **result.errors}
    if wants_json(request):
        payload = {
            "saved": {code: saved_row_json(row) for code, row in result.saved.items()},
            "errors": result.errors,
            "conflicts": {
                code: {**saved_row_json(row), "by": row.updated_by.display_name if row.updated_by else "",
                       "message": conflict_message(row)}
                for code, row in result.conflicts.items()
            },
            "totals": totals(result),
        }
        status = 409 if result.conflicts else 400 if result.errors else 200
        return JsonResponse(payload, status=status)
    if result.saved:
        messages.success(request, saved_text % {"n": len(result.saved)})
    for code, message in result.errors.items():
        messages.error(request, f"{code}：{message}")
    for code, row in result.conflicts.items():
        messages.warning(request, f"{code}：{conflict_message(row)}")
    return redirect(redirect_to)
