from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kind


class EmailSettingsForm(forms.Form):
    """One checkbox per kind: send this kind by email as well."""

    def __init__(self, *args, initial_choices: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.BooleanField(label=label, required=False, initial=initial_choices.get(kind, True))

    def choices(self) -> dict[str, bool]:
        return {kind: self.cleaned_data.get(kind, False) for kind in Kind.values}


EMAIL_SETTINGS_HELP = _("站内通知总会显示；勾选的类型同时发送邮件到账号登记的邮箱。")
