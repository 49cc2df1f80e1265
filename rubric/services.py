"""Writes to rubric versions. The only way to change a rubric: import, clone, edit a draft,
publish, retire, delete a draft.

Every service records who did it (django-simple-history's `_history_user`, plus an audit
event). Published and retired versions are immutable; the models refuse writes to them too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from audit.services import audit_record
from config.uploads import UploadRefused, check_xlsx_limits

from .models import Dimension, Element, EvidenceRequirement, Indicator, RubricVersion, _locked
from .schema import CODE_RE, RubricFormatError, RubricSpec, parse_rubric, requirement_problems
from .selectors import (  # noqa: F401  (reads re-exported: callers find every rubric verb here)
    REQUIREMENT_ADDED,
    Problem,
    newest_published_version,
    rubric_as_dict,
    rubric_compare,
    rubric_publish_problems,
    rubric_tree,
    tree_fingerprint,
)


class DraftChanged(Exception):
    """The draft was saved by someone else after the editor page was opened."""


class RubricPublishRefused(ValidationError):
    """Publishing was refused; `problems` lists every reason by code."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__([p.message for p in problems])


def _mark(obj, by, reason: str = ""):
    """Tell django-simple-history who made this change and why (CLI runs have no request)."""
    if by is not None:
        obj._history_user = by
    if reason:
        obj._change_reason = str(reason)
    return obj


def _plain(value) -> str:
    """Values for audit details: points as people write them."""
    from .schema import format_points

    return format_points(value) if isinstance(value, Decimal) else str(value)


def _require_draft(version: RubricVersion) -> None:
    if not version.is_editable:
        raise _locked(version.code)


def _check_new_code(code: str) -> None:
    if not CODE_RE.match(code or ""):
        raise ValidationError({"code": _("版本代码“%(code)s”只能包含小写字母、数字和连字符（最长 40 个字符）。") % {"code": code}})
    if RubricVersion.objects.filter(code=code).exists():
        raise ValidationError({"code": _("版本代码“%(code)s”已存在，请换一个。") % {"code": code}})


def _create_from_spec(spec: RubricSpec, *, by, based_on=None, reason: str) -> RubricVersion:
    """Write a spec as a new DRAFT version with history rows for every item."""
    version = _mark(RubricVersion(code=spec.code, name=spec.name, total=spec.total, based_on=based_on, created_by=by), by, reason)
    version.full_clean()
    version.save()
    dims, inds, elements = [], [], []
    order_b = order_c = 0
    for order_a, d in enumerate(spec.dimensions, start=1):
        dims.append(Dimension(version=version, code=d.code, name=d.name, methods=d.methods, order=order_a))
    dims = bulk_create_with_history(dims, Dimension, default_user=by, default_change_reason=reason)
    for dim, d in zip(dims, spec.dimensions):
        for i in d.indicators:
            order_b += 1
            inds.append(Indicator(version=version, dimension=dim, code=i.code, text=i.text, order=order_b))
    inds = bulk_create_with_history(inds, Indicator, default_user=by, default_change_reason=reason)
    specs = [i for d in spec.dimensions for i in d.indicators]
    for ind, i in zip(inds, specs):
        for e in i.elements:
            order_c += 1
            elements.append(Element(version=version, indicator=ind, code=e.code, text=e.text,
                                    points=e.points, step=e.step, order=order_c))
    bulk_create_with_history(elements, Element, default_user=by, default_change_reason=reason)
    ids = dict(Element.objects.filter(version=version).values_list("code", "id"))
    requirements = [
        EvidenceRequirement(version=version, element_id=ids[e.code], name=r.name, required=r.required,
                            kinds=",".join(r.kinds), note=r.note, order=n)
        for e in spec.elements() for n, r in enumerate(e.evidence, start=1)
    ]
    if requirements:
        bulk_create_with_history(requirements, EvidenceRequirement, default_user=by, default_change_reason=reason)
    return version


