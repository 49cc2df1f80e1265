"""Storing, serving and removing evidence files (佐证材料): the inspectors' (evaluation.Evidence) and
the schools' (selfassessment.SelfEvidence) alike, so both keep the same rules in one place.

A row here is any model with a `file` FileField, `content_type` and a `download_name` property;
checking the bytes is config.uploads.check_evidence_upload's job, before `evidence_store`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _

from .uploads import CheckedUpload, download_name


class EvidenceFile(models.Model):
    """The columns every stored evidence file has (inspectors', schools', rectification and
    calibration files): what the upload check found and who filed it. A concrete model adds its
    `file` FileField (with its own upload_to) and its owner."""

    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name

    @property
    def download_name(self) -> str:
        """The user's name with the extension of the detected type, never the uploaded one (x.html → x.pdf)."""
        return download_name(self.original_name, self.content_type)


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
