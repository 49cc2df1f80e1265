"""Input of 学校自评申报's pages, parsed and checked before any service is called."""

from django import forms
from django.utils.translation import gettext_lazy as _

from schools.models import School


class NominationForm(forms.Form):
    schools = forms.ModelMultipleChoiceField(label=_("提名的学校"), queryset=School.objects.none(), required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, district_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = School.objects.filter(district_id__in=list(district_ids))


class ReportForm(forms.Form):
    """The 自评报告's text with the version it was typed on."""

    summary = forms.CharField(label=_("自评报告"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 8}))
    version = forms.IntegerField(min_value=0, error_messages={"invalid": _("版本号无效，请刷新页面后重试。"),
                                                              "required": _("版本号无效，请刷新页面后重试。")})


class FileForm(forms.Form):
    file = forms.FileField(label=_("文件"), error_messages={"required": _("请选择文件。")})


class XlsxUploadForm(forms.Form):
    file = forms.FileField(label=_("自评表文件（.xlsx）"), error_messages={"required": _("请选择文件。")})


class ReturnForm(forms.Form):
    """退回: an overall reason and/or a reason at elements (fields reason_<code>)."""

    reason = forms.CharField(label=_("总体退回原因"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"max_length": _("退回原因不能超过 2000 字。")})

    def clean(self):
        import re

        data = super().clean()
        reasons = {}
        for key in self.data:
            match = re.fullmatch(r"reason_(C[1-9][0-9]{0,3})", key)
            if match and (self.data.get(key) or "").strip():
                if len(self.data[key]) > 2000:
                    raise forms.ValidationError(_("%(code)s 的退回原因不能超过 2000 字。") % {"code": match.group(1)})
                reasons[match.group(1)] = self.data[key]
        data["element_reasons"] = reasons
        return data


class OpinionForm(forms.Form):
    """推荐 with the 初评意见, 不予受理 or 退回区县 with the reason: one required text."""

    text = forms.CharField(label=_("意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("请填写意见或原因。"), "max_length": _("不能超过 2000 字。")})


class StatusFilterForm(forms.Form):
    round = forms.ModelChoiceField(label=_("评估批次"), queryset=None, required=False, empty_label=None)
    status = forms.ChoiceField(label=_("状态"), required=False)
    district = forms.ModelChoiceField(label=_("区县"), queryset=None, required=False, empty_label=_("全部区县"))

    def __init__(self, *args, rounds, districts, **kwargs):
        from .models import SelfAssessment

        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = rounds
        self.fields["district"].queryset = districts
        self.fields["status"].choices = [("", _("全部状态")), *SelfAssessment.Status.choices]
