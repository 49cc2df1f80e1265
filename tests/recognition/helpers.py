"""Small helpers for the recognition tests."""

from recognition.models import Objection, Recognition, RecognitionEntry, RecognitionList, RecognitionTransition


def state():
    """Everything the recognition process stores, to assert that a refused step changed nothing."""
    return {
        "lists": list(RecognitionList.objects.order_by("pk").values_list(
            "status", "publicity_starts_on", "publicity_ends_on", "objection_contact", "document_no", "recognized_on")),
        "entries": list(RecognitionEntry.objects.order_by("pk").values_list(
            "evaluation_id", "total", "default_decision", "decision", "reason", "withdrawn", "version")),
        "objections": list(Objection.objects.order_by("pk").values_list(
            "entry_id", "received_on", "channel", "content", "contact", "handler", "investigation", "outcome",
            "withdraw", "status", "version")),
        "recognitions": list(Recognition.objects.order_by("pk").values_list("school_id", "document_no",
                                                                            "recognized_on", "valid_until")),
        "transitions": RecognitionTransition.objects.count(),
    }


def entry_of(evaluation) -> RecognitionEntry:
    return RecognitionEntry.objects.get(evaluation=evaluation)
