"""Read queries for rubrics. A's and B's points are derived here from their elements."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from .models import Dimension, Element, EvidenceRequirement, Indicator, RubricVersion


@dataclass
class IndicatorNode:
    indicator: Indicator
    elements: list[Element] = field(default_factory=list)

    @property
    def points(self) -> Decimal:
        return sum((e.points for e in self.elements), Decimal("0"))

    def __getattr__(self, name):  # code, text … read through to the model
        return getattr(self.indicator, name)


@dataclass
class DimensionNode:
    dimension: Dimension
    indicators: list[IndicatorNode] = field(default_factory=list)

    @property
    def points(self) -> Decimal:
        return sum((i.points for i in self.indicators), Decimal("0"))

    @property
    def elements(self) -> list[Element]:
        return [e for i in self.indicators for e in i.elements]

    def __getattr__(self, name):
        return getattr(self.dimension, name)


@dataclass
class RubricTree:
    version: RubricVersion
    dimensions: list[DimensionNode] = field(default_factory=list)
    # Evidence requirements by element id, when read (rubric_tree(..., requirements=True)).
    requirements: dict[int, list[EvidenceRequirement]] | None = None

    def requirements_of(self, element) -> list[EvidenceRequirement]:
        return (self.requirements or {}).get(element.pk, [])

    @property
    def points(self) -> Decimal:
        return sum((d.points for d in self.dimensions), Decimal("0"))

    @property
    def elements(self) -> list[Element]:
        return [e for d in self.dimensions for e in d.elements]

    @property
    def indicators(self) -> list[IndicatorNode]:
        return [i for d in self.dimensions for i in d.indicators]


def tree_fingerprint(tree: RubricTree) -> str:
    """A digest of everything the draft editor can change.

    The editor posts it back with its form: a save made on a page opened before someone
    else's save is refused instead of silently putting the older values back.
    """
    v = tree.version
    if tree.requirements is None:  # a tree read without them: the requirements are editable too
        tree.requirements = requirements_by_element(version=v)
    parts = [v.name, format(v.total, "f")]
    for d in tree.dimensions:
        parts += [d.code, d.name, d.methods]
        for i in d.indicators:
            parts += [i.code, i.text]
            for e in i.elements:
                parts += [e.code, e.text, format(e.points, "f"), format(e.step, "f")]
                for r in tree.requirements_of(e):
                    parts += [str(r.pk), r.name, str(r.required), r.kinds, r.note]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def rubric_tree(*, version: RubricVersion, requirements: bool = False) -> RubricTree:
    """The whole A → B → C tree of one version in three queries, points derived; with
    `requirements`, each element's evidence requirements too (one more query)."""
    tree = RubricTree(version=version)
    dims = {d.id: DimensionNode(d) for d in Dimension.objects.filter(version=version).order_by("order", "id")}
    inds = {}
    for ind in Indicator.objects.filter(version=version).order_by("order", "id"):
        node = IndicatorNode(ind)
        inds[ind.id] = node
        dims[ind.dimension_id].indicators.append(node)
    for el in Element.objects.filter(version=version).order_by("order", "id"):
        el.indicator = inds[el.indicator_id].indicator
        el.indicator.dimension = dims[el.indicator.dimension_id].dimension
        inds[el.indicator_id].elements.append(el)
    tree.dimensions = list(dims.values())
    if requirements:
        tree.requirements = requirements_by_element(version=version)
    return tree


def requirements_by_element(*, version: RubricVersion) -> dict[int, list[EvidenceRequirement]]:
    """Every evidence requirement of a version by element id, in order (one query)."""
    found: dict[int, list[EvidenceRequirement]] = {}
    for r in EvidenceRequirement.objects.filter(version=version).order_by("element_id", "order", "id"):
        found.setdefault(r.element_id, []).append(r)
    return found


def published_versions():
    return RubricVersion.objects.filter(status=RubricVersion.Status.PUBLISHED)


def versions_for_new_round():
    """Versions a new round may be frozen to: published only (drafts unfinished, retired hidden)."""
    return RubricVersion.objects.filter(status=RubricVersion.Status.PUBLISHED).order_by("-published_at", "-id")


def newest_published_version() -> RubricVersion | None:
    """The default version for exports: the most recently published one."""
    return versions_for_new_round().first()


@dataclass
class VersionRow:
    version: RubricVersion
    dimensions: int = 0
    indicators: int = 0
    elements: int = 0
    points: Decimal = Decimal("0")
    rounds: int = 0

    @property
    def total_matches(self) -> bool:
        return self.points == self.version.total


