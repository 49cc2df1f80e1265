"""Parse and validate the rubric JSON format (the CLI's and the page's import/export schema).

Pure Python, no models: the import service and the data migration that loads the
Xi'an fixture both use it, so a file is judged the same way everywhere.

    {"schema": 2, "code", "name", "total", "dimensions": [{"code", "name", "points", "methods",
      "indicators": [{"code", "text", "points", "elements": [{"code", "text", "points", "step"?,
        "evidence": [{"name", "required", "kinds": ["document", "image", "spreadsheet"], "note"?}]}]}]}]}

Schema 2 adds each element's evidence requirements (佐证要求: what a school files for it). A file
without "schema" is schema 1, as written before requirements existed: it still imports, with none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

DEFAULT_STEP = Decimal("0.5")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
SCHEMA = 2  # what export writes
SCHEMAS = (1, 2)  # what import reads
# Kinds of evidence file a requirement accepts, and their names in the workbook and on pages.
# Which kind a file is comes from its content (config.uploads.evidence_kind).
EVIDENCE_KINDS = {"document": "文档", "image": "图片", "spreadsheet": "表格"}
_KIND_BY_LABEL = {label: key for key, label in EVIDENCE_KINDS.items()}
REQUIREMENT_NAME_MAX = 100
REQUIREMENT_NOTE_MAX = 500


def kind_labels(kinds) -> str:
    """"文档、图片" for ["document", "image"], in the fixed order of EVIDENCE_KINDS."""
    return "、".join(label for key, label in EVIDENCE_KINDS.items() if key in set(kinds))


def kinds_from_text(text: str) -> list[str] | None:
    """Kinds from "文档、图片" (or the keys, comma or 、 separated); None when any is unknown or none given."""
    parts = [p for p in re.split(r"[、,，;；/\s]+", text or "") if p]
    kinds = []
    for part in parts:
        key = _KIND_BY_LABEL.get(part, part if part in EVIDENCE_KINDS else None)
        if key is None:
            return None
        if key not in kinds:
            kinds.append(key)
    return [k for k in EVIDENCE_KINDS if k in kinds] or None


def requirement_problems(*, name: str, kinds, note: str = "") -> dict[str, str]:
    """What is wrong with one requirement, by field (empty: fine). The model, the schema and the
    editor all judge a requirement with it."""
    from config.text import is_invisible_or_control

    problems = {}
    if not (name or "").strip():
        problems["name"] = _("材料名称不能为空。")
    elif len(name) > REQUIREMENT_NAME_MAX:
        problems["name"] = _("材料名称最多 %(n)s 个字符。") % {"n": REQUIREMENT_NAME_MAX}
    elif any(is_invisible_or_control(c) for c in name):
        problems["name"] = _("材料名称不能包含换行、制表符等控制字符或不可见字符。")
    if not kinds or any(k not in EVIDENCE_KINDS for k in kinds) or len(set(kinds)) != len(kinds):
        problems["kinds"] = _("接受的类型须从%(kinds)s中选择至少一种。") % {"kinds": "、".join(EVIDENCE_KINDS.values())}
    if len(note or "") > REQUIREMENT_NOTE_MAX:
        problems["note"] = _("说明最多 %(n)s 个字符。") % {"n": REQUIREMENT_NOTE_MAX}
    elif any(is_invisible_or_control(c) and c not in "\n\t" for c in note or ""):
        problems["note"] = _("说明不能包含控制字符或不可见字符。")
    return problems


class RubricFormatError(ValueError):
    """A rubric file that cannot be loaded; `errors` lists every problem in Chinese."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class RequirementSpec:
    name: str
    required: bool = True
    kinds: list[str] = field(default_factory=lambda: ["document", "image"])
    note: str = ""

    def as_dict(self) -> dict:
        return {"name": self.name, "required": self.required, "kinds": list(self.kinds), "note": self.note}


@dataclass
class ElementSpec:
    code: str
    text: str
    points: Decimal
    step: Decimal = DEFAULT_STEP
    evidence: list[RequirementSpec] = field(default_factory=list)


@dataclass
class IndicatorSpec:
    code: str
    text: str
    points: Decimal
    elements: list[ElementSpec] = field(default_factory=list)


@dataclass
class DimensionSpec:
    code: str
    name: str
    points: Decimal
    methods: str
    indicators: list[IndicatorSpec] = field(default_factory=list)


@dataclass
class RubricSpec:
    code: str
    name: str
    total: Decimal
    dimensions: list[DimensionSpec] = field(default_factory=list)
    schema: int = SCHEMA

    def elements(self) -> list[ElementSpec]:
        return [e for d in self.dimensions for i in d.indicators for e in i.elements]