def rubric_parse_file(*, content: bytes, filename: str = "") -> RubricSpec:
    """Decode a JSON or xlsx rubric file into a validated spec (RubricFormatError otherwise)."""
    from .xlsx import rubric_dict_from_xlsx

    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        try:
            check_xlsx_limits(content)  # every workbook upload: the same inflate limit, before openpyxl
        except UploadRefused as exc:
            raise RubricFormatError([exc.message if exc.code == "too_big" else _("文件不是有效的 xlsx 工作簿。")]) from exc
        return parse_rubric(rubric_dict_from_xlsx(content))
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise RubricFormatError([_("文件不是 UTF-8 编码的 JSON，也不是 xlsx 工作簿。")]) from None
    except json.JSONDecodeError as exc:
        raise RubricFormatError(
            [_("JSON 格式错误（第 %(line)s 行第 %(col)s 列）：%(msg)s") % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}]
        ) from None
    return parse_rubric(data)


def rubric_import(*, content: bytes, filename: str = "", by=None, request=None) -> RubricVersion:
    """Load a JSON or xlsx file as a new DRAFT version; refuses (RubricFormatError) and writes nothing when bad."""
    try:
        spec = rubric_parse_file(content=content, filename=filename)
        if RubricVersion.objects.filter(code=spec.code).exists():
            raise RubricFormatError([_("细则：版本代码“%(code)s”已存在，导入会新建版本，请在文件中换一个代码。") % {"code": spec.code}])
        with transaction.atomic():
            version = _create_from_spec(spec, by=by, reason=_("导入文件 %(name)s") % {"name": filename or "-"})
    except RubricFormatError as exc:
        audit_record(event="rubric.import", request=request, user=by, outcome="failure",
                     filename=filename, errors=exc.errors[:20])
        raise
    except IntegrityError:  # a concurrent import took the same code between check and insert
        raise RubricFormatError([_("细则：版本代码“%(code)s”已存在。") % {"code": spec.code}]) from None
    audit_record(event="rubric.import", request=request, user=by, obj=version, filename=filename)
    return version


def rubric_export(*, version: RubricVersion, format: str = "json", by=None, request=None) -> bytes:
    """The version as a file: JSON in the import schema, or the xlsx layout of rubric.xlsx."""
    from .xlsx import rubric_xlsx

    data = rubric_as_dict(version=version)
    if format == "json":
        content = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    elif format == "xlsx":
        content = rubric_xlsx(data)
    else:
        raise ValueError(_("不支持的导出格式：%(f)s（可选 json、xlsx）。") % {"f": format})
    audit_record(event="rubric.export", request=request, user=by, obj=version, format=format)
    return content


def rubric_clone(*, version: RubricVersion, code: str, name: str = "", by=None, request=None) -> RubricVersion:
    """新建版本（复制）: a DRAFT copy of any version under a new code; the source is untouched."""
    _check_new_code(code)
    name = (name or "").strip()
    if name == version.name:
        raise ValidationError({"name": _("新版本名称不能与来源版本相同，请换一个（留空则自动加上新版本代码）。")})
    if not name:
        # Two versions called the same are mixed up in every round form and list: the copy
        # carries its own code in its name until the admin renames it.
        suffix = _("（%(code)s）") % {"code": code}
        name = version.name[: 200 - len(suffix)] + suffix
    # The tree is copied as it stands, even from an unfinished draft, so no re-validation here.
    from .schema import DimensionSpec, ElementSpec, IndicatorSpec, RequirementSpec

    tree = rubric_tree(version=version, requirements=True)
    spec = RubricSpec(
        code=code, name=name, total=version.total,
        dimensions=[
            DimensionSpec(code=d.code, name=d.name, points=d.points, methods=d.methods, indicators=[
                IndicatorSpec(code=i.code, text=i.text, points=i.points, elements=[
                    ElementSpec(code=e.code, text=e.text, points=e.points, step=e.step, evidence=[
                        RequirementSpec(name=r.name, required=r.required, kinds=r.kind_list, note=r.note)
                        for r in tree.requirements_of(e)
                    ]) for e in i.elements
                ]) for i in d.indicators
            ]) for d in tree.dimensions
        ],
    )
    with transaction.atomic():
        new = _create_from_spec(spec, by=by, based_on=version, reason=_("复制自 %(code)s") % {"code": version.code})
    audit_record(event="rubric.clone", request=request, user=by, obj=new, source=version.code)
    return new