def version_list_rows() -> list[VersionRow]:
    """Every version with its item counts, derived total and number of rounds, in five queries."""
    from django.db.models import Count, Sum

    from evaluation.models import Round

    versions = list(RubricVersion.objects.select_related("based_on", "created_by"))
    rows = {v.id: VersionRow(version=v) for v in versions}
    for item in Dimension.objects.values("version").annotate(n=Count("id")):
        rows[item["version"]].dimensions = item["n"]
    for item in Indicator.objects.values("version").annotate(n=Count("id")):
        rows[item["version"]].indicators = item["n"]
    for item in Element.objects.values("version").annotate(n=Count("id"), s=Sum("points")):
        rows[item["version"]].elements = item["n"]
        rows[item["version"]].points = item["s"] or Decimal("0")
    for item in Round.objects.values("rubric_version").annotate(n=Count("id")):
        rows[item["rubric_version"]].rounds = item["n"]
    return [rows[v.id] for v in versions]


def rubric_as_dict(*, version: RubricVersion) -> dict:
    """The version in the import/export JSON schema (rubric.schema), points as decimal strings."""
    from .schema import SCHEMA, format_points

    tree = rubric_tree(version=version, requirements=True)
    return {
        "schema": SCHEMA,
        "code": version.code,
        "name": version.name,
        "total": format_points(version.total),
        "dimensions": [
            {
                "code": d.code,
                "name": d.name,
                "points": format_points(d.points),
                "methods": d.methods,
                "indicators": [
                    {
                        "code": i.code,
                        "text": i.text,
                        "points": format_points(i.points),
                        "elements": [
                            {
                                "code": e.code,
                                "text": e.text,
                                "points": format_points(e.points),
                                "step": format_points(e.step),
                                "evidence": [requirement_dict(r) for r in tree.requirements_of(e)],
                            }
                            for e in i.elements
                        ],
                    }
                    for i in d.indicators
                ],
            }
            for d in tree.dimensions
        ],
    }


def requirement_dict(r: EvidenceRequirement) -> dict:
    """One requirement in the JSON schema's shape."""
    return {"name": r.name, "required": r.required, "kinds": r.kind_list, "note": r.note}


@dataclass(frozen=True)
class Problem:
    """One reason a version cannot be published; `code` names the item ("" = the version)."""

    code: str
    message: str

    def __str__(self):
        return self.message


def _contiguity_problems(codes: list[str], prefix: str, label: str) -> list[Problem]:
    from django.utils.translation import gettext as _

    problems = []
    seen = set()
    for code in codes:
        if code in seen:
            problems.append(Problem(code, _("%(label)s编号 %(code)s 重复。") % {"label": label, "code": code}))
        seen.add(code)
    expected = [f"{prefix}{n}" for n in range(1, len(codes) + 1)]
    if not problems and codes != expected:
        missing = [c for c in expected if c not in seen]
        if missing:
            problems.append(
                Problem(missing[0], _("%(label)s编号不连续：缺少 %(codes)s（应为 %(first)s…%(last)s）。")
                        % {"label": label, "codes": "、".join(missing), "first": expected[0], "last": expected[-1]})
            )
        else:
            problems.append(
                Problem(codes[0], _("%(label)s编号顺序不对：应依次为 %(first)s…%(last)s。")
                        % {"label": label, "first": expected[0], "last": expected[-1]})
            )
    return problems


def tree_problems(tree: RubricTree, *, baseline: RubricTree | None = None) -> list[Problem]:
    """Every reason the tree cannot be published, each naming its item's code.

    When the elements do not add up to the declared total, each A and B whose sum differs
    from `baseline` (the version it was copied from) is named with the difference, so the
    admin sees where the missing or extra points are.
    """
    from django.utils.translation import gettext as _

    from .schema import format_points

    version = tree.version
    problems: list[Problem] = []
    if not (version.name or "").strip():
        problems.append(Problem("", _("细则名称不能为空。")))
    problems += _contiguity_problems([d.code for d in tree.dimensions], "A", _("一级指标"))
    problems += _contiguity_problems([i.code for i in tree.indicators], "B", _("二级指标"))
    problems += _contiguity_problems([e.code for e in tree.elements], "C", _("评估要素"))
    if not tree.dimensions:
        problems.append(Problem("", _("细则没有任何一级指标。")))
    for d in tree.dimensions:
        if not d.name.strip():
            problems.append(Problem(d.code, _("一级指标 %(code)s：名称不能为空。") % {"code": d.code}))
        if not d.indicators:
            problems.append(Problem(d.code, _("一级指标 %(code)s：没有二级指标。") % {"code": d.code}))
        for i in d.indicators:
            if not i.text.strip():
                problems.append(Problem(i.code, _("二级指标 %(code)s：内容不能为空。") % {"code": i.code}))
            if not i.elements:
                problems.append(Problem(i.code, _("二级指标 %(code)s：没有评估要素。") % {"code": i.code}))
            for e in i.elements:
                if not e.text.strip():
                    problems.append(Problem(e.code, _("评估要素 %(code)s：内容不能为空。") % {"code": e.code}))
                if e.points is None or e.points <= 0:
                    problems.append(Problem(e.code, _("评估要素 %(code)s：标准分必须大于 0。") % {"code": e.code}))
                elif e.step is None or e.step <= 0:
                    problems.append(Problem(e.code, _("评估要素 %(code)s：评分步长必须大于 0。") % {"code": e.code}))
                elif e.points % e.step != 0:
                    problems.append(
                        Problem(e.code, _("评估要素 %(code)s：评分步长 %(step)s 不能整除标准分 %(points)s。")
                                % {"code": e.code, "step": format_points(e.step), "points": format_points(e.points)})
                    )
    if tree.points != version.total:
        problems.append(
            Problem("", _("合计 %(sum)s ≠ 标明总分 %(total)s（%(diff)s）：各评估要素标准分之和必须等于总分。")
                    % {"sum": format_points(tree.points), "total": format_points(version.total),
                       "diff": _difference(tree.points - version.total)})
        )
        if baseline is not None:
            problems += _sum_differences(tree, baseline)
    return problems


