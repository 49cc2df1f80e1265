"""django-filter sets for the list endpoints (the querysets are already narrowed to the caller's scope)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evaluation.models import Evaluation, Round
from rubric.models import RubricVersion
from schools.models import District, School


class RubricVersionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RubricVersion.Status.choices, label=_("状态"))

    class Meta:
        model = RubricVersion
        fields = ["status"]


class SchoolFilter(django_filters.FilterSet):
    district = django_filters.ModelChoiceFilter(queryset=District.objects.all(), label=_("区县"))
    stage = django_filters.ChoiceFilter(choices=School.Stage.choices, label=_("学段"))
    location = django_filters.ChoiceFilter(choices=School.Location.choices, label=_("城乡类别"))
    q = django_filters.CharFilter(method="search", max_length=100, label=_("学校名称或代码包含"))

    class Meta:
        model = School
        fields = ["district", "stage", "location", "q"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class RoundFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("年度"))
    status = django_filters.ChoiceFilter(choices=Round.Status.choices, label=_("状态"))

    class Meta:
        model = Round
        fields = ["year", "status"]


class EvaluationFilter(django_filters.FilterSet):
    round = django_filters.NumberFilter(field_name="round_id", label=_("评估批次 ID"))
    district = django_filters.NumberFilter(field_name="school__district_id", label=_("区县 ID"))
    status = django_filters.ChoiceFilter(choices=Evaluation.Status.choices, label=_("状态"))

    class Meta:
        model = Evaluation
        fields = ["round", "district", "status"]