def _decimal(value, where: str, errors: list[str]) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        # floats are refused on purpose: 0.1 + 0.2 must never reach a score.
        errors.append(_('%(where)s：分值必须写成十进制字符串（如 "1" 或 "0.5"），收到 %(got)s。') % {"where": where, "got": _repr(value)})
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors.append(_("%(where)s：分值“%(value)s”不是有效数字。") % {"where": where, "value": value})
        return None
    if not number.is_finite():
        errors.append(_("%(where)s：分值“%(value)s”不是有效数字。") % {"where": where, "value": value})
        return None
    if number != number.quantize(Decimal("0.01")):
        errors.append(_("%(where)s：分值“%(value)s”最多保留两位小数。") % {"where": where, "value": value})
        return None
    return number


def _text(obj: dict, key: str, where: str, errors: list[str], required: bool = True) -> str:
    value = obj.get(key, "")
    if not isinstance(value, str):
        errors.append(_("%(where)s：字段“%(key)s”必须是文本。") % {"where": where, "key": key})
        return ""
    value = value.strip()
    if required and not value:
        errors.append(_("%(where)s：字段“%(key)s”不能为空。") % {"where": where, "key": key})
    return value


def _list(obj: dict, key: str, where: str, errors: list[str]) -> list:
    value = obj.get(key)
    if not isinstance(value, list) or not value:
        errors.append(_("%(where)s：字段“%(key)s”必须是非空列表。") % {"where": where, "key": key})
        return []
    return value