def _difference(delta: Decimal) -> str:
    from django.utils.translation import gettext as _

    from .schema import format_points

    if delta > 0:
        return _("多 %(n)s 分") % {"n": format_points(delta)}
    return _("少 %(n)s 分") % {"n": format_points(-delta)}


def _sum_differences(tree: RubricTree, baseline: RubricTree) -> list[Problem]:
    """Each A and B whose points differ from the same code in `baseline`, with by how much."""
    from django.utils.translation import gettext as _

    from .schema import format_points

    before = {d.code: d.points for d in baseline.dimensions} | {i.code: i.points for i in baseline.indicators}
    problems = []
    for label, items in ((_("一级指标"), tree.dimensions), (_("二级指标"), tree.indicators)):
        for item in items:
            old = before.get(item.code)
            if old is not None and old != item.points:
                problems.append(Problem(item.code, _(
                    "%(label)s %(code)s：合计 %(sum)s，来源版本 %(source)s 为 %(old)s，%(diff)s。"
                ) % {"label": label, "code": item.code, "sum": format_points(item.points),
                     "source": baseline.version.code, "old": format_points(old),
                     "diff": _difference(item.points - old)}))
    return problems


def publish_baseline(tree: RubricTree) -> RubricTree | None:
    """The tree a draft was copied from, which its A/B sums are compared to; read only when the total is off."""
    version = tree.version
    if not version.based_on_id or tree.points == version.total:
        return None
    return rubric_tree(version=version.based_on)


def version_problems(tree: RubricTree) -> list[Problem]:
    """tree_problems with the A/B sums compared to the source version: what the editor and 发布 show."""
    return tree_problems(tree, baseline=publish_baseline(tree))


def rubric_publish_problems(*, version: RubricVersion) -> list[Problem]:
    """Every problem that blocks publishing, by code (empty list: ready to publish).

    A's and B's points are sums of their elements by construction, so the sum checks
    are: the elements add up to the declared total, and every element is positive and
    divisible by its step.
    """
    return version_problems(rubric_tree(version=version))


@dataclass
class Change:
    """One row of a comparison: an item added, removed or changed between two versions."""

    level: str  # "A" / "B" / "C" / "" (the version)
    code: str
    kind: str  # "added" / "removed" / "changed"
    field: str = ""
    old: str = ""
    new: str = ""


def _requirements_text(requirements) -> str:
    """A comparable one-line summary of an element's evidence requirements."""
    from django.utils.translation import gettext as _

    return "；".join(
        f"{r.name}（{_('必需') if r.required else _('可选')}；{r.kind_labels}{'；' + r.note if r.note else ''}）"
        for r in requirements
    )


def _flat(tree: RubricTree) -> dict[str, dict[str, str]]:
    from django.utils.translation import gettext as _

    from .schema import format_points

    items: dict[str, dict[str, str]] = {}
    for d in tree.dimensions:
        items[d.code] = {_("名称"): d.name, _("分值"): format_points(d.points), _("评估方法"): d.methods}
        for i in d.indicators:
            items[i.code] = {_("内容"): i.text, _("分值"): format_points(i.points), _("所属一级指标"): d.code}
            for e in i.elements:
                items[e.code] = {
                    _("内容"): e.text,
                    _("标准分"): format_points(e.points),
                    _("评分步长"): format_points(e.step),
                    _("所属二级指标"): i.code,
                    _("佐证要求"): _requirements_text(tree.requirements_of(e)),
                }
    return items


