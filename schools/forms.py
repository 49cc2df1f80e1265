from django import forms
from django.utils.translation import gettext_lazy as _

from .importing import MAX_FILE_BYTES
from .models import District, School
from .services import CODE_RE


class SchoolFilterForm(forms.Form):
    """The school list's filters; invalid values are simply ignored by the view."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    district = forms.ModelChoiceField(
        label=_("所属区县"), queryset=District.objects.order_by("order", "code"), required=False, empty_label=_("全部区县")
    )
    stage = forms.ChoiceField(label=_("学段"), required=False, choices=[("", _("全部学段")), *School.Stage.choices])
    location = forms.ChoiceField(
        label=_("城乡类别"), required=False, choices=[("", _("全部类别")), *School.Location.choices]
    )


class SchoolForm(forms.ModelForm):
    class Meta:
        model = School
        fields = ["code", "name", "district", "stage", "location", "address", "principal"]
        help_texts = {"code": _("全市唯一，只能包含字母、数字和连字符。")}

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not CODE_RE.match(code):
            raise forms.ValidationError(_("学校代码只能包含字母、数字和连字符。"))
        return code


class SchoolImportForm(forms.Form):
    file = forms.FileField(
        label=_("学校名单文件"),
        help_text=_("支持 .xlsx 或 .csv（UTF-8 或 GB18030 编码），最大 5 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("文件过大：最大 %(mb)d MB。") % {"mb": MAX_FILE_BYTES // (1024 * 1024)})
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("不支持的文件类型：请上传 .xlsx 或 .csv 文件。"))
        return upload