def parse_rubric(data) -> RubricSpec:
    """Validate a decoded JSON document; raise RubricFormatError listing every problem."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise RubricFormatError([_("文件内容必须是一个 JSON 对象。")])

    schema = data.get("schema", 1)
    if isinstance(schema, bool) or schema not in SCHEMAS:
        errors.append(_("细则：不支持的格式版本 schema=%(v)s（本系统读取 1 和 2）。") % {"v": _repr(schema)[:20]})
        schema = SCHEMA
    code = _text(data, "code", _("细则"), errors)
    if code and not CODE_RE.match(code):
        errors.append(_("细则：版本代码“%(code)s”只能包含小写字母、数字和连字符（最长 40 个字符）。") % {"code": code})
    spec = RubricSpec(
        code=code,
        name=_text(data, "name", _("细则"), errors),
        total=_decimal(data.get("total"), _("细则 total"), errors) or Decimal("0"),
        schema=schema,
    )
    seen: set[str] = set()

    def check_code(value: str, prefix: str, where: str):
        if not re.fullmatch(rf"{prefix}[1-9][0-9]*", value or ""):
            errors.append(_("%(where)s：编号“%(value)s”格式不对，应为 %(prefix)s1、%(prefix)s2……") % {"where": where, "value": value, "prefix": prefix})
        elif value in seen:
            errors.append(_("%(where)s：编号“%(value)s”重复。") % {"where": where, "value": value})
        seen.add(value)

    for d_raw in _list(data, "dimensions", _("细则"), errors):
        if not isinstance(d_raw, dict):
            errors.append(_("细则：dimensions 中的每一项都必须是对象。"))
            continue
        d_code = _text(d_raw, "code", _("一级指标"), errors)
        check_code(d_code, "A", _("一级指标 %(code)s") % {"code": d_code})
        dim = DimensionSpec(
            code=d_code,
            name=_text(d_raw, "name", _("一级指标 %(code)s") % {"code": d_code}, errors),
            points=_decimal(d_raw.get("points"), _("一级指标 %(code)s points") % {"code": d_code}, errors) or Decimal("0"),
            methods=_text(d_raw, "methods", _("一级指标 %(code)s") % {"code": d_code}, errors, required=False),
        )
        for i_raw in _list(d_raw, "indicators", _("一级指标 %(code)s") % {"code": d_code}, errors):
            if not isinstance(i_raw, dict):
                errors.append(_("一级指标 %(code)s：indicators 中的每一项都必须是对象。") % {"code": d_code})
                continue
            i_code = _text(i_raw, "code", _("二级指标"), errors)
            check_code(i_code, "B", _("二级指标 %(code)s") % {"code": i_code})
            ind = IndicatorSpec(
                code=i_code,
                text=_text(i_raw, "text", _("二级指标 %(code)s") % {"code": i_code}, errors),
                points=_decimal(i_raw.get("points"), _("二级指标 %(code)s points") % {"code": i_code}, errors) or Decimal("0"),
            )
            for e_raw in _list(i_raw, "elements", _("二级指标 %(code)s") % {"code": i_code}, errors):
                if not isinstance(e_raw, dict):
                    errors.append(_("二级指标 %(code)s：elements 中的每一项都必须是对象。") % {"code": i_code})
                    continue
                e_code = _text(e_raw, "code", _("评估要素"), errors)
                check_code(e_code, "C", _("评估要素 %(code)s") % {"code": e_code})
                points = _decimal(e_raw.get("points"), _("评估要素 %(code)s points") % {"code": e_code}, errors)
                step = _decimal(e_raw.get("step", str(DEFAULT_STEP)), _("评估要素 %(code)s step") % {"code": e_code}, errors)
                if points is not None and points <= 0:
                    errors.append(_("评估要素 %(code)s：标准分必须大于 0。") % {"code": e_code})
                if step is not None and step <= 0:
                    errors.append(_("评估要素 %(code)s：评分步长必须大于 0。") % {"code": e_code})
                elif points is not None and step is not None and points > 0 and points % step != 0:
                    errors.append(_("评估要素 %(code)s：评分步长 %(step)s 不能整除标准分 %(points)s。") % {"code": e_code, "step": step, "points": points})
                ind.elements.append(
                    ElementSpec(
                        code=e_code,
                        text=_text(e_raw, "text", _("评估要素 %(code)s") % {"code": e_code}, errors),
                        points=points or Decimal("0"),
                        step=step or DEFAULT_STEP,
                        evidence=_requirements(e_raw, e_code, schema, errors),
                    )
                )
            element_sum = sum((e.points for e in ind.elements), Decimal("0"))
            if ind.elements and element_sum != ind.points:
                errors.append(
                    _("二级指标 %(code)s：标明 %(stated)s 分，但其评估要素合计 %(sum)s 分。") % {"code": i_code, "stated": _fmt(ind.points), "sum": _fmt(element_sum)}
                )
            dim.indicators.append(ind)
        indicator_sum = sum((i.points for i in dim.indicators), Decimal("0"))
        if dim.indicators and indicator_sum != dim.points:
            errors.append(
                _("一级指标 %(code)s：标明 %(stated)s 分，但其二级指标合计 %(sum)s 分。") % {"code": d_code, "stated": _fmt(dim.points), "sum": _fmt(indicator_sum)}
            )
        spec.dimensions.append(dim)

    grand = sum((d.points for d in spec.dimensions), Decimal("0"))
    if spec.dimensions and grand != spec.total:
        errors.append(_("细则：标明总分 %(stated)s 分，但一级指标合计 %(sum)s 分。") % {"stated": _fmt(spec.total), "sum": _fmt(grand)})
    if errors:
        raise RubricFormatError(errors)
    return spec


def _requirements(e_raw: dict, e_code: str, schema: int, errors: list[str]) -> list[RequirementSpec]:
    """The element's "evidence" list (schema 2); every problem named by element and item number."""
    raw = e_raw.get("evidence")
    if raw is None:
        return []
    where = _("评估要素 %(code)s") % {"code": e_code}
    if schema < 2:
        errors.append(_('%(where)s：佐证要求（evidence）须在 "schema": 2 的文件中填写。') % {"where": where})
        return []
    if not isinstance(raw, list):
        errors.append(_("%(where)s：evidence 必须是列表。") % {"where": where})
        return []
    found, names = [], set()
    for n, item in enumerate(raw, start=1):
        at = _("%(where)s 第 %(n)s 项佐证要求") % {"where": where, "n": n}
        if not isinstance(item, dict):
            errors.append(_("%(at)s：必须是对象。") % {"at": at})
            continue
        name = item.get("name", "")
        name = name.strip() if isinstance(name, str) else None
        required = item.get("required", True)
        kinds = item.get("kinds", ["document", "image"])
        note = item.get("note", "")
        if name is None:
            errors.append(_("%(at)s：name 必须是文本。") % {"at": at})
            continue
        if not isinstance(required, bool):
            errors.append(_("%(at)s：required 必须是 true 或 false。") % {"at": at})
            continue
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            errors.append(_("%(at)s：kinds 必须是列表，如 [\"document\", \"image\"]。") % {"at": at})
            continue
        if not isinstance(note, str):
            errors.append(_("%(at)s：note 必须是文本。") % {"at": at})
            continue
        problems = requirement_problems(name=name, kinds=kinds, note=note)
        for message in problems.values():
            errors.append(f"{at}：{message}")
        if name in names:
            errors.append(_("%(at)s：材料名称“%(name)s”重复。") % {"at": at, "name": name[:30]})
        names.add(name)
        if not problems:
            found.append(RequirementSpec(name=name, required=required,
                                         kinds=[k for k in EVIDENCE_KINDS if k in kinds], note=note.strip()))
    return found


def _repr(value) -> str:
    return repr(value)


def _fmt(value: Decimal) -> str:
    """1.00 → 1, 0.50 → 0.5: points as people write them."""
    text = format(value.normalize(), "f")
    return text


def format_points(value: Decimal) -> str:
    return _fmt(Decimal(value))
