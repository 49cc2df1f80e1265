"""Filter forms: every query-string value is checked against a whitelist before use."""

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluation.selectors import RoundNotFound, round_resolve
from schools.models import School

STATUS_CHOICES = [("", _("全部状态")), ("finalized", _("已定稿")), ("in_progress", _("评估中（暂定）"))]


class RankingFilterForm(forms.Form):
    district = forms.ChoiceField(label=_("区县"), required=False)
    stage = forms.ChoiceField(label=_("学段"), required=False, choices=[("", _("全部学段")), *School.Stage.choices])
    location = forms.ChoiceField(
        label=_("城乡类别"), required=False, choices=[("", _("全部类别")), *School.Location.choices]
    )
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_CHOICES)
    include = forms.BooleanField(label=_("包含评估中的学校（暂定分数）"), required=False)
    sort = forms.ChoiceField(label=_("排序"), required=False)

    def __init__(self, *args, districts=(), dimension_codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("全部区县")), *[(str(d.id), d.name) for d in districts]]
        keys = [("rank", _("排名")), ("school", _("学校代码")), ("district", _("区县")), ("total", _("总分"))]
        keys += [(code, code) for code in dimension_codes]
        choices = [("", _("默认（按排名）"))]
        for key, label in keys:
            choices.append((key, _("%(label)s ↑") % {"label": label}))
            choices.append((f"-{key}", _("%(label)s ↓") % {"label": label}))
        self.fields["sort"].choices = choices

    def cleaned_or_default(self) -> dict:
        """The valid values; an invalid field is dropped (its error is shown on the page)."""
        self.is_valid()
        data = {name: "" for name in self.fields}
        data["include"] = False
        for name, value in getattr(self, "cleaned_data", {}).items():
            data[name] = value
        return data


class ExportStartForm(forms.Form):
    """批量导出: the round, by id or name (empty: the latest round with finalized results)."""

    round = forms.CharField(
        label=_("评估批次"), required=False, max_length=200,
        error_messages={"max_length": _("评估批次编号或名称不能超过 200 字。"),
                        "null_characters_not_allowed": _("评估批次不能包含空字符（NUL）。")},
    )
    # The checkbox "含督导评估意见书": each school's opinion document goes into the ZIP too.
    opinions = forms.BooleanField(label=_("含督导评估意见书"), required=False)

    def clean_round(self):
        try:
            return round_resolve(self.cleaned_data["round"], results=True)
        except RoundNotFound as exc:
            raise forms.ValidationError(str(exc), code="not_found") from None


class WorkbookStartForm(ExportStartForm):
    """区县汇总工作簿 in the background: the round, and optionally one district (by id) of the
    requester's scope; the view checks the district against the scope."""

    opinions = None
    district = forms.CharField(
        label=_("区县"), required=False, max_length=20,
        error_messages={"max_length": _("区县编号无效。"), "null_characters_not_allowed": _("区县编号无效。")},
    )

    def clean_district(self):
        value = self.cleaned_data["district"].strip()
        if value and not value.isdigit():
            raise forms.ValidationError(_("区县编号无效。"), code="invalid")
        return int(value) if value else None