def _decimal_or_none(value) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, (float, bool)):
        raise ValidationError(_("分值必须是十进制数，不能是浮点数。"))
    return Decimal(str(value))


def _stage_element(element: Element, *, points=None, step=None, text: str | None = None) -> dict:
    """Apply and check an element's new values in memory (no query); {field: (old, new)} of what changed."""
    before = {"points": element.points, "step": element.step, "text": element.text}
    try:
        if points is not None:
            element.points = _decimal_or_none(points)
        if step is not None:
            element.step = _decimal_or_none(step)
    except Exception:
        raise ValidationError({"points": _("%(code)s：分值不是有效数字。") % {"code": element.code}}) from None
    if element.points is None or element.points <= 0:
        raise ValidationError({"points": _("%(code)s：标准分必须大于 0。") % {"code": element.code}})
    if element.step is None or element.step <= 0:
        raise ValidationError({"step": _("%(code)s：评分步长必须大于 0。") % {"code": element.code}})
    if text is not None:
        element.text = text.strip()
        if not element.text:
            raise ValidationError({"text": _("%(code)s：内容不能为空。") % {"code": element.code}})
    changed = {k: (v, getattr(element, k)) for k, v in before.items() if v != getattr(element, k)}
    if changed:
        # Field validators and clean() only: the code (the one unique field) is never edited,
        # and the check constraints were tested just above, so no query per element.
        element.full_clean(exclude=["version", "indicator"], validate_unique=False, validate_constraints=False)
    return changed


def _stage_dimension(dimension: Dimension, *, name: str | None = None, methods: str | None = None) -> dict:
    before = {"name": dimension.name, "methods": dimension.methods}
    if name is not None:
        dimension.name = name.strip()
        if not dimension.name:
            raise ValidationError({"name": _("%(code)s：名称不能为空。") % {"code": dimension.code}})
    if methods is not None:
        dimension.methods = methods.strip()
    changed = {k: (v, getattr(dimension, k)) for k, v in before.items() if v != getattr(dimension, k)}
    if changed:
        dimension.full_clean(exclude=["version"], validate_unique=False, validate_constraints=False)
    return changed


def _stage_indicator(indicator: Indicator, *, text: str) -> dict:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("%(code)s：内容不能为空。") % {"code": indicator.code}})
    if text == indicator.text:
        return {}
    old, indicator.text = indicator.text, text
    indicator.full_clean(exclude=["version", "dimension"], validate_unique=False, validate_constraints=False)
    return {"text": (old, text)}


def _stage_version(version: RubricVersion, *, name: str | None = None, total=None) -> dict:
    before = {"name": version.name, "total": version.total}
    if name is not None:
        version.name = name.strip()
    if total is not None:
        version.total = _decimal_or_none(total)
    changed = {k: (v, getattr(version, k)) for k, v in before.items() if v != getattr(version, k)}
    if changed:
        version.full_clean()
        if version.total <= 0:
            raise ValidationError({"total": _("总分必须大于 0。")})
    return changed


def _audit_changes(changed: dict) -> dict:
    return {k: [_plain(a), _plain(b)] for k, (a, b) in changed.items()}


def _update_one(obj, changed: dict, *, version: RubricVersion, item: str, by, request, reason: str):
    if changed:
        with transaction.atomic():
            _mark(obj, by, reason).save()
            audit_record(event="rubric.update", request=request, user=by, obj=version, item=item,
                         changes=_audit_changes(changed))
    return obj


def element_update(
    *, element: Element, points=None, step=None, text: str | None = None, by=None, request=None, reason: str = ""
) -> Element:
    """Change an element's points, step and/or text in a DRAFT version (ValidationError at the field otherwise)."""
    _require_draft(element.version)
    changed = _stage_element(element, points=points, step=step, text=text)
    return _update_one(element, changed, version=element.version, item=element.code, by=by, request=request, reason=reason)


