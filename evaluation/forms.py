import re

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import User
from rubric.models import RubricVersion
from schools.models import District, School

from .models import Round


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_CODE_SPLIT = re.compile(r"[\s,，、;；]+")


class RoundForm(forms.ModelForm):
    # 申报 (self-assessment) settings; the list of schools is typed as school codes (a city has
    # too many schools for a list of boxes).
    applicant_stages = forms.MultipleChoiceField(
        label=_("可申报的学段"), choices=School.Stage.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("“按学段”时使用；都不选即全部学段。"),
    )
    applicant_codes = forms.CharField(
        label=_("指定学校名单（学校代码）"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("“指定学校名单”时填写：学校代码，每行一个或用逗号、顿号分隔。"),
    )

    class Meta:
        model = Round
        fields = ["name", "year", "rubric_version", "starts_on", "ends_on", "status", "consolidation",
                  "require_consolidation_notes", "require_opinion", "pass_mark", "panel_min", "panel_max", "same_district",
                  "calibration_max_mad", "self_assessment", "apply_opens_on", "apply_closes_on", "district_review_closes_on",
                  "visit_starts_on", "visit_ends_on", "applicants", "applicant_stages"]
        widgets = {
            "starts_on": _DATE, "ends_on": _DATE, "apply_opens_on": _DATE, "apply_closes_on": _DATE,
            "district_review_closes_on": _DATE, "visit_starts_on": _DATE, "visit_ends_on": _DATE,
            "pass_mark": forms.TextInput(attrs={"inputmode": "decimal"}),
            "calibration_max_mad": forms.TextInput(attrs={"inputmode": "decimal"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only published versions may be frozen into a round; an existing round keeps its own.
        allowed = RubricVersion.objects.filter(status=RubricVersion.Status.PUBLISHED)
        if self.instance.pk:
            allowed = allowed | RubricVersion.objects.filter(pk=self.instance.rubric_version_id)
        self.fields["rubric_version"].queryset = allowed.distinct()
        # Panel rules left out of a submission (older scripts, a trimmed form) keep the round's values.
        for name in self.PANEL_RULES:
            self.fields[name].required = False
        self.fields["applicants"].required = False
        if self.instance.pk and not self.is_bound:
            self.initial["applicant_stages"] = self.instance.stage_list
            self.initial["applicant_codes"] = "\n".join(self.instance.applicant_schools.order_by("code")
                                                        .values_list("code", flat=True))

    PANEL_RULES = ("panel_min", "panel_max", "same_district")

    def clean_applicant_stages(self):
        return ",".join(s for s in School.Stage.values if s in self.cleaned_data["applicant_stages"])

    def clean_applicant_codes(self):
        """The listed schools (None when the field was not sent: the round keeps its list)."""
        if "applicant_codes" not in self.data:
            return None
        codes = list(dict.fromkeys(c for c in _CODE_SPLIT.split(self.cleaned_data["applicant_codes"]) if c))
        if len(codes) > 5000:
            raise forms.ValidationError(_("一次最多指定 5000 所学校。"))
        found = {s.code: s for s in School.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(_("找不到以下学校代码：%(codes)s") % {
                "codes": "、".join(c[:30] for c in unknown[:20]) + ("……" if len(unknown) > 20 else "")})
        return [found[c] for c in codes]

    def clean(self):
        data = super().clean()
        for name in self.PANEL_RULES:
            if data.get(name) in (None, "") and name not in self.errors:
                data[name] = getattr(self.instance, name)
        if not data.get("applicants"):
            data["applicants"] = self.instance.applicants
        listed = data.get("applicant_codes")
        if listed is None and self.instance.pk:
            listed = list(self.instance.applicant_schools.all())
        if (data.get("self_assessment") and data.get("applicants") == Round.Applicants.LIST and not listed
                and "applicant_codes" not in self.errors):
            self.add_error("applicant_codes", _("“指定学校名单”时请至少填写一所学校的代码。"))
        return data


class SchoolFilterForm(forms.Form):
    district = forms.ModelChoiceField(
        label=_("区县"), queryset=District.objects.all(), required=False, empty_label=_("全部区县")
    )
    stage = forms.ChoiceField(label=_("学段"), choices=[("", _("全部学段")), *School.Stage.choices], required=False)
    q = forms.CharField(label=_("学校名称或代码"), required=False, max_length=50)


class _RecusalOptionsMixin:
    """Disables the options of inspectors that 回避 rules out and carries the reason to the template."""

    notes: dict = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        note = self.notes.get(getattr(value, "value", value))
        option["note"] = note.text if note else ""
        if note and option["attrs"].get("id"):
            option["attrs"]["aria-describedby"] = option["attrs"]["id"] + "-note"
        if note and not note.selectable:
            option["attrs"]["disabled"] = True
        return option


class RecusalCheckboxes(_RecusalOptionsMixin, forms.CheckboxSelectMultiple):
    pass


class RecusalSelect(_RecusalOptionsMixin, forms.Select):
    pass


class PanelAssignForm(forms.Form):
    schools = forms.ModelMultipleChoiceField(
        label=_("学校"), queryset=School.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一所学校。")},
    )
    inspectors = forms.ModelMultipleChoiceField(
        label=_("督导专家"), queryset=User.objects.none(), widget=RecusalCheckboxes,
        error_messages={"required": _("请至少选择一位督导专家。")},
    )
    lead = forms.ModelChoiceField(
        label=_("组长"), queryset=User.objects.none(), widget=RecusalSelect,
        error_messages={"required": _("请选择组长。")},
    )
    confirm_warnings = forms.BooleanField(
        label=_("已知悉上述同区县情况，仍然分配"), required=False,
    )

    @staticmethod
    def candidates():
        """Who may be put on a panel at all: active inspectors."""
        return User.objects.filter(groups__name=roles.INSPECTOR, is_active=True).order_by("username")

    def __init__(self, *args, schools=None, notes=None, **kwargs):
        super().__init__(*args, **kwargs)
        inspectors = self.candidates()
        self.fields["schools"].queryset = schools if schools is not None else School.objects.all()
        self.fields["inspectors"].queryset = inspectors
        self.fields["lead"].queryset = inspectors
        self.fields["inspectors"].widget.notes = self.fields["lead"].widget.notes = notes or {}
        self.fields["inspectors"].label_from_instance = lambda u: f"{u.display_name}（{u.username}）"
        self.fields["lead"].label_from_instance = lambda u: f"{u.display_name}（{u.username}）"
        self.fields["schools"].label_from_instance = lambda s: f"{s.name}（{s.code}）"

    def full_clean(self):
        super().full_clean()
        if "lead" in self.errors:  # the error under the select (templates/evaluation/panel_assign.html) describes it
            self.fields["lead"].widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": f"{self['lead'].id_for_label}-error"})


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("佐证材料"), error_messages={"required": _("请选择文件。")})


class XlsxUploadForm(forms.Form):
    file = forms.FileField(label=_("评分表文件（.xlsx）"), error_messages={"required": _("请选择文件。")})


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("重新开启原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000,
        error_messages={"required": _("请填写重新开启的原因。")},
    )


class RemoveMemberForm(forms.Form):
    """移出专家组: the admin's reason, shown to the inspector and kept in the 流程记录."""

    reason = forms.CharField(
        label=_("移出原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500,
        error_messages={"required": _("请填写移出的原因。"), "max_length": _("移出原因不能超过 500 字。")},
    )


class ReturnForm(forms.Form):
    """退回: the lead's reason, shown to the inspector."""

    reason = forms.CharField(
        label=_("退回原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000,
        error_messages={"required": _("请填写退回原因。"), "max_length": _("退回原因不能超过 1000 字。")},
    )


class FinalScoresForm(forms.Form):
    """The lead's table: final_<code>, fnote_<code>, fversion_<code>, fdefault_<code> per element row.

    The rows are not known in advance (any rubric), so the fields are found in the POST; each
    row becomes {"points", "note", "version"} for final_scores_save_many. A default the lead
    left untouched without a note is not a save request: finalize fills it in then.
    """

    CODE = r"C[1-9][0-9]{0,3}"

    def clean(self):
        import re

        values, errors = {}, []
        for key in self.data:
            match = re.fullmatch(rf"final_({self.CODE})", key)
            if not match:
                continue
            code = match.group(1)
            raw = self.data.get(key, "")
            note = self.data.get(f"fnote_{code}")
            version = (self.data.get(f"fversion_{code}") or "0").strip()
            if not version.isdigit():
                errors.append(_("%(code)s：版本号无效，请刷新页面后重试。") % {"code": code})
                continue
            if note is not None and len(note) > 2000:
                errors.append(_("%(code)s：合议说明不能超过 2000 字。") % {"code": code})
                continue
            if note is not None and "\x00" in note:  # PostgreSQL text cannot hold NUL
                errors.append(_("%(code)s：合议说明不能包含空字符（NUL）。") % {"code": code})
                continue
            untouched_default = raw.strip() == (self.data.get(f"fdefault_{code}") or "").strip()
            if version == "0" and (raw.strip() == "" or untouched_default) and not (note or "").strip():
                continue
            values[code] = {"points": raw, "note": note, "version": version}
        if errors:
            raise forms.ValidationError(errors)
        self.cleaned_data["values"] = values
        return self.cleaned_data


class ScoresForm(forms.Form):
    """The scorecard's save POST (autosave and the plain form): points_<code>, note_<code>,
    version_<code> per element.

    Which elements are posted is not known in advance (one from autosave, all 84 from the plain
    form, any rubric), so a field triple is made for each points_<code> in the POST. Elements are
    judged one by one, as the JSON answer reports them: after `is_valid()`, `values` holds the
    elements to save ({"points", "note", "version"} for scores_save_many) and `element_errors`
    the Chinese reason for each element refused here. The points themselves are checked against
    the element's standard and step by the service (parse_points), which knows the element.
    An untouched empty row of the plain form is not a save request.
    """

    POINTS_KEY = re.compile(r"^points_(C[1-9][0-9]{0,3})$")
    VERSION_ERROR = _("版本号无效，请刷新页面后重试。")

    def __init__(self, *args, note_label=None, **kwargs):
        # The note is 备注 on a scorecard and 自评说明 on a school's self-assessment.
        note_label = note_label or _("备注")
        super().__init__(*args, **kwargs)
        self.codes = [m.group(1) for key in self.data for m in [self.POINTS_KEY.match(key)] if m]
        nul = _("不能包含空字符（NUL）。")
        for code in self.codes:
            self.fields[f"points_{code}"] = forms.CharField(
                required=False, strip=False, error_messages={"null_characters_not_allowed": _("得分") + nul})
            self.fields[f"note_{code}"] = forms.CharField(
                required=False, strip=False, max_length=2000,
                error_messages={"max_length": format_lazy("{}{}", note_label, _("不能超过 2000 字。")),
                                "null_characters_not_allowed": format_lazy("{}{}", note_label, nul)})
            self.fields[f"version_{code}"] = forms.IntegerField(
                required=False, min_value=0,
                error_messages={"invalid": self.VERSION_ERROR, "min_value": self.VERSION_ERROR})
        self.values: dict[str, dict] = {}
        self.element_errors: dict[str, str] = {}

    def clean(self):
        data = super().clean()
        for code in self.codes:
            refused = [self.errors[name][0] for name in (f"version_{code}", f"points_{code}", f"note_{code}")
                       if name in self.errors]
            if refused:
                self.element_errors[code] = refused[0]
                continue
            points = data.get(f"points_{code}") or ""
            # A note left out of the POST keeps the stored one (None); sent empty, it clears it.
            note = data.get(f"note_{code}") if f"note_{code}" in self.data else None
            version = data.get(f"version_{code}") or 0
            if points.strip() == "" and not (note or "").strip() and version == 0:
                continue
            self.values[code] = {"points": points, "note": note, "version": version}
        return data


class FinalHistoryFilterForm(forms.Form):
    code = forms.RegexField(label=_("评估要素"), regex=r"^C[1-9][0-9]{0,3}$", required=False, max_length=6)


class PlainTextField(forms.CharField):
    """Multi-line text as typed, with line ends normalized: a browser sends CRLF, which would count
    twice against the length the page's maxlength allowed."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


def _text_field(label, *, rows: int = 4, max_length: int = 5000):
    return PlainTextField(
        label=label, required=False, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": _("不能超过 %(limit_value)s 字（现有 %(show_value)s 字）。")},
    )


class ObservationsForm(forms.Form):
    """An inspector's observations: obs_<A code> (text) and over_<A code> (the version last seen)."""

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        for row in self.rows:
            code = row.dimension.code
            self.fields[f"obs_{code}"] = _text_field(f"{code} {row.dimension.name}", rows=3)
            self.fields[f"over_{code}"] = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
            self.initial.setdefault(f"obs_{code}", row.text)
            self.initial.setdefault(f"over_{code}", row.version)

    def values(self) -> dict:
        """{code: {"text", "version"}} for observations_save."""
        return {
            row.dimension.code: {
                "text": self.cleaned_data.get(f"obs_{row.dimension.code}", ""),
                "version": self.cleaned_data.get(f"over_{row.dimension.code}"),
            }
            for row in self.rows
        }

    def pairs(self):
        """(row, text field, version field) per dimension, for the template."""
        return [(row, self[f"obs_{row.dimension.code}"], self[f"over_{row.dimension.code}"]) for row in self.rows]


class OpinionForm(forms.Form):
    """The panel's opinion: four required parts (required to finalize, not to save a draft) and
    an optional entry per A (dim_<code>)."""

    overall = _text_field(_("总体评价"), rows=5)
    strengths = _text_field(_("主要优势与特色"), rows=5)
    problems = _text_field(_("存在问题"), rows=5)
    suggestions = _text_field(_("改进建议"), rows=5)
    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, view=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.dimension_codes = []
        for dim in (view.dimensions if view else []):
            code = dim.dimension.code
            self.dimension_codes.append(code)
            self.fields[f"dim_{code}"] = _text_field(f"{code} {dim.dimension.name}", rows=2)
            self.initial.setdefault(f"dim_{code}", dim.text)
        if view is not None:
            for name, _label, text in view.parts:
                self.initial.setdefault(name, text)
            self.initial.setdefault("version", view.version)

    def dimension_fields(self):
        return [self[f"dim_{code}"] for code in self.dimension_codes]

    def part_fields(self):
        return [self[name] for name in ("overall", "strengths", "problems", "suggestions")]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "overall": data["overall"], "strengths": data["strengths"], "problems": data["problems"],
            "suggestions": data["suggestions"], "version": data.get("version") or 0,
            "dimension_notes": {code: data.get(f"dim_{code}", "") for code in self.dimension_codes},
        }
