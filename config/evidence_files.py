"""Storing, serving and removing evidence files (佐证材料): the inspectors' (evaluation.Evidence) and
the schools' (selfassessment.SelfEvidence) alike, so both keep the same rules in one place.

A row here is any model with a `file` FileField, `content_type` and a `download_name` property;
checking the bytes is config.uploads.check_evidence_upload's job, before `evidence_store`.
"""

from __future__ import annotations

from django.db import transaction
from django.http import FileResponse, Http404

from .uploads import CheckedUpload


def evidence_from_upload(model, *, checked: CheckedUpload, upload, **fields):
    """Make, store and save one evidence row: the file under the server-generated name (never user
    text; the storage API picks the final path), the row validated (full_clean) and saved; the stored
    file is removed again when the row is refused."""
    evidence = model(original_name=checked.original_name, content_type=checked.content_type, size=checked.size,
                     sha256=checked.sha256, **fields)
    evidence.file.save(checked.stored_name, upload, save=False)
    try:
        evidence.full_clean()
        evidence.save()
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


def evidence_remove(evidence) -> None:
    """Delete the row now and its file once the transaction commits (never a file whose row survives
    a rollback). Call inside a transaction."""
    name = evidence.file.name
    storage = evidence.file.storage
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))


def evidence_response(evidence) -> FileResponse:
    """The file as a download under its safe name and detected type, never rendered by the browser
    (nosniff, a sandboxing CSP); 404 when the stored file is gone."""
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=evidence.download_name,
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
