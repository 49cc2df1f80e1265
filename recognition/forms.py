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
