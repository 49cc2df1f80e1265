"""Rubric administration pages (admins only): versions, the draft editor, publish/retire,
clone, compare, history, import and export.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import is_admin

from . import services
from .forms import CloneForm, CompareForm, ImportForm
from .models import RubricVersion
from .schema import EVIDENCE_KINDS, RubricFormatError, format_points
from .selectors import rubric_compare, rubric_history, rubric_tree, tree_fingerprint, version_list_rows, version_problems


def _require_admin(request) -> None:
    if not is_admin(request.user):
        # audit.middleware records every 403 once (access.denied); no second record here.
        raise PermissionDenied(_("只有管理员可以管理评估细则。"))


def _get_version(request, pk: int) -> RubricVersion:
    """The version for an admin; 403 for every other role (rubrics are admin-only), 404 if absent."""
    _require_admin(request)
    return get_object_or_404(RubricVersion.objects.select_related("based_on", "created_by"), pk=pk)


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for ms in exc.message_dict.values() for m in ms]
    return list(exc.messages)


@require_GET
def version_list(request):
    _require_admin(request)
    return render(request, "rubric/version_list.html", {
        "rows": version_list_rows(), "import_form": ImportForm(), "compare_form": CompareForm(),
    })


@require_POST
def version_import(request):
    _require_admin(request)
    form = ImportForm(request.POST, request.FILES)
    errors: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            version = services.rubric_import(content=upload.read(), filename=upload.name, by=request.user, request=request)
        except RubricFormatError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("已导入为草稿版本 %(code)s。") % {"code": version.code})
            return redirect("rubric:version_detail", pk=version.pk)
    return render(request, "rubric/version_list.html", {
        "rows": version_list_rows(), "import_form": form, "import_errors": errors, "compare_form": CompareForm(),
    }, status=400)


def _render_detail(request, version, *, posted=None, errors=None, publish_problems=None, status=200):
    tree = rubric_tree(version=version, requirements=True)
    problems = version_problems(tree) if version.is_editable else []
    fingerprint = tree_fingerprint(tree) if version.is_editable else ""
    by_code: dict[str, list[str]] = {}
    for p in problems:
        by_code.setdefault(p.code, []).append(p.message)
    return render(request, "rubric/version_detail.html", {
        "version": version,
        "tree": tree,
        "problems": problems,
        "problems_by_code": by_code,
        "publish_problems": publish_problems,
        "posted": posted,
        "fingerprint": fingerprint,
        "errors": errors or {},
        "rounds": list(version.rounds.order_by("-year", "name")),
        "live_messages": _live_messages(),
        "kinds": list(EVIDENCE_KINDS.items()),
    }, status=status)


def _live_messages() -> dict[str, str]:
    """Texts for static/rubric/editor.js, translated here because JS files are not."""
    return {
        "invalid": _("%(code)s：“%(v)s”不是有效数字（最多两位小数）。"),
        "positive": _("%(code)s：标准分必须大于 0。"),
        "step": _("%(code)s：评分步长 %(step)s 不能整除标准分 %(points)s。"),
        "total_ne": _("合计 %(sum)s ≠ %(total)s"),
        "total_eq": _("合计 %(sum)s = 总分 %(total)s"),
        "was": _("原 %(v)s"),
        "summary_ok": _("当前数值没有发现问题（保存后可发布）。"),
        "summary_bad": _("当前有 %(n)s 个问题，已在表格中标红。"),
    }


@require_GET
def version_detail(request, pk: int):
    return _render_detail(request, _get_version(request, pk))


def _decimal_field(posted, name: str, code: str, field: str, errors: dict):
    text = (posted.get(name) or "").strip()
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        errors.setdefault(f"{code}.{field}", []).append(_("“%(v)s”不是有效数字。") % {"v": text})
        return None
    return value


def _parse_draft_post(posted, tree) -> tuple[services.DraftEdit, dict]:
    """Turn the editor's form into the changes it asks for; unchanged fields are left out."""
    errors: dict[str, list[str]] = {}
    edit = services.DraftEdit(version={}, dimensions={}, indicators={}, elements={})
    v = tree.version
    if "v-name" in posted and posted["v-name"].strip() != v.name:
        edit.version["name"] = posted["v-name"]
    if "v-total" in posted:
        total = _decimal_field(posted, "v-total", "version", "total", errors)
        if total is not None and total != v.total:
            edit.version["total"] = total
    for d in tree.dimensions:
        d.dimension.version = v  # spare the services a query per item
        changes = {}
        for field in ("name", "methods"):
            name = f"a-{d.dimension.pk}-{field}"
            if name in posted and posted[name].strip() != getattr(d.dimension, field):
                changes[field] = posted[name]
        if changes:
            edit.dimensions[d.dimension] = changes
        for i in d.indicators:
            i.indicator.version = v
            name = f"b-{i.indicator.pk}-text"
            if name in posted and posted[name].strip() != i.indicator.text:
                edit.indicators[i.indicator] = {"text": posted[name]}
            for e in i.elements:
                e.version = v
                changes = {}
                for field in ("points", "step"):
                    name = f"e-{e.pk}-{field}"
                    if name in posted:
                        value = _decimal_field(posted, name, e.code, field, errors)
                        if value is not None and value != getattr(e, field):
                            changes[field] = value
                name = f"e-{e.pk}-text"
                if name in posted and posted[name].strip() != e.text:
                    changes["text"] = posted[name]
                if changes:
                    edit.elements[e] = changes
                _parse_requirements(posted, tree, e, edit)
    return edit, errors


