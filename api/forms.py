from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiToken
from .services import EXPIRY_CHOICES_DAYS


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("写明用途，如：区县数据中心同步。"),
                           error_messages={"required": _("请填写令牌名称。"),
                                           "max_length": _("令牌名称不能超过 100 个字。")})
    scope = forms.ChoiceField(label=_("权限范围"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ,
                              widget=forms.RadioSelect,
                              help_text=_("只读令牌只能读取；读写令牌还能导入学校、保存评分和提交评分表（仍以您账号的权限为限）。"))
    days = forms.TypedChoiceField(label=_("有效期"), coerce=int, initial=90,
                                  choices=[(d, _("%(d)s 天") % {"d": d}) for d in EXPIRY_CHOICES_DAYS])
