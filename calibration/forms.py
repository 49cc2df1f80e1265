from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts import roles
from evaluation.models import Evaluation, Round


class CaseForm(forms.Form):
    title = forms.CharField(label=_("案例名称"), max_length=100,
                            help_text=_("督导专家看到的名称；匿名案例请不要写学校名称。"))
    round = forms.ModelChoiceField(label=_("来源评估批次"), queryset=Round.objects.none(), empty_label=None)
    school_code = forms.CharField(label=_("来源学校代码"), max_length=50,
                                  help_text=_("该学校在来源批次中的评估及其佐证材料作为案例材料。"))
    anonymized = forms.BooleanField(label=_("匿名案例"), required=False,
                                    help_text=_("匿名时，材料以编号显示，不显示原文件名。"))
    description = forms.CharField(label=_("案例说明"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = Round.objects.select_related("rubric_version")

    def clean(self):
        data = super().clean()
        if data.get("round") and data.get("school_code"):
            source = (Evaluation.objects.assessed().select_related("round__rubric_version", "school")
                      .filter(round=data["round"], school__code=data["school_code"].strip()).first())
            if source is None:
                self.add_error("school_code", _("该批次中没有这所学校的评估。"))
            data["source"] = source
        return data


class MembersForm(forms.Form):
    inspectors = forms.ModelMultipleChoiceField(
        label=_("督导专家"), queryset=get_user_model().objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一位督导专家。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspectors"].queryset = get_user_model().objects.filter(
            groups__name=roles.INSPECTOR, is_active=True).order_by("username")
        self.fields["inspectors"].label_from_instance = lambda u: f"{u.display_name}（{u.username}）"


class ImportForm(forms.Form):
    file = forms.FileField(label=_("参考分文件（.xlsx）"), error_messages={"required": _("请选择文件。")})


class CaseFileForm(forms.Form):
    file = forms.FileField(label=_("案例材料文件"), error_messages={"required": _("请选择文件。")})