def _requirement_values(posted, prefix: str) -> dict:
    return {
        "name": posted.get(f"{prefix}-name", ""),
        "required": posted.get(f"{prefix}-required") == "on",
        "kinds": [k for k in EVIDENCE_KINDS if k in posted.getlist(f"{prefix}-kinds")],
        "note": posted.get(f"{prefix}-note", ""),
    }


def _parse_requirements(posted, tree, element, edit: services.DraftEdit) -> None:
    """An element's requirement rows: r-<id>-… for existing ones (a row is on the submitted page when its
    name field was sent: unticked boxes are not), n-<element id>-… for the new one (added when named)."""
    for r in tree.requirements_of(element):
        prefix = f"r-{r.pk}"
        if f"{prefix}-name" not in posted:
            continue
        r.element = element  # spare the services a query per item
        if posted.get(f"{prefix}-delete") == "on":
            edit.deleted_requirements.append(r)
            continue
        values = _requirement_values(posted, prefix)
        current = {"name": r.name, "required": r.required, "kinds": r.kind_list, "note": r.note}
        if {**values, "name": values["name"].strip(), "note": values["note"].strip()} != current:
            edit.requirements[r] = values
    prefix = f"n-{element.pk}"
    if posted.get(f"{prefix}-name", "").strip():
        edit.new_requirements.append((element, _requirement_values(posted, prefix)))


def _errors_at_cells(errors: dict) -> dict:
    """Non-field errors of an item are shown at its main cell (points for C, text for B, name for A)."""
    main = {"A": "name", "B": "text", "C": "points", "v": "name"}
    placed: dict[str, list] = {}
    for key, messages_ in errors.items():
        code, _sep, field = key.partition(".")
        if field in ("__all__", ""):
            key = f"{code}.{main.get(code[:1], 'name')}"
        placed.setdefault(key, []).extend(messages_)
    return placed


def _differences(version, edit: services.DraftEdit) -> dict:
    """Each cell where the form differs from the stored draft, marked with the stored value."""
    cells: dict[str, list[str]] = {}
    for key, changes, obj in (
        [("version", edit.version, version)]
        + [(d.code, v, d) for d, v in edit.dimensions.items()]
        + [(i.code, v, i) for i, v in edit.indicators.items()]
        + [(e.code, v, e) for e, v in edit.elements.items()]
    ):
        for field in changes:
            stored = getattr(obj, field)
            stored = format_points(stored) if isinstance(stored, Decimal) else stored
            cells[f"{key}.{field}"] = [_("最新保存值：%(v)s") % {"v": stored if stored not in (None, "") else _("（空）")}]
    for r in edit.requirements:
        cells[f"{r.element.code}.r-{r.pk}-name"] = [_("最新保存值：%(v)s（%(kinds)s，%(req)s）") % {
            "v": r.name, "kinds": r.kind_labels, "req": _("必需") if r.required else _("可选")}]
    for r in edit.deleted_requirements:
        cells[f"{r.element.code}.r-{r.pk}-name"] = [_("尚未保存：将删除此项。")]
    for element, _values in edit.new_requirements:
        cells[f"{element.code}.n-{element.pk}-name"] = [_("尚未保存：新增的佐证要求。")]
    return cells


@require_POST
def version_save(request, pk: int):
    version = _get_version(request, pk)
    if not version.is_editable:
        messages.error(request, _("已发布或已停用的版本不能修改；请先“新建版本（复制）”。"))
        return redirect("rubric:version_detail", pk=version.pk)
    tree = rubric_tree(version=version, requirements=True)
    edit, errors = _parse_draft_post(request.POST, tree)
    if not errors:
        try:
            count = services.rubric_draft_save(version=version, edit=edit, by=request.user, request=request,
                                               fingerprint=request.POST.get("fingerprint") or None)
        except services.DraftChanged:
            # The form is shown again with this user's values over the latest draft, and a fresh
            # fingerprint: saving again is then a deliberate choice, made with the differences marked.
            messages.error(request, _("保存失败：打开此页面后，草稿已被其他管理员修改，本次未保存任何修改。"
                                      "下方仍是你填写的内容，与最新保存值不同的单元格已标出；请核对后再次保存。"))
            version.refresh_from_db()
            latest, _parse_errors = _parse_draft_post(request.POST, rubric_tree(version=version, requirements=True))
            return _render_detail(request, version, posted=request.POST, errors=_differences(version, latest), status=409)
        except ValidationError as exc:
            errors = _errors_at_cells(exc.message_dict)
        else:
            if count:
                messages.success(request, _("已保存 %(n)s 处修改。") % {"n": count})
            else:
                messages.info(request, _("没有需要保存的修改。"))
            return redirect("rubric:version_detail", pk=version.pk)
    version.refresh_from_db()
    messages.error(request, _("保存失败：请修正标红的单元格，本次未保存任何修改。"))
    return _render_detail(request, version, posted=request.POST, errors=errors, status=400)


