"""backup → restore round trip, and refusal of tampered archives or non-empty targets."""

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from accounts import roles
from audit.models import AuditEvent
from evaluation.models import Evidence, FinalScore, Score
from ops.backup import _dumped_models
from schools.models import District
from tests import factories as f


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media-origin"
    settings.MEDIA_ROOT.mkdir()
    return settings


@pytest.fixture
def seeded(world, media):
    """Scores on alice's and the lead's scorecards, consolidated finals and two evidence files."""
    elements = list(world.version.elements.order_by("order")[:6]) if hasattr(world.version, "elements") else None
    if elements is None:
        from rubric.models import Element

        elements = list(Element.objects.filter(indicator__dimension__version=world.version).order_by("order")[:6])
    for card in world.evaluation.scorecards.all():
        for i, el in enumerate(elements):
            Score.objects.create(scorecard=card, element=el, points=Decimal("0.25") * (i + 1), note=f"备注{i}", version=i)
    for i, el in enumerate(elements):
        FinalScore.objects.create(evaluation=world.evaluation, element=el, points=Decimal("0.50") + i, version=1)
    card = world.evaluation.scorecards.get(inspector=world.alice)
    for i, payload in enumerate([b"%PDF-1.4 fake evidence\n", bytes(range(256)) * 40]):
        ev = Evidence(
            scorecard=card, element=elements[i], original_name=f"证明{i}.pdf", content_type="application/pdf",
            size=len(payload), sha256=hashlib.sha256(payload).hexdigest(), uploaded_by=world.alice,
        )
        ev.file.save(f"{uuid.uuid4().hex}.pdf", ContentFile(payload), save=False)
        ev.save()
    return world


def _snapshot():
    counts = {m._meta.label_lower: m._base_manager.count() for m in _dumped_models()}
    scores = sorted(
        (s.scorecard.inspector.username, s.scorecard.evaluation.school.code, s.element.code, str(s.points), s.note, s.version)
        for s in Score.objects.select_related("scorecard__inspector", "scorecard__evaluation__school", "element")
    )
    finals = sorted((fs.evaluation_id, fs.element.code, str(fs.points)) for fs in FinalScore.objects.select_related("element"))
    files = sorted((e.file.name, e.sha256, _sha(Path(e.file.path))) for e in Evidence.objects.all())
    return {"counts": counts, "scores": scores, "finals": finals, "files": files}


def _alter_audit_trigger(action: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE audit_auditevent {action} TRIGGER audit_auditevent_append_only")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _wipe_to_fresh_database():
    """Make this database look freshly migrated: no data, then the migrations' seed rows again."""
    on_postgresql = connection.vendor == "postgresql"
    if on_postgresql:
        # The audit table refuses deletes (audit migration 0003). This test stands in for a fresh
        # database, so the trigger is off while the rows go and on again for the restore itself.
        # ALTER TABLE needs no pending (deferred) constraint checks on the table: flush them first.
        _alter_audit_trigger("DISABLE")
    for model in _dumped_models():
        model._base_manager.all()._raw_delete(connection.alias)
    if on_postgresql:
        _alter_audit_trigger("ENABLE")
    f.district("610113", "雁塔区")
    f.xian_rubric()
    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)


def test_backup_and_restore_round_trip_every_row_score_and_file(seeded, tmp_path, settings):
    archive = tmp_path / "backup.tar.gz"
    before = _snapshot()
    assert len(before["scores"]) == 12 and len(before["files"]) == 2
    call_command("backup", "-o", str(archive), stdout=io.StringIO())
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {"manifest.json", "manifest.sig", "db.json"} <= names
    assert sum(1 for n in names if n.startswith("media/evidence/")) == 2
    assert set(manifest["files"]) == names - {"manifest.json", "manifest.sig"}
    assert "evaluation.historicalscore" in manifest["counts"]  # history tables are in the dump

    _wipe_to_fresh_database()
    settings.MEDIA_ROOT = tmp_path / "media-restored"
    call_command("restore", str(archive), stdout=io.StringIO())

    after = _snapshot()
    after["counts"]["audit.auditevent"] -= 1  # the restore's own audit event
    assert after["scores"] == before["scores"]
    assert after["finals"] == before["finals"]
    assert after["files"] == before["files"]
    assert {k: v for k, v in after["counts"].items() if v} == {k: v for k, v in before["counts"].items() if v}
    assert AuditEvent.objects.filter(event="backup.restore").exists()
    assert District.objects.filter(code="610113").count() == 1


def _rewrite(archive: Path, out: Path, change):
    """Copy an archive, passing each (name, bytes) through change(); None drops the member."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            result = change(member.name, data)
            if result is None:
                continue
            name, data = result
            info = tarfile.TarInfo(name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


@pytest.fixture
def archive(seeded, tmp_path):
    path = tmp_path / "good.tar.gz"
    call_command("backup", "-o", str(path), stdout=io.StringIO())
    _wipe_to_fresh_database()
    return path


def _assert_nothing_written(settings):
    assert Score.objects.count() == 0 and Evidence.objects.count() == 0
    root = Path(settings.MEDIA_ROOT)
    assert not root.exists() or not [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("tamper", [
    pytest.param(lambda n, d: (n, d.replace(b'"0.25"', b'"9.99"')) if n == "db.json" else (n, d), id="score-edited"),
    pytest.param(lambda n, d: (n, d[:-1] + b"X") if n.startswith("media/") else (n, d), id="evidence-edited"),
    pytest.param(lambda n, d: None if n.startswith("media/") else (n, d), id="evidence-removed"),
    pytest.param(lambda n, d: (n, d) if n != "db.json" else ("db.json", d + b" "), id="db-appended"),
])
def test_a_tampered_archive_is_refused_and_nothing_is_written(archive, tmp_path, settings, tamper):
    bad = tmp_path / "bad.tar.gz"
    _rewrite(archive, bad, tamper)
    settings.MEDIA_ROOT = tmp_path / "media-target"
    with pytest.raises(CommandError, match="恢复被拒绝"):
        call_command("restore", str(bad), stdout=io.StringIO())
    _assert_nothing_written(settings)


def _recompute_manifest(archive: Path, out: Path, edit_db):
    """An attacker's archive: db.json edited and every hash in the manifest recomputed."""
    with tarfile.open(archive) as src:
        members = {m.name: src.extractfile(m).read() for m in src.getmembers()}
    members["db.json"] = edit_db(members["db.json"])
    manifest = json.loads(members["manifest.json"])
    manifest["files"]["db.json"] = hashlib.sha256(members["db.json"]).hexdigest()
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    _rewrite(archive, out, lambda n, d: (n, members[n]))


