"""config.evidence_files: one store / serve / remove for the inspectors' and the schools' evidence."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from config.evidence_files import evidence_from_upload, evidence_remove, evidence_response
from config.uploads import check_evidence_upload
from evaluation.models import Evidence
from selfassessment import selectors
from selfassessment.models import SelfEvidence
from tests.evaluation.conftest import elements

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _upload():
    return SimpleUploadedFile("../报告<x>.pdf", PDF, content_type="text/html")


def _rows(world):
    """One inspector's and one school's evidence row, both stored through the shared helper."""
    from evaluation.models import Scorecard

    card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    element = elements(world.version)[0]
    upload = _upload()
    inspector = evidence_from_upload(Evidence, checked=check_evidence_upload(upload), upload=upload, scorecard=card,
                                     element=element, uploaded_by=world.alice)
    sa = selectors.self_assessment_of(round=world.round, school=world.school)
    sa.status = sa.Status.DRAFT
    sa.save()
    upload = _upload()
    school = evidence_from_upload(SelfEvidence, checked=check_evidence_upload(upload), upload=upload, self_assessment=sa,
                                  element=element, uploaded_by=world.school_user)
    return inspector, school


def test_both_kinds_are_stored_under_server_names_and_served_as_safe_downloads(world):
    for row in _rows(world):
        assert "报告" not in row.file.name and row.content_type == "application/pdf" and row.size == len(PDF)
        response = evidence_response(row)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF


def test_a_missing_stored_file_is_a_404(world):
    for row in _rows(world):
        row.file.storage.delete(row.file.name)
        with pytest.raises(Http404):
            evidence_response(row)


def test_the_file_goes_only_once_the_row_is_gone_for_good(world, django_capture_on_commit_callbacks):
    for row in _rows(world):
        storage, name = row.file.storage, row.file.name
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            evidence_remove(row)
        assert storage.exists(name) and not type(row).objects.filter(pk=row.pk).exists()
        for callback in callbacks:
            callback()
        assert not storage.exists(name)
