"""Forms of the recognition pages: they parse and check input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluation.forms import PlainTextField

from .models import Objection, RecognitionEntry


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


def _long_text(label, *, max_length=5000, required=False, rows=4):
    return PlainTextField(
        label=label, required=required, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": _("请填写%(label)s。") % {"label": label},
                        "max_length": _("%(label)s不能超过 %%(limit_value)s 字（现有 %%(show_value)s 字）。") % {
                            "label": label}},
    )


class ObjectionForm(forms.Form):
    """登记异议: about which school, when and how it came, what it says, who raised it (optional)."""

    entry = forms.ModelChoiceField(label=_("所涉学校"), queryset=RecognitionEntry.objects.none(),
                                   error_messages={"required": _("请选择公示名单中的学校。"),
                                                   "invalid_choice": _("请选择公示名单中的学校。")})
    received_on = _date_field(_("收到日期"))
    channel = forms.ChoiceField(label=_("渠道"), choices=[("", "—"), *Objection.Channel.choices],
                                error_messages={"required": _("请选择渠道。"), "invalid_choice": _("请选择渠道。")})
    content = _long_text(_("异议内容"), required=True, rows=5)
    contact = PlainTextField(label=_("异议人及联系方式（选填，仅管理员可见）"), required=False, max_length=200,
                             error_messages={"max_length": _("联系方式不能超过 %(limit_value)s 字（现有 %(show_value)s 字）。")})
    handler = PlainTextField(label=_("承办人（选填）"), required=False, max_length=100,
                             error_messages={"max_length": _("承办人不能超过 %(limit_value)s 字（现有 %(show_value)s 字）。")})

    def __init__(self, *args, rlist=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = (
            RecognitionEntry.objects.filter(list=rlist, decision=RecognitionEntry.Decision.PROPOSED)
            .select_related("evaluation__school__district")
            .order_by("evaluation__school__district__order", "evaluation__school__code")
        )
        self.fields["entry"].label_from_instance = (
            lambda e: f"{e.evaluation.school.district.name} · {e.evaluation.school.name}（{e.evaluation.school.code}）")


class ObjectionHandleForm(forms.Form):
    """处理异议: the handler and the investigation; to close, the outcome and its effect."""

    handler = PlainTextField(label=_("承办人"), required=False, max_length=100,
                             error_messages={"max_length": _("承办人不能超过 %(limit_value)s 字（现有 %(show_value)s 字）。")})
    investigation = _long_text(_("调查核实情况"), rows=5)
    outcome = forms.ChoiceField(label=_("处理结果"), required=False, choices=[("", _("（尚未得出）")), *Objection.Outcome.choices],
                                error_messages={"invalid_choice": _("请选择处理结果。")})
    withdraw = forms.BooleanField(label=_("异议成立，将该校撤出拟认定名单"), required=False)
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput,
                                 error_messages={"required": _("版本号无效，请刷新页面后重试。"),
                                                 "invalid": _("版本号无效，请刷新页面后重试。")})
    action = forms.ChoiceField(choices=[("save", "save"), ("close", "close")], widget=forms.HiddenInput,
                               required=False)


class ConcludeForm(forms.Form):
    """认定: the document number (文号) and its date."""

    document_no = forms.CharField(label=_("认定文号"), max_length=100,
                                  help_text=_("例如：市教发〔2026〕12号"),
                                  error_messages={"required": _("请填写认定文号。"),
                                                  "max_length": _("认定文号不能超过 %(limit_value)s 字（现有 %(show_value)s 字）。")})
    recognized_on = _date_field(_("认定日期"))


class RenewalForm(forms.Form):
    """复评 list: recognitions ending within this many days (already ended ones are listed too)."""

    days = forms.IntegerField(label=_("到期窗口（天）"), min_value=1, max_value=3650, initial=180,
                              error_messages={"invalid": _("请输入天数（整数）。"),
                                              "min_value": _("天数至少为 %(limit_value)s。"),
                                              "max_value": _("天数不能超过 %(limit_value)s。")})

    def days_or_default(self) -> int:
        return self.cleaned_data["days"] if self.is_valid() else 180
