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
