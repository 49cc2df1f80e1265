"""Django admin for support staff: read-only, so every change goes through the services (locks,
preconditions, transitions, audit)."""

from django.contrib import admin

from evaluation.admin import ReadOnlyAdmin

from .models import Objection, Recognition, RecognitionEntry, RecognitionList, RecognitionTransition


@admin.register(RecognitionList)
class RecognitionListAdmin(ReadOnlyAdmin):
    list_display = ["round", "status", "publicity_starts_on", "publicity_ends_on", "document_no", "recognized_on"]
    list_select_related = ["round"]


@admin.register(RecognitionEntry)
class RecognitionEntryAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "total", "default_decision", "decision", "withdrawn"]
    list_filter = ["decision", "withdrawn", "list__round"]
    list_select_related = ["evaluation__round", "evaluation__school"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["entry", "received_on", "channel", "status", "outcome", "withdraw"]
    list_filter = ["status", "outcome", "channel"]
    list_select_related = ["entry__evaluation__school"]
    exclude = ["contact"]  # the objector's contact: on the admins' objection page only


@admin.register(Recognition)
class RecognitionAdmin(ReadOnlyAdmin):
    list_display = ["school", "round", "document_no", "recognized_on", "valid_until", "status"]
    list_filter = ["round", "status"]
    list_select_related = ["school", "round"]


@admin.register(RecognitionTransition)
class RecognitionTransitionAdmin(ReadOnlyAdmin):
    list_display = ["list", "action", "by", "at", "reason"]
    list_filter = ["action"]
    list_select_related = ["list__round", "by"]
