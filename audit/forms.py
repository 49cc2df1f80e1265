from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent
from .selectors import AuditFilters


class AuditFilterForm(forms.Form):
    """The viewer's filters; anything else in the query string is ignored."""

    date_from = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    user = forms.CharField(label=_("用户名"), required=False, max_length=150)
    event = forms.CharField(label=_("事件"), required=False, max_length=50)
    outcome = forms.ChoiceField(
        label=_("结果"), required=False, choices=[("", _("全部"))] + list(AuditEvent.Outcome.choices)
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError({"date_to": _("结束日期不能早于开始日期。")})
        return data

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            date_from=data.get("date_from"), date_to=data.get("date_to"),
            user=data.get("user", "").strip(), event=data.get("event", "").strip(), outcome=data.get("outcome", ""),
        )
