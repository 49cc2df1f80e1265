"""Forms of 满意度问卷: the public answer form (built from the questionnaire), campaigns, code batches."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluation.models import Round
from schools.models import School

from .codes import MAX_INPUT
from .models import SCALE_LABELS, Group, Item, Questionnaire
from .services import MAX_CODES_PER_BATCH, OPEN_MAX_LENGTH


class EnterCodeForm(forms.Form):
    code = forms.CharField(label=_("答题码"), max_length=MAX_INPUT, required=True,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "spellcheck": "false", "class": "form-control form-control-lg"}))


class AnswerForm(forms.Form):
    """One field per item: item_<pk>. Scale and yes/no required, open text optional (OPEN_MAX_LENGTH)."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            name = f"item_{item.pk}"
            if item.kind == Item.Kind.OPEN:
                self.fields[name] = forms.CharField(
                    label=f"{item.order}. {item.text}", required=False, max_length=OPEN_MAX_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 3, "class": "form-control", "maxlength": OPEN_MAX_LENGTH}))
            else:
                self.fields[name] = forms.TypedChoiceField(
                    label=f"{item.order}. {item.text}", coerce=int, widget=forms.RadioSelect,
                    choices=[(str(v), label) for v, label in SCALE_LABELS[item.kind]],
                    error_messages={"required": _("请选择一项。"), "invalid_choice": _("请选择一项。")})

    def answers(self) -> dict:
        return {item.pk: self.cleaned_data.get(f"item_{item.pk}") for item in self.items}

    def rows(self):
        """(item, bound field) pairs for the template."""
        return [(item, self[f"item_{item.pk}"]) for item in self.items]


class CampaignForm(forms.Form):
    round = forms.ModelChoiceField(label=_("评估批次"), queryset=Round.objects.order_by("-year", "-id"))
    school = forms.ModelChoiceField(label=_("学校"), required=False, queryset=School.objects.order_by("code"),
                                    empty_label=_("该批次的全部学校（尚无调查活动的）"))
    opens_at = forms.DateTimeField(label=_("开始时间"),
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    closes_at = forms.DateTimeField(label=_("截止时间"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                               format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in Group.choices:
            self.fields[f"q_{value}"] = forms.ModelChoiceField(
                label=_("%(group)s问卷") % {"group": label}, required=False,
                queryset=Questionnaire.objects.filter(group=value).select_related("rubric_version"),
                empty_label=_("（不调查该对象）"))

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("截止时间须晚于开始时间。"))
        if not any(data.get(f"q_{g}") for g in Group.values):
            raise forms.ValidationError(_("请至少为一个调查对象选择问卷。"))
        return data

    def questionnaires(self) -> dict:
        return {g: self.cleaned_data[f"q_{g}"] for g in Group.values if self.cleaned_data.get(f"q_{g}")}


class CodesForm(forms.Form):
    group = forms.ChoiceField(label=_("调查对象"))
    count = forms.IntegerField(label=_("答题码数量"), min_value=1, max_value=MAX_CODES_PER_BATCH, initial=50)

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = {str(g.pk): g for g in groups}
        self.fields["group"].choices = [(str(g.pk), g.get_group_display()) for g in groups]

    def group_obj(self):
        return self.groups[self.cleaned_data["group"]]