def _code_key(code: str):
    return ("ABC".find(code[:1]), int(code[1:]) if code[1:].isdigit() else 0, code)


def rubric_compare(*, old: RubricVersion, new: RubricVersion) -> list[Change]:
    """Changed texts and points, added and removed items from `old` to `new` (A, then B, then C)."""
    from django.utils.translation import gettext as _

    from .schema import format_points

    changes: list[Change] = []
    for label, a, b in (
        (_("名称"), old.name, new.name),
        (_("总分"), format_points(old.total), format_points(new.total)),
    ):
        if a != b:
            changes.append(Change("", "", "changed", label, a, b))
    before = _flat(rubric_tree(version=old, requirements=True))
    after = _flat(rubric_tree(version=new, requirements=True))
    for code in sorted(set(before) | set(after), key=_code_key):
        if code not in after:
            changes.append(Change(code[:1], code, "removed", old=next(iter(before[code].values()))))
        elif code not in before:
            changes.append(Change(code[:1], code, "added", new=next(iter(after[code].values()))))
        else:
            for key, value in before[code].items():
                if after[code].get(key) != value:
                    changes.append(Change(code[:1], code, "changed", key, value, after[code].get(key, "")))
    return changes


@dataclass
class HistoryEntry:
    """One recorded change: who, when, which item, and every field's old → new."""

    at: object
    user: object
    item: str
    kind: str  # "+" created, "~" changed, "-" deleted
    reason: str = ""
    fields: list[tuple[str, str, str]] = field(default_factory=list)


_HISTORY_FIELDS = {
    RubricVersion: ("code", "name", "total", "status"),
    Dimension: ("code", "name", "methods"),
    Indicator: ("code", "text"),
    Element: ("code", "text", "points", "step"),
    EvidenceRequirement: ("name", "required", "kinds", "note"),
}
# The change reason of a requirement added in the editor: its "+" record is a change of the draft,
# unlike the rows written together with the version (import, clone), which the version's own entry covers.
REQUIREMENT_ADDED = "新增佐证要求"  # stored in history rows: not translated


def _show(value) -> str:
    from .schema import format_points

    if isinstance(value, Decimal):
        return format_points(value)
    return "" if value is None else str(value)


def _requirement_field(name: str, value) -> str:
    from django.utils.translation import gettext as _

    from .schema import kind_labels

    if name == "required":
        return _("必需") if value else _("可选")
    return kind_labels((value or "").split(","))


def rubric_history(*, version: RubricVersion) -> list[HistoryEntry]:
    """The version's change history, newest first, from django-simple-history (six queries).

    Items created together with the version (import, clone) are summarised by the
    version's own "created" entry instead of one line per element.
    """
    from django.utils.translation import gettext as _

    entries: list[HistoryEntry] = []
    codes = dict(Element.objects.filter(version=version).values_list("id", "code"))
    for model, names in _HISTORY_FIELDS.items():
        records = model.history.select_related("history_user").order_by("id", "history_date", "history_id")
        records = records.filter(id=version.id) if model is RubricVersion else records.filter(version_id=version.id)
        previous = None
        for rec in records:
            prev = previous if previous is not None and previous.id == rec.id else None
            previous = rec
            added_later = model is EvidenceRequirement and rec.history_change_reason == REQUIREMENT_ADDED
            if model is not RubricVersion and rec.history_type == "+" and not added_later:
                continue
            if model is RubricVersion:
                item = _("细则版本")
            elif model is EvidenceRequirement:
                item = _("佐证要求 %(code)s：%(name)s") % {"code": codes.get(rec.element_id, "?"), "name": rec.name}
            else:
                item = f"{model._meta.verbose_name} {rec.code}"
            entry = HistoryEntry(
                at=rec.history_date, user=rec.history_user, item=item, kind=rec.history_type,
                reason=rec.history_change_reason or "",
            )
            for name in names:
                new = getattr(rec, name)
                if name == "status":
                    new_show = RubricVersion.Status(new).label if new else ""
                    old_show = RubricVersion.Status(getattr(prev, name)).label if prev is not None else ""
                elif name in ("required", "kinds"):
                    new_show = _requirement_field(name, new)
                    old_show = _requirement_field(name, getattr(prev, name)) if prev is not None else ""
                else:
                    new_show, old_show = _show(new), _show(getattr(prev, name)) if prev is not None else ""
                if prev is None and rec.history_type == "+" and not added_later:
                    continue
                if old_show != new_show:
                    entry.fields.append((str(model._meta.get_field(name).verbose_name), old_show, new_show))
            if rec.history_type == "~" and not entry.fields:
                continue  # a save that changed nothing we show (e.g. published_at alone)
            entries.append(entry)
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
