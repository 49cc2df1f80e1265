from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RubricVersion
from .schema import CODE_RE

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label=_("细则文件（JSON 或 xlsx）"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".json", ".xlsx")):
            raise forms.ValidationError(_("只接受 .json 或 .xlsx 文件。"))
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件不能超过 2 MB。"))
        return f


class CloneForm(forms.Form):
    code = forms.CharField(label=_("新版本代码"), max_length=40, help_text=_("小写字母、数字和连字符，如 xian-2027。"))
    name = forms.CharField(label=_("新版本名称"), max_length=200, required=False, help_text=_("须与原版本名称不同；留空则为原名称加上新版本代码。"))

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not CODE_RE.match(code):
            raise forms.ValidationError(_("版本代码只能包含小写字母、数字和连字符（最长 40 个字符）。"))
        if RubricVersion.objects.filter(code=code).exists():
            raise forms.ValidationError(_("版本代码“%(code)s”已存在，请换一个。") % {"code": code})
        return code


class CompareForm(forms.Form):
    old = forms.ModelChoiceField(label=_("原版本"), queryset=RubricVersion.objects.all(), to_field_name="code")
    new = forms.ModelChoiceField(label=_("新版本"), queryset=RubricVersion.objects.all(), to_field_name="code")
