from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """The stock form, with one message for a wrong username and a wrong password."""

    error_messages = {
        "invalid_login": _("用户名或密码错误。"),
        "inactive": _("该账号已停用，请联系管理员。"),
    }

    # max_length as a real validator (the stock form only sets the HTML attribute): an overlong
    # name must never reach authenticate(), whose lockout bookkeeping stores it in varchar(255).
    username = forms.CharField(
        label=_("用户名"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("密码"), strip=False, max_length=4096, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class UserRolesForm(forms.Form):
    """Security admin's form: which role groups an account holds and whether it may log in."""

    roles = forms.MultipleChoiceField(
        label=_("角色"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    is_active = forms.BooleanField(label=_("账号启用"), required=False)

    def __init__(self, *args, **kwargs):
        from . import roles as role_names

        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(name, name) for name in role_names.ALL_ROLES]
