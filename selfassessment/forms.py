"""Input of 学校自评申报's pages, parsed and checked before any service is called."""

from django import forms
from django.utils.translation import gettext_lazy as _

from schools.models import School


class NominationForm(forms.Form):
    schools = forms.ModelMultipleChoiceField(label=_("提名的学校"), queryset=School.objects.none(), required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, district_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = School.objects.filter(district_id__in=list(district_ids))
