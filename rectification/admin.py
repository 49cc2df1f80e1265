"""Django admin for support staff: read-only, every change goes through the services."""

from django.contrib import admin

from evaluation.admin import ReadOnlyAdmin

from .models import (RectificationEvidence, RectificationItem, RectificationReport, RectificationReview,
                     RectificationTransition)


@admin.register(RectificationItem)
class RectificationItemAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "problem", "deadline", "status", "source"]
    list_filter = ["status", "source", "evaluation__round"]
    list_select_related = ["evaluation__round", "evaluation__school"]


@admin.register(RectificationReport)
class RectificationReportAdmin(ReadOnlyAdmin):
    list_display = ["item", "by", "at"]
    list_select_related = ["item__evaluation__school", "by"]


@admin.register(RectificationEvidence)
class RectificationEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "content_type", "size", "uploaded_at"]
    exclude = ["file"]


@admin.register(RectificationReview)
class RectificationReviewAdmin(ReadOnlyAdmin):
    list_display = ["item", "outcome", "by", "at"]
    list_filter = ["outcome"]
    list_select_related = ["item__evaluation__school", "by"]


@admin.register(RectificationTransition)
class RectificationTransitionAdmin(ReadOnlyAdmin):
    list_display = ["item", "action", "from_status", "to_status", "by", "at"]
    list_filter = ["action"]
    list_select_related = ["item__evaluation__school", "by"]