def _unsaved_edits(request, version):
    """The page posted with 发布 when it was pressed in the editor: (stale, DraftEdit, parse errors)."""
    tree = rubric_tree(version=version, requirements=True)
    stale = request.POST["fingerprint"] != tree_fingerprint(tree)
    edit, errors = _parse_draft_post(request.POST, tree)
    return stale, edit, errors


@require_POST
def version_publish(request, pk: int):
    version = _get_version(request, pk)
    fingerprint = None
    if version.is_editable and "fingerprint" in request.POST:
        # 发布 in the editor submits the editor's fields too, so edits not yet saved are seen
        # here and refused, instead of publishing the last saved draft and dropping them.
        fingerprint = request.POST["fingerprint"]
        stale, edit, errors = _unsaved_edits(request, version)
        if stale:
            messages.error(request, _("未发布：打开此页面后，草稿已被其他管理员修改。请查看最新内容后再发布。"))
            return redirect("rubric:version_detail", pk=version.pk)
        if errors or edit.has_changes():
            messages.error(request, _("未发布：页面上有尚未保存的修改（已在下方标出）。请先“保存修改”，核对后再发布。"))
            cells = _differences(version, edit)
            for key, ms in errors.items():
                cells.setdefault(key, []).extend(ms)
            return _render_detail(request, version, posted=request.POST, errors=cells, status=400)
    try:
        services.rubric_publish(version=version, by=request.user, request=request, fingerprint=fingerprint)
    except services.DraftChanged:
        messages.error(request, _("未发布：打开此页面后，草稿已被其他管理员修改。请查看最新内容后再发布。"))
        return redirect("rubric:version_detail", pk=version.pk)
    except services.RubricPublishRefused as exc:
        messages.error(request, _("无法发布：共 %(n)s 个问题，请全部修正后再发布。") % {"n": len(exc.problems)})
        return _render_detail(request, version, publish_problems=exc.problems, status=400)
    except ValidationError as exc:
        for m in _messages_of(exc):
            messages.error(request, m)
        return redirect("rubric:version_detail", pk=version.pk)
    messages.success(request, _("已发布 %(code)s，现在可以用于新的评估批次。") % {"code": version.code})
    return redirect("rubric:version_detail", pk=version.pk)


@require_POST
def version_retire(request, pk: int):
    version = _get_version(request, pk)
    try:
        services.rubric_retire(version=version, by=request.user, request=request)
    except ValidationError as exc:
        for m in _messages_of(exc):
            messages.error(request, m)
    else:
        messages.success(request, _("已停用 %(code)s：新的评估批次不能再选择它，已有批次不受影响。") % {"code": version.code})
    return redirect("rubric:version_detail", pk=version.pk)


@require_POST
def version_delete(request, pk: int):
    version = _get_version(request, pk)
    try:
        services.rubric_delete(version=version, by=request.user, request=request)
    except ValidationError as exc:
        for m in _messages_of(exc):
            messages.error(request, m)
        return redirect("rubric:version_detail", pk=version.pk)
    messages.success(request, _("已删除草稿 %(code)s。") % {"code": version.code})
    return redirect("rubric:version_list")


@require_http_methods(["GET", "POST"])
def version_clone(request, pk: int):
    version = _get_version(request, pk)
    form = CloneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.rubric_clone(version=version, code=form.cleaned_data["code"],
                                        name=form.cleaned_data["name"], by=request.user, request=request)
        except ValidationError as exc:
            for field, ms in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
                for m in ms:
                    form.add_error(field if field in form.fields else None, m)
        else:
            messages.success(request, _("已新建草稿版本 %(code)s，可以开始编辑。") % {"code": new.code})
            return redirect("rubric:version_detail", pk=new.pk)
    return render(request, "rubric/version_clone.html", {"version": version, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_GET
def version_export(request, pk: int, fmt: str):
    version = _get_version(request, pk)
    if fmt not in ("json", "xlsx"):
        raise Http404
    content = services.rubric_export(version=version, format=fmt, by=request.user, request=request)
    content_type = ("application/json; charset=utf-8" if fmt == "json"
                    else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="rubric-{version.code}.{fmt}"'
    return response


@require_GET
def version_history(request, pk: int):
    version = _get_version(request, pk)
    return render(request, "rubric/version_history.html", {"version": version, "entries": rubric_history(version=version)})


@require_GET
def version_compare(request):
    _require_admin(request)
    form = CompareForm(request.GET or None)
    changes = None
    if form.is_valid():
        changes = rubric_compare(old=form.cleaned_data["old"], new=form.cleaned_data["new"])
    return render(request, "rubric/version_compare.html", {"form": form, "changes": changes},
                  status=400 if request.GET and not form.is_valid() else 200)
