"""Forms of the rectification pages: they parse and check input (Chinese messages at the field);
the services decide."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluation.forms import PlainTextField

from .models import RectificationItem, RectificationReview
from .selectors import LedgerFilters


def _long_text(label, *, max_length=5000, required=True, rows=3):
    return PlainTextField(
        label=label, required=required, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": _("请填写%(label)s。") % {"label": label},
                        "max_length": _("%(label)s不能超过 %%(limit_value)s 字（现有 %%(show_value)s 字）。") % {
                            "label": label}},
    )


class RateForm(forms.Form):
    """The score rate below which elements are proposed (default 60%)."""

    rate = forms.DecimalField(label=_("得分率低于（%）"), min_value=Decimal("0"), max_value=Decimal("100"),
                              max_digits=5, decimal_places=2, initial=Decimal("60"), required=False,
                              error_messages={"invalid": _("请输入 0 到 100 之间的数。"),
                                              "min_value": _("请输入 0 到 100 之间的数。"),
                                              "max_value": _("请输入 0 到 100 之间的数。"),
                                              "max_digits": _("请输入 0 到 100 之间的数。"),
                                              "max_decimal_places": _("最多两位小数。")})

    def rate_or_default(self) -> Decimal:
        if self.is_valid() and self.cleaned_data.get("rate") is not None:
            return self.cleaned_data["rate"]
        return Decimal("60")


class ItemForm(forms.Form):
    """One 整改事项: elements (codes of the round's rubric), problem, requirement, deadline, responsible."""

    element_codes = PlainTextField(label=_("评估要素编号"), required=False, max_length=500,
                                   help_text=_("可填多个，用逗号分隔，例如 C1, C5；可不填。"),
                                   error_messages={"max_length": _("评估要素编号不能超过 %(limit_value)s 字。")})
    problem = _long_text(_("存在问题"))
    requirement = _long_text(_("整改要求"))
    deadline = forms.DateField(label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                               error_messages={"invalid": _("请输入有效的日期（年-月-日）。"),
                                               "required": _("请填写整改期限。")})
    responsible = PlainTextField(label=_("责任人"), max_length=100,
                                 error_messages={"required": _("请填写责任人。"),
                                                 "max_length": _("责任人不能超过 %(limit_value)s 字。")})
    source = forms.ChoiceField(label=_("来源"), choices=RectificationItem.Source.choices,
                               error_messages={"required": _("请选择来源。"), "invalid_choice": _("请选择来源。")})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    """The school's report: what it did, with evidence files."""

    text = _long_text(_("整改情况"), rows=5)
    files = MultipleFileField(label=_("佐证材料"), required=False,
                              help_text=_("可选多个文件：PDF、图片或 Office 文档（不含宏）。"),
                              error_messages={"invalid": _("文件无效，请重新选择。"),
                                              "empty": _("文件是空的。")})
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput,
                                 error_messages={"required": _("版本号无效，请刷新页面后重试。"),
                                                 "invalid": _("版本号无效，请刷新页面后重试。")})


class ReviewForm(forms.Form):
    """复核: 通过 / 未通过 (with a required note)."""

    outcome = forms.ChoiceField(label=_("复核结果"), choices=RectificationReview.Outcome.choices,
                                widget=forms.RadioSelect,
                                error_messages={"required": _("请选择复核结果。"), "invalid_choice": _("请选择复核结果。")})
    note = _long_text(_("复核意见"), max_length=2000, required=False)
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput,
                                 error_messages={"required": _("版本号无效，请刷新页面后重试。"),
                                                 "invalid": _("版本号无效，请刷新页面后重试。")})

    def clean(self):
        data = super().clean()
        if data.get("outcome") == RectificationReview.Outcome.FAILED and not (data.get("note") or "").strip():
            self.add_error("note", _("复核未通过时须填写复核意见。"))
        return data


class LedgerFilterForm(forms.Form):
    """Filters of the 整改台账 (every field optional; a bad value is ignored with a message at the field)."""

    round = forms.TypedChoiceField(label=_("评估批次"), required=False, coerce=int, empty_value=None)
    district = forms.TypedChoiceField(label=_("区县"), required=False, coerce=int, empty_value=None)
    school = forms.IntegerField(label=_("学校"), required=False, widget=forms.HiddenInput,
                                error_messages={"invalid": _("学校无效。")})
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *RectificationItem.Status.choices],
                               error_messages={"invalid_choice": _("请选择有效的状态。")})
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)

    def __init__(self, *args, rounds=(), districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = [("", _("全部")), *[(r.pk, r.name) for r in rounds]]
        self.fields["round"].error_messages["invalid_choice"] = _("请选择有效的评估批次。")
        self.fields["district"].choices = [("", _("全部")), *[(d.pk, d.name) for d in districts]]
        self.fields["district"].error_messages["invalid_choice"] = _("请选择有效的区县。")

    def filters(self) -> LedgerFilters:
        if not self.is_valid():
            return LedgerFilters(school_id=-1)  # a bad filter shows nothing rather than everything
        d = self.cleaned_data
        return LedgerFilters(round_id=d.get("round"), district_id=d.get("district"), school_id=d.get("school"),
                             status=d.get("status") or "", overdue_only=bool(d.get("overdue")))