def dimension_update(*, dimension: Dimension, name: str | None = None, methods: str | None = None,
                     by=None, request=None, reason: str = "") -> Dimension:
    """Change an A item's name and/or 评估方法 in a DRAFT version."""
    _require_draft(dimension.version)
    changed = _stage_dimension(dimension, name=name, methods=methods)
    return _update_one(dimension, changed, version=dimension.version, item=dimension.code, by=by, request=request,
                       reason=reason)


def indicator_update(*, indicator: Indicator, text: str, by=None, request=None, reason: str = "") -> Indicator:
    """Change a B item's text in a DRAFT version."""
    _require_draft(indicator.version)
    changed = _stage_indicator(indicator, text=text)
    return _update_one(indicator, changed, version=indicator.version, item=indicator.code, by=by, request=request,
                       reason=reason)


def version_update(*, version: RubricVersion, name: str | None = None, total=None,
                   by=None, request=None, reason: str = "") -> RubricVersion:
    """Change a DRAFT version's name and/or declared total."""
    _require_draft(version)
    changed = _stage_version(version, name=name, total=total)
    return _update_one(version, changed, version=version, item=version.code, by=by, request=request, reason=reason)


@dataclass
class DraftEdit:
    """Requested changes to a draft, by item: {element: {"points":…, "step":…, "text":…}, …}.

    Evidence requirements: `requirements` {requirement: {"name", "required", "kinds", "note"}}
    changes existing ones, `new_requirements` [(element, {…})] adds, `deleted_requirements` removes.
    """

    version: dict
    dimensions: dict
    indicators: dict
    elements: dict
    requirements: dict = dc_field(default_factory=dict)
    new_requirements: list = dc_field(default_factory=list)
    deleted_requirements: list = dc_field(default_factory=list)

    def has_changes(self) -> bool:
        return bool(self.version or self.dimensions or self.indicators or self.elements
                    or self.requirements or self.new_requirements or self.deleted_requirements)


def rubric_draft_save(*, version: RubricVersion, edit: DraftEdit, by=None, request=None,
                      fingerprint: str | None = None) -> int:
    """Apply many edits to one draft at once, all or nothing; returns how many items changed.

    Raises ValidationError whose error_dict is keyed "<code>.<field>" so the page shows each
    message at its cell, and DraftChanged when `fingerprint` (tree_fingerprint of the page the
    edits were made on) no longer matches the stored draft. A constant number of queries
    whatever the number of edits: items are checked in memory, then written in bulk with
    their history rows and one audit event.
    """
    _require_draft(version)
    errors: dict[str, list] = {}
    staged: dict[type, list] = {Dimension: [], Indicator: [], Element: []}
    fields: dict[type, set] = {Dimension: set(), Indicator: set(), Element: set()}
    audit_items: dict[str, dict] = {}
    version_changed: dict = {}
    for target, values, stage in (
        [(version, edit.version, _stage_version)]
        + [(obj, v, _stage_dimension) for obj, v in edit.dimensions.items()]
        + [(obj, v, _stage_indicator) for obj, v in edit.indicators.items()]
        + [(obj, v, _stage_element) for obj, v in edit.elements.items()]
    ):
        if not values:
            continue
        key = "version" if isinstance(target, RubricVersion) else target.code
        try:
            changed = stage(target, **values)
        except ValidationError as exc:
            for field, messages in (exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]):
                errors.setdefault(f"{key}.{field}", []).extend(messages)
            continue
        if not changed:
            continue
        audit_items[target.code] = _audit_changes(changed)
        if isinstance(target, RubricVersion):
            version_changed = changed
        else:
            staged[type(target)].append(_mark(target, by))
            fields[type(target)].update(changed)
    requirement_work = _stage_requirements(version, edit, errors, audit_items) if (
        edit.requirements or edit.new_requirements or edit.deleted_requirements) else None
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The row lock serializes two admins saving the same draft; the second one is checked
        # against what the first one stored.
        locked = RubricVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != RubricVersion.Status.DRAFT:
            raise _locked(locked.code)
        if fingerprint is not None and tree_fingerprint(rubric_tree(version=locked, requirements=True)) != fingerprint:
            raise DraftChanged
        if version_changed:
            _mark(version, by).save()
        now = timezone.now()
        for model, objs in staged.items():
            if objs:
                # The version row is locked as a draft above, which is what VersionLockedMixin.save checks.
                bulk_update_with_history(objs, model, sorted(fields[model]), default_user=by, default_date=now)
        if requirement_work is not None:
            _write_requirements(requirement_work, by=by, now=now)
        if audit_items:
            audit_record(event="rubric.update", request=request, user=by, obj=version, items=audit_items)
    return len(audit_items)