@pytest.mark.parametrize("signature", ["kept", "dropped"])
def test_recomputed_hashes_without_the_key_are_refused(archive, tmp_path, settings, signature):
    bad = tmp_path / "forged.tar.gz"
    _recompute_manifest(archive, bad, lambda d: d.replace(b'"0.25"', b'"9.99"'))
    if signature == "dropped":
        forged = tmp_path / "forged2.tar.gz"
        _rewrite(bad, forged, lambda n, d: None if n == "manifest.sig" else (n, d))
        bad = forged
    settings.MEDIA_ROOT = tmp_path / "media-target"
    with pytest.raises(CommandError, match="签名"):
        call_command("restore", str(bad), stdout=io.StringIO())
    _assert_nothing_written(settings)


def test_another_deployments_key_is_refused(archive, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media-target"
    settings.BACKUP_KEY = "another-deployment-key-0123456789"
    with pytest.raises(CommandError, match="BACKUP_KEY"):
        call_command("restore", str(archive), stdout=io.StringIO())
    _assert_nothing_written(settings)


def test_an_extra_or_traversing_member_is_refused(archive, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media-target"
    for name in ("media/extra.pdf", "../escape.txt", "/etc/evil"):
        bad = tmp_path / "bad.tar.gz"
        with tarfile.open(archive) as src, tarfile.open(bad, "w:gz") as dst:
            for member in src.getmembers():
                dst.addfile(member, src.extractfile(member))
            info = tarfile.TarInfo(name)
            info.size = 4
            dst.addfile(info, io.BytesIO(b"evil"))
        with pytest.raises(CommandError, match="恢复被拒绝"):
            call_command("restore", str(bad), stdout=io.StringIO())
        _assert_nothing_written(settings)
    assert not (tmp_path / "escape.txt").exists()


def test_a_non_empty_database_is_refused(seeded, tmp_path, settings):
    path = tmp_path / "b.tar.gz"
    call_command("backup", "-o", str(path), stdout=io.StringIO())
    before = Score.objects.count()
    settings.MEDIA_ROOT = tmp_path / "media-target"
    with pytest.raises(CommandError, match="不是空库"):
        call_command("restore", str(path), stdout=io.StringIO())
    assert Score.objects.count() == before


def test_a_non_empty_storage_is_refused(archive, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media-target"
    (tmp_path / "media-target").mkdir()
    (tmp_path / "media-target" / "stray.txt").write_text("x")
    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert Score.objects.count() == 0


def test_a_garbage_file_is_refused(db, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    with pytest.raises(CommandError, match="恢复被拒绝"):
        call_command("restore", str(junk), stdout=io.StringIO())


def _fresh_database_url(tmp_path):
    engine = connection.vendor
    if engine == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}", None
    if engine == "postgresql":
        name = f"nqs_restore_{uuid.uuid4().hex[:8]}"
        params = connection.settings_dict
        base = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
        return f"{base}/{name}", (base, name)
    pytest.skip(f"no fresh-database recipe for {engine}")


def _psql(base, sql):
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def test_restore_into_a_separate_freshly_migrated_database(seeded, tmp_path):
    """The real thing: another database and storage, migrated from scratch, then restored."""
    archive = tmp_path / "backup.tar.gz"
    expected = _snapshot()
    call_command("backup", "-o", str(archive), stdout=io.StringIO())
    url, pg = _fresh_database_url(tmp_path)
    if pg:
        _psql(pg[0], f'CREATE DATABASE "{pg[1]}"')
    try:
        env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": str(tmp_path / "fresh-data"),
               "MEDIA_ROOT": str(tmp_path / "fresh-media")}
        run = lambda *args: subprocess.run(  # noqa: E731
            [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
            capture_output=True, text=True, timeout=300,
        )
        for args in (("migrate", "-v0"), ("restore", str(archive))):
            result = run(*args)
            assert result.returncode == 0, result.stderr
        probe = run("shell", "-c", (
            "import json; from tests.ops.test_backup_restore import _snapshot; "
            "print('SNAPSHOT' + json.dumps(_snapshot()))"
        ))
        assert probe.returncode == 0, probe.stderr
        line = next(ln for ln in probe.stdout.splitlines() if ln.startswith("SNAPSHOT"))
        restored = json.loads(line.removeprefix("SNAPSHOT"))
        restored["counts"]["audit.auditevent"] -= 1  # the restore's own audit event
    finally:
        if pg:
            _psql(pg[0], f'DROP DATABASE IF EXISTS "{pg[1]}" WITH (FORCE)')
    assert [tuple(x) for x in restored["scores"]] == expected["scores"]
    assert [tuple(x) for x in restored["finals"]] == expected["finals"]
    assert [tuple(x) for x in restored["files"]] == expected["files"]
    assert {k: v for k, v in restored["counts"].items() if v} == {k: v for k, v in expected["counts"].items() if v}
