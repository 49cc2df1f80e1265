"""Writes for districts and schools. The only way school rows are created or changed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .importing import SchoolRow
from .models import District, School

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
SCHOOL_FIELDS = ("code", "name", "district", "stage", "location", "address", "principal")
# Header shown to the user for each School field, so model errors land in the right column.
FIELD_HEADERS = {
    "code": "学校代码",
    "name": "学校名称",
    "district": "所属区县",
    "stage": "学段",
    "location": "城乡类别",
    "address": "地址",
    "principal": "校长",
}


class SchoolImportError(ValueError):
    """Rows that were refused; `errors` holds one Chinese message per bad cell."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class SchoolImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)


def school_create(
    *, code: str, name: str, district: District, stage: str, location: str, address: str = "", principal: str = ""
) -> School:
    """Create one school after full validation."""
    school = School(
        code=code, name=name, district=district, stage=stage, location=location, address=address, principal=principal
    )
    with transaction.atomic():
        school.full_clean()
        school.save()
    return school


def school_update(*, school: School, **fields) -> School:
    """Change the given fields of a school after full validation; returns it."""
    unknown = set(fields) - set(SCHOOL_FIELDS)
    if unknown:
        raise TypeError(f"unknown school fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(school, name, value)
    with transaction.atomic():
        school.full_clean()
        school.save()
    return school


def _choice_value(label: str, choices) -> str | None:
    for value, choice_label in choices:
        if label in (str(choice_label), value):
            return value
    return None


def _cell_error(row: int, column: str, message: str) -> str:
    return _("第 %(row)d 行「%(col)s」：%(msg)s") % {"row": row, "col": column, "msg": message}


def _max_length(name: str) -> int:
    return School._meta.get_field(name).max_length


def school_import(*, rows: list[SchoolRow]) -> SchoolImportResult:
    """Create or update schools keyed on 学校代码, all or nothing.

    Every row is checked first and every problem reported with its row and column;
    if any row is bad, SchoolImportError is raised and nothing is written.
    """
    districts = list(District.objects.all())
    by_name = {d.name: d for d in districts}
    by_code = {d.code.upper(): d for d in districts}
    codes_in_file = [r.values.get("学校代码", "").strip() for r in rows]
    existing = {s.code: s for s in School.objects.select_related("district").filter(code__in=[c for c in codes_in_file if c])}
    stage_labels = "/".join(str(label) for _v, label in School.Stage.choices)
    location_labels = "/".join(str(label) for _v, label in School.Location.choices)

    errors: list[str] = []
    first_row_of_code: dict[str, int] = {}
    planned: list[tuple[School, bool, bool]] = []  # (school, is_new, changed)
    for row in rows:
        n = row.number
        v = {key: (row.values.get(key) or "").strip() for key in FIELD_HEADERS.values()}
        row_errors: list[str] = []

        code = v["学校代码"]
        if not code:
            row_errors.append(_cell_error(n, "学校代码", _("不能为空。")))
        elif len(code) > _max_length("code"):
            row_errors.append(_cell_error(n, "学校代码", _("“%(v)s”过长（最多 %(max)d 个字符）。") % {"v": code, "max": _max_length("code")}))
        elif not CODE_RE.match(code):
            row_errors.append(_cell_error(n, "学校代码", _("“%(v)s”只能包含字母、数字和连字符。") % {"v": code}))
        elif code in first_row_of_code:
            row_errors.append(
                _cell_error(n, "学校代码", _("“%(v)s”与第 %(first)d 行重复。") % {"v": code, "first": first_row_of_code[code]})
            )
        else:
            first_row_of_code[code] = n

        name = v["学校名称"]
        if not name:
            row_errors.append(_cell_error(n, "学校名称", _("不能为空。")))

        district = None
        district_text = v["所属区县"]
        if not district_text:
            row_errors.append(_cell_error(n, "所属区县", _("不能为空。")))
        else:
            district = by_name.get(district_text) or by_code.get(district_text.upper())
            if district is None:
                row_errors.append(
                    _cell_error(n, "所属区县", _("“%(v)s”不是已知的区县（请填写区县名称或代码，如 雁塔区 或 610113）。") % {"v": district_text})
                )

        stage = _choice_value(v["学段"], School.Stage.choices)
        if not v["学段"]:
            row_errors.append(_cell_error(n, "学段", _("不能为空（%(labels)s）。") % {"labels": stage_labels}))
        elif stage is None:
            row_errors.append(
                _cell_error(n, "学段", _("“%(v)s”不是有效的学段（%(labels)s）。") % {"v": v["学段"], "labels": stage_labels})
            )

        location = _choice_value(v["城乡类别"], School.Location.choices)
        if not v["城乡类别"]:
            row_errors.append(_cell_error(n, "城乡类别", _("不能为空（%(labels)s）。") % {"labels": location_labels}))
        elif location is None:
            row_errors.append(
                _cell_error(
                    n, "城乡类别", _("“%(v)s”不是有效的城乡类别（%(labels)s）。") % {"v": v["城乡类别"], "labels": location_labels}
                )
            )

        if row_errors:
            errors.extend(row_errors)
            continue

        values = {
            "code": code, "name": name, "district": district, "stage": stage, "location": location,
            "address": v["地址"], "principal": v["校长"],
        }
        school = existing.get(code)
        is_new = school is None
        if is_new:
            school = School(**values)
            changed = True
        else:
            changed = any(getattr(school, k) != val for k, val in values.items())
            for key, val in values.items():
                setattr(school, key, val)
        try:
            # Uniqueness of codes is settled above in one query, not per row.
            school.full_clean(validate_unique=False)
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                column = FIELD_HEADERS.get(field_name, field_name)
                errors.extend(_cell_error(n, column, str(m)) for m in messages)
            continue
        planned.append((school, is_new, changed))

    if errors:
        raise SchoolImportError(errors)

    result = SchoolImportResult()
    with transaction.atomic():
        new = [s for s, is_new, _c in planned if is_new]
        changed = [s for s, is_new, c in planned if not is_new and c]
        School.objects.bulk_create(new, batch_size=500)
        if changed:
            now = timezone.now()  # bulk_update skips auto_now
            for school in changed:
                school.updated_at = now
            School.objects.bulk_update(changed, [f for f in SCHOOL_FIELDS if f != "code"] + ["updated_at"], batch_size=500)
    for school, is_new, was_changed in planned:
        if is_new:
            result.created.append(school.code)
        elif was_changed:
            result.updated.append(school.code)
        else:
            result.unchanged.append(school.code)
    return result
