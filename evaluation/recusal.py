"""回避 (conflict of interest) in panel assignment: the one place that decides who may not sit on a panel.

Read-only rules, used by the assignment service (which refuses) and by the assign page (which
shows why an inspector cannot be chosen), so the two never disagree.

- Own unit (本单位): an inspector who works at the school is never assigned. When the account
  names its school (User.school, set by the security admin) that decides; otherwise the free-text
  工作单位 (User.organization) is compared with the school's name, tolerantly: white space and
  full-width forms are ignored, a leading 陕西省西安市 / 西安市 is dropped, and one containing the
  other counts ("西安市雁塔区第二小学" and "雁塔区第二小学" are the same unit).
- Same district (同区县): an inspector whose unit lies in the school's district is refused or only
  warned about, as the round's `same_district` setting says. The unit's district is User.district.
- Self (本人): whoever assigns a panel cannot put themselves on it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import Round

OWN_UNIT = "own_unit"
SAME_DISTRICT = "same_district"
SELF = "self"

_SPACE = re.compile(r"[\s\u3000]+")
# A unit written with the province or city in front is the same unit.
_CITY_PREFIX = re.compile(r"^(?:陕西省)?(?:西安市)?")
# Containment needs this many characters in the shorter name: "雁塔区" alone is a district, not a unit.
_MIN_CONTAINED = 4


def _normalized(name: str) -> str:
    text = _SPACE.sub("", unicodedata.normalize("NFKC", name or ""))
    return _CITY_PREFIX.sub("", text)


def unit_district_id(inspector) -> int | None:
    """The district of the inspector's unit (工作单位所在区县), or None when unknown."""
    return inspector.district_id


def is_own_unit(inspector, school) -> bool:
    """True when the inspector works at the school: their account's school, else their 工作单位."""
    if getattr(inspector, "school_id", None):
        return inspector.school_id == school.pk
    unit, name = _normalized(inspector.organization), _normalized(school.name)
    if not unit or not name:
        return False
    if unit == name:
        return True
    shorter, longer = sorted((unit, name), key=len)
    return len(shorter) >= _MIN_CONTAINED and shorter in longer


@dataclass(frozen=True)
class Conflict:
    """One inspector who should not sit on one school's panel, and why."""

    inspector: object
    school: object
    kind: str
    blocking: bool

    @property
    def reason(self) -> str:
        who, school = self.inspector.display_name, self.school.name
        if self.kind == SELF:
            return _("%(who)s：不能把自己分配到专家组（%(school)s）") % {"who": who, "school": school}
        if self.kind == OWN_UNIT:
            return _("%(who)s：工作单位即%(school)s，须回避") % {"who": who, "school": school}
        district = self.school.district.name
        if self.blocking:
            return _("%(who)s：工作单位在%(district)s，与%(school)s同区县，须回避") % {
                "who": who, "district": district, "school": school}
        return _("%(who)s：工作单位在%(district)s，与%(school)s同区县") % {
            "who": who, "district": district, "school": school}


def panel_conflicts(*, round: Round, schools, inspectors, by=None) -> list[Conflict]:
    """Every (inspector, school) pair of an assignment that 回避 forbids or warns about.

    `schools` should come with their district loaded (select_related) for the messages.
    """
    refuse_district = round.same_district == Round.SameDistrict.REFUSE
    found = []
    for inspector in inspectors:
        district_id = unit_district_id(inspector)
        for school in schools:
            if by is not None and inspector.pk == by.pk:
                found.append(Conflict(inspector, school, SELF, True))
            elif is_own_unit(inspector, school):
                found.append(Conflict(inspector, school, OWN_UNIT, True))
            elif district_id is not None and district_id == school.district_id:
                found.append(Conflict(inspector, school, SAME_DISTRICT, refuse_district))
    return found


@dataclass
class InspectorNote:
    """What the assign page says beside one inspector for the schools on screen."""

    selectable: bool
    text: str


def inspector_notes(*, round: Round, schools, inspectors, by=None) -> dict[int, InspectorNote]:
    """Per inspector id: whether they can be chosen for any school listed, and a short reason.

    An inspector refused for every listed school is not selectable; one refused for some of them
    stays selectable and the note names those schools (the service refuses if they are ticked).
    """
    schools = list(schools)
    by_inspector = defaultdict(list)
    for conflict in panel_conflicts(round=round, schools=schools, inspectors=inspectors, by=by):
        by_inspector[conflict.inspector.pk].append(conflict)
    notes = {}
    for inspector_id, conflicts in by_inspector.items():
        blocked = {c.school.pk for c in conflicts if c.blocking}
        parts = []
        if any(c.kind == SELF for c in conflicts):
            parts.append(_("本人，不能分配"))
        own = [c.school.name for c in conflicts if c.kind == OWN_UNIT]
        if own:
            parts.append(_("本单位须回避：%(schools)s") % {"schools": "、".join(own)})
        same = [c for c in conflicts if c.kind == SAME_DISTRICT]
        if same:
            template = _("同区县（%(district)s）须回避：%(n)s 所") if same[0].blocking else _(
                "同区县（%(district)s），分配时须确认：%(n)s 所")
            parts.append(template % {"district": same[0].school.district.name, "n": len(same)})
        notes[inspector_id] = InspectorNote(
            selectable=len(blocked) < len(schools), text="；".join(parts)
        )
    # Not eligible for the round at all (its calibration requirement, evaluation.hooks): never selectable.
    from . import hooks

    for inspector_id, reason in hooks.ineligible_inspectors(round, inspectors).items():
        earlier = notes[inspector_id].text + "；" if inspector_id in notes else ""
        notes[inspector_id] = InspectorNote(selectable=False, text=earlier + _("不符合校准要求：%(reason)s") % {"reason": reason})
    return notes
