"""Forms of the recognition pages: they parse and check input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluation.forms import PlainTextField

from .models import RecognitionEntry


class DecisionForm(forms.Form):
    """One school's decision on a draft list."""

    decision = forms.ChoiceField(label=_("拟认定意见"), choices=RecognitionEntry.Decision.choices,
                                 error_messages={"required": _("请选择拟认定意见。"),
                                                 "invalid_choice": _("请选择拟认定意见。")})
    reason = PlainTextField(label=_("理由"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                            error_messages={"max_length": _("理由不能超过 %(limit_value)s 字（现有 %(show_value)s 字）。")})
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput,
                                 error_messages={"required": _("版本号无效，请刷新页面后重试。"),
                                                 "invalid": _("版本号无效，请刷新页面后重试。")})


def _date_field(label, **kwargs):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages={"invalid": _("请输入有效的日期（年-月-日）。"),
                                           "required": _("请填写%(label)s。") % {"label": label}},
                           **kwargs)


class PublishForm(forms.Form):
    """发布公示: the period (defaults: from today, the minimum length) and where to send objections."""

    starts_on = _date_field(_("公示开始日期"), required=False)
    ends_on = _date_field(_("公示结束日期"), required=False)
    objection_contact = PlainTextField(
        label=_("异议受理方式"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("将印在公示中，例如：受理单位、地址、电话、电子邮箱。"),
        error_messages={"required": _("请填写异议受理方式。"),
                        "max_length": _("异议受理方式不能超过 %(limit_value)s 字（现有 %(show_value)s 字）。")},
    )
