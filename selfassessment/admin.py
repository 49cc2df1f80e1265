"""Django admin for 学校自评申报: to look at only. Every change goes through selfassessment.services
(row locks, preconditions, the record of the chain, the audit log)."""

from django.contrib import admin

from .models import SchoolNomination, SelfAssessment, Transition


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SelfAssessment)
class SelfAssessmentAdmin(ReadOnlyAdmin):
    list_display = ("school", "round", "status", "submitted_at", "recommended_at", "decided_at")
    list_filter = ("round", "status", "school__district")
    search_fields = ("school__name", "school__code")
    list_select_related = ("school", "round")


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    list_display = ("self_assessment", "action", "by", "at")
    list_filter = ("action",)
    list_select_related = ("self_assessment__school", "self_assessment__round", "by")


@admin.register(SchoolNomination)
class SchoolNominationAdmin(ReadOnlyAdmin):
    list_display = ("school", "round", "by", "at")
    list_select_related = ("school", "round", "by")
