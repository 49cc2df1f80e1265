"""Django admin for support staff. Day-to-day work goes through the app's own pages and services;
scores and evidence are read-only here so the version check, history and audit are never bypassed."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Evaluation,
    Evidence,
    FinalScore,
    InspectorObservation,
    PanelOpinion,
    Round,
    Score,
    Scorecard,
    Transition,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = ["name", "year", "rubric_version", "status", "consolidation", "pass_mark"]
    list_filter = ["status", "year"]


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["round", "school", "status", "finalized_at", "finalized_by"]
    list_filter = ["round", "status", "school__district"]
    search_fields = ["school__name", "school__code"]
    list_select_related = ["round", "school", "finalized_by"]


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "inspector", "is_lead", "status", "submitted_at"]
    list_filter = ["status", "is_lead", "evaluation__round"]
    list_select_related = ["evaluation__round", "evaluation__school", "inspector"]


@admin.register(Score)
class ScoreAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["scorecard", "element", "points", "version", "updated_by", "updated_at"]
    list_select_related = ["scorecard__evaluation__round", "scorecard__evaluation__school", "scorecard__inspector", "element", "updated_by"]
    search_fields = ["element__code", "scorecard__inspector__username"]


@admin.register(FinalScore)
class FinalScoreAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["evaluation", "element", "points", "version", "updated_by", "updated_at"]
    list_select_related = ["evaluation__round", "evaluation__school", "element", "updated_by"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "element", "scorecard", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["element", "scorecard__evaluation__round", "scorecard__evaluation__school", "scorecard__inspector", "uploaded_by"]
    exclude = ["file"]  # downloads go through the permission-checking view, never a media URL


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "action", "scorecard", "by", "at", "reason"]
    list_filter = ["action"]
    list_select_related = ["evaluation__round", "evaluation__school", "scorecard__inspector", "by"]


@admin.register(InspectorObservation)
class InspectorObservationAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["scorecard", "dimension", "version", "updated_by", "updated_at"]
    list_select_related = ["scorecard__evaluation__round", "scorecard__evaluation__school", "scorecard__inspector",
                           "dimension", "updated_by"]


@admin.register(PanelOpinion)
class PanelOpinionAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["evaluation", "version", "updated_by", "updated_at"]
    list_select_related = ["evaluation__round", "evaluation__school", "updated_by"]
