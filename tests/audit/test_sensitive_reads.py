"""Every sensitive read is audited with who, what and within which scope (issue 12)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from audit.models import AuditEvent
from evaluation import services as evaluation_services
from evaluation.models import Scorecard
from reports.models import ExportJob
from tests.evaluation.conftest import elements
from tests.reports.conftest import give_scores, half

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def reads(world, settings, tmp_path, django_capture_on_commit_callbacks, client):
    """world with both schools finalized, a piece of evidence and an official's finished batch export."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    world.card = card
    world.evidence = evaluation_services.evidence_add(
        scorecard=card, element=elements(world.version)[0],
        upload=SimpleUploadedFile("报告.pdf", PDF, content_type="application/pdf"), by=world.alice)
    give_scores(world.evaluation, half, by=world.lead)
    give_scores(world.other_evaluation, half, by=world.bob)
    client.force_login(world.official)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("reports:export_start"), {"round": world.round.pk})
    world.job = ExportJob.objects.get(requested_by=world.official)
    client.logout()
    # Only the read under test is looked at (the log is append-only, even here).
    world.audit_since = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return world


def _round(w):
    return {"round": w.round.pk}


# (name, who, url and query, event, the object recorded, the scope recorded)
READS = [
    ("ranking xlsx", "official", lambda w: (reverse("reports:ranking_xlsx"), _round(w)),
     "export.xlsx", lambda w: w.round, "雁塔区"),
    ("district xlsx", "official", lambda w: (reverse("reports:district_xlsx"), _round(w)),
     "export.xlsx", lambda w: w.round, "雁塔区"),
    ("analytics agreement xlsx", "official", lambda w: (reverse("analytics:agreement_xlsx"), _round(w)),
     "export.xlsx", lambda w: w.round, "雁塔区"),
    ("analytics cv xlsx", "city_official", lambda w: (reverse("analytics:cv_xlsx"), _round(w)),
     "export.xlsx", lambda w: w.round, "全市"),
    ("analytics elements xlsx", "official", lambda w: (reverse("analytics:elements_xlsx"), _round(w)),
     "export.xlsx", lambda w: w.round, "雁塔区"),
    ("analytics leniency xlsx", "admin", lambda w: (reverse("analytics:leniency_xlsx"), _round(w)),
     "export.xlsx", lambda w: w.round, "全市（管理员）"),
    ("score sheet pdf", "official", lambda w: (reverse("reports:scoresheet_pdf", args=[w.evaluation.pk]), {}),
     "export.pdf", lambda w: w.evaluation, "雁塔区"),
    ("score sheet xlsx", "official", lambda w: (reverse("reports:scoresheet_xlsx", args=[w.evaluation.pk]), {}),
     "export.xlsx", lambda w: w.evaluation, "雁塔区"),
    ("school report pdf", "other_official", lambda w: (reverse("reports:report_pdf", args=[w.other_evaluation.pk]), {}),
     "export.pdf", lambda w: w.other_evaluation, "碑林区"),
    ("evidence download", "alice", lambda w: (reverse("evaluation:evidence_download", args=[w.evidence.pk]), {}),
     "evidence.download", lambda w: w.evidence, "本人评估"),
    ("scorecard download", "official", lambda w: (reverse("evaluation:scorecard_download", args=[w.card.pk]), {}),
     "scorecard.download", lambda w: w.card, "雁塔区"),
    ("batch export zip download", "official", lambda w: (reverse("reports:export_download", args=[w.job.pk]), {}),
     "export.zip", lambda w: w.job, "雁塔区"),
    ("audit log export", "auditor", lambda w: (reverse("audit:event_export"), {"event": "评分"}),
     "export.audit_xlsx", lambda w: None, "审计日志（按筛选条件）"),
]


@pytest.mark.parametrize("name,who,request_of,event,object_of,scope", READS, ids=[r[0] for r in READS])
def test_every_sensitive_read_records_who_what_and_scope(reads, login, name, who, request_of, event, object_of,
                                                         scope):
    user = getattr(reads, who)
    url, query = request_of(reads)
    response = login(user).get(url, query)
    assert response.status_code == 200, name
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    [record] = AuditEvent.objects.filter(event=event, id__gt=reads.audit_since)
    assert (record.user_id, record.username) == (user.pk, user.username)
    assert record.detail["scope"] == scope
    obj = object_of(reads)
    if obj is None:  # the audit export: what was read is the log under the given filter
        assert record.detail["filters"] == {"event": "评分"}
    else:
        assert (record.object_type, record.object_id) == (obj._meta.label, str(obj.pk))