@dataclass
class _RequirementWork:
    updated: list
    fields: set
    created: list
    deleted: list


def _stage_requirements(version: RubricVersion, edit: DraftEdit, errors: dict, audit_items: dict) -> _RequirementWork:
    """Check the requirement edits in memory (one query for the draft's requirements); errors keyed
    "<element code>.r-<id>-<field>" for existing ones and "<element code>.n-<element id>-<field>" for new ones."""
    from .selectors import requirements_by_element

    current = requirements_by_element(version=version)
    work = _RequirementWork(updated=[], fields=set(), created=[], deleted=[])
    deleted_ids = {r.pk for r in edit.deleted_requirements}
    for r in edit.deleted_requirements:
        if r.version_id != version.pk:
            raise ValidationError(_("佐证要求不属于该细则版本。"))
        work.deleted.append(r)
        audit_items[f"{r.element.code}·{r.name}"] = {"deleted": r.name}
    names: dict[int, dict[str, str]] = {}  # element id → {name: the form field that holds it}
    for element_id, items in current.items():
        names[element_id] = {r.name: f"r-{r.pk}-name" for r in items if r.pk not in deleted_ids}
    for r, values in edit.requirements.items():
        if r.pk in deleted_ids or r.version_id != version.pk:
            continue
        code = r.element.code
        before = {"name": r.name, "required": r.required, "kinds": r.kinds, "note": r.note}
        after = {"name": (values.get("name") or "").strip(), "required": bool(values.get("required")),
                 "kinds": ",".join(values.get("kinds") or ()), "note": (values.get("note") or "").strip()}
        problems = requirement_problems(name=after["name"], kinds=list(values.get("kinds") or ()), note=after["note"])
        for name, message in problems.items():
            errors.setdefault(f"{code}.r-{r.pk}-{name}", []).append(message)
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        if problems or not changed:
            continue
        if "name" in changed:
            taken = names.setdefault(r.element_id, {})
            taken.pop(before["name"], None)
            if after["name"] in taken and taken[after["name"]] != f"r-{r.pk}-name":
                errors.setdefault(f"{code}.r-{r.pk}-name", []).append(
                    _("%(code)s 已有名为“%(name)s”的佐证要求。") % {"code": code, "name": after["name"]})
                continue
            taken[after["name"]] = f"r-{r.pk}-name"
        for k, (_old, new) in changed.items():
            setattr(r, k, new)
        work.updated.append(r)
        work.fields.update(changed)
        audit_items[f"{code}·{after['name']}"] = _audit_changes(changed)
    next_order = {element_id: max((r.order for r in items), default=0) for element_id, items in current.items()}
    for element, values in edit.new_requirements:
        if element.version_id != version.pk:
            raise ValidationError(_("评估要素不属于该细则版本。"))
        name = (values.get("name") or "").strip()
        kinds = list(values.get("kinds") or ())
        note = (values.get("note") or "").strip()
        problems = requirement_problems(name=name, kinds=kinds, note=note)
        taken = names.setdefault(element.pk, {})
        if not problems and name in taken:
            problems["name"] = _("%(code)s 已有名为“%(name)s”的佐证要求。") % {"code": element.code, "name": name}
        for field_name, message in problems.items():
            errors.setdefault(f"{element.code}.n-{element.pk}-{field_name}", []).append(message)
        if problems:
            continue
        taken[name] = f"n-{element.pk}-name"
        next_order[element.pk] = next_order.get(element.pk, 0) + 1
        work.created.append(EvidenceRequirement(
            version=version, element=element, name=name, required=bool(values.get("required")),
            kinds=",".join(kinds), note=note, order=next_order[element.pk]))
        audit_items[f"{element.code}·{name}"] = {"added": name}
    return work


