from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
        error_messages={"required": _("请输入验证码。")},
    )


class VerifyForm(CodeForm):
    code = forms.CharField(
        label=_("验证码或恢复码"),
        max_length=32,
        help_text=_("身份验证器显示的 6 位数字；手机不在身边时可输入一个恢复码（每个只能用一次）。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
        error_messages={"required": _("请输入验证码。")},
    )