def _write_requirements(work: _RequirementWork, *, by, now) -> None:
    """Bulk writes with their history rows: a constant number of queries whatever the count."""
    if work.updated:
        bulk_update_with_history(work.updated, EvidenceRequirement, sorted(work.fields), default_user=by, default_date=now)
    if work.created:
        bulk_create_with_history(work.created, EvidenceRequirement, default_user=by, default_date=now,
                                 default_change_reason=REQUIREMENT_ADDED)
    if work.deleted:
        History = EvidenceRequirement.history.model
        History.objects.bulk_create([
            History(history_date=now, history_user=by, history_type="-", history_change_reason="",
                    **{f.attname: getattr(r, f.attname) for f in History.tracked_fields})
            for r in work.deleted
        ])
        # One DELETE for all (a queryset delete would write one history row per object through signals).
        EvidenceRequirement.objects.filter(pk__in=[r.pk for r in work.deleted])._raw_delete(EvidenceRequirement.objects.db)


def rubric_publish(*, version: RubricVersion, by=None, request=None, fingerprint: str | None = None) -> RubricVersion:
    """Publish a DRAFT once it has no problem at all; RubricPublishRefused lists every problem by code.

    With `fingerprint` (the editor page's tree_fingerprint), a draft changed since that page
    was opened is refused with DraftChanged: what is published is what the admin saw.
    """
    with transaction.atomic():
        # Lock the row and re-read its status: two admins may press 发布 at once.
        current = RubricVersion.objects.select_for_update().get(pk=version.pk)
        if current.status != RubricVersion.Status.DRAFT:
            raise _locked(version.code)
        if fingerprint is not None and tree_fingerprint(rubric_tree(version=current, requirements=True)) != fingerprint:
            raise DraftChanged
        problems = rubric_publish_problems(version=current)
        if problems:
            transaction.set_rollback(True)
        else:
            version.status = RubricVersion.Status.PUBLISHED
            version.published_at = timezone.now()
            _mark(version, by).save(update_fields=["status", "published_at"])
    if problems:
        audit_record(event="rubric.publish", request=request, user=by, obj=version, outcome="failure",
                     problems=[p.message for p in problems[:50]])
        raise RubricPublishRefused(problems)
    audit_record(event="rubric.publish", request=request, user=by, obj=version)
    return version


def rubric_retire(*, version: RubricVersion, by=None, request=None) -> RubricVersion:
    """停用: hide a published version from new rounds; rounds already on it keep reading it."""
    if version.status != RubricVersion.Status.PUBLISHED:
        raise ValidationError(_("只有已发布的版本可以停用（%(code)s 当前为“%(status)s”）。")
                              % {"code": version.code, "status": version.get_status_display()})
    with transaction.atomic():
        if RubricVersion.objects.select_for_update().get(pk=version.pk).status != RubricVersion.Status.PUBLISHED:
            raise ValidationError(_("只有已发布的版本可以停用（%(code)s）。") % {"code": version.code})
        version.status = RubricVersion.Status.RETIRED
        version.retired_at = timezone.now()
        _mark(version, by).save(update_fields=["status", "retired_at"])
        audit_record(event="rubric.retire", request=request, user=by, obj=version)
    return version


def rubric_delete(*, version: RubricVersion, by=None, request=None) -> None:
    """Delete a DRAFT that no round uses (mistaken imports and clones)."""
    _require_draft(version)
    if version.rounds.exists():
        raise ValidationError(_("版本 %(code)s 已被评估批次使用，不能删除。") % {"code": version.code})
    code = version.code
    with transaction.atomic():
        audit_record(event="rubric.delete", request=request, user=by, obj=version, code=code)
        _mark(version, by).delete()
