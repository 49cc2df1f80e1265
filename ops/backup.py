"""Backup and restore: one tar.gz with the database as JSON, the media files and a signed SHA-256 manifest.

Layout of the archive:
    manifest.json          {"format": 1, "created_at": ..., "files": {name: sha256}, "counts": {model: n}}
    manifest.sig           HMAC-SHA256 of manifest.json's bytes, keyed by settings.BACKUP_KEY
    db.json                dumpdata of every app (history tables included), natural foreign keys
    media/<relative path>  every file under MEDIA_ROOT (evidence)
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

FORMAT = 1
# Rebuilt by migrate (contenttypes, permissions) or transient (sessions, lockout counters).
EXCLUDED_APPS = ("contenttypes", "sessions", "axes")
EXCLUDED_MODELS = ("auth.permission",)
# Tables that must hold no rows for a restore target to count as empty (migrations only seed
# districts, the Xi'an rubric and the role groups).
MUST_BE_EMPTY = ("accounts.User", "schools.School", "evaluation.Round", "evaluation.Evaluation",
                 "evaluation.Score", "evaluation.Evidence", "audit.AuditEvent")


class BackupError(Exception):
    """The archive is unusable or the target is not empty; nothing was written."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _signature(manifest_bytes: bytes) -> str:
    # The hashes alone prove an archive is intact but not that it is ours: whoever edits db.json
    # can recompute them. The HMAC needs the deployment's key, which an archive never contains.
    return salted_hmac("ops.backup.manifest", manifest_bytes, secret=settings.BACKUP_KEY, algorithm="sha256").hexdigest()


def _dumped_models():
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if model._meta.app_label in EXCLUDED_APPS or label in EXCLUDED_MODELS:
            continue
        if model._meta.proxy or not model._meta.managed:
            continue
        yield model


def _media_files(root: Path):
    if not root.exists():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, PurePosixPath(path.relative_to(root).as_posix())


def backup_create(*, output: Path, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Write the archive to `output`; returns the manifest."""
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        db_json = Path(tmp) / "db.json"
        # One transaction: the dump is a consistent snapshot even while users keep scoring.
        with transaction.atomic(using=using):
            call_command(
                "dumpdata", *[f"--exclude={name}" for name in EXCLUDED_APPS + EXCLUDED_MODELS],
                natural_foreign=True, database=using, output=str(db_json), verbosity=0,
            )
            counts = {m._meta.label_lower: m._base_manager.using(using).count() for m in _dumped_models()}
        files = {"db.json": _sha256_file(db_json)}
        media = list(_media_files(media_root))
        for path, rel in media:
            files[f"media/{rel}"] = _sha256_file(path)
        manifest = {
            "format": FORMAT, "created_at": timezone.now().isoformat(), "files": files,
            "counts": {k: v for k, v in counts.items() if v},
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            signature = _signature(data).encode()
            info = tarfile.TarInfo("manifest.sig")
            info.size = len(signature)
            info.mtime = int(timezone.now().timestamp())
            tar.addfile(info, io.BytesIO(signature))
            tar.add(db_json, arcname="db.json")
            for path, rel in media:
                tar.add(path, arcname=f"media/{rel}")
        partial.replace(output)  # never leave a half-written archive under the final name
    return manifest


def _safe_member_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"归档包含不安全的路径：{name!r}")
    return path


def _extract_verified(archive: Path, into: Path) -> dict:
    """Extract regular files only and check them against the manifest; raise on any mismatch."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar.getmembers():
                rel = _safe_member_name(member.name)
                if member.isdir():
                    continue
                if not member.isfile():
                    raise BackupError(f"归档包含非普通文件：{member.name!r}")
                target = into / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"无法读取归档：{exc}") from exc
    manifest_path, signature_path = into / "manifest.json", into / "manifest.sig"
    if not manifest_path.is_file():
        raise BackupError("归档缺少 manifest.json。")
    if not signature_path.is_file():
        raise BackupError("归档缺少签名 manifest.sig（不是本系统生成的备份，或已被改动）。")
    manifest_bytes = manifest_path.read_bytes()
    if not constant_time_compare(signature_path.read_bytes().strip(), _signature(manifest_bytes).encode()):
        raise BackupError("备份签名不符：归档在备份后被改动，或本机的 BACKUP_KEY 与备份时不同。")
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        expected = dict(manifest["files"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError("manifest.json 格式错误。") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不支持的备份格式：{manifest.get('format')!r}")
    present = {p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file()} - {"manifest.json", "manifest.sig"}
    if present != set(expected):
        raise BackupError(
            "归档内容与清单不符：多出 {}，缺少 {}".format(sorted(present - set(expected)), sorted(set(expected) - present))
        )
    for name, digest in expected.items():
        if _sha256_file(into / name) != digest:
            raise BackupError(f"校验失败：{name} 的 SHA-256 与清单不符（归档可能被篡改）。")
    return manifest


def _assert_empty_target(using: str) -> None:
    for label in MUST_BE_EMPTY:
        if apps.get_model(label)._base_manager.using(using).exists():
            raise BackupError(f"目标数据库不是空库（{label} 已有数据），拒绝恢复。")
    if any(True for _ in _media_files(Path(settings.MEDIA_ROOT))):
        raise BackupError(f"目标文件存储 {settings.MEDIA_ROOT} 不是空的，拒绝恢复。")


def backup_restore(*, archive: Path, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Verify the archive, then load it into an empty database and storage; returns the manifest."""
    from audit.signals import suppressed

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        manifest = _extract_verified(archive, workdir)
        _assert_empty_target(using)
        media_root = Path(settings.MEDIA_ROOT)
        copied: list[Path] = []
        try:
            with transaction.atomic(using=using), suppressed():
                # Migrations seeded districts, the rubric and role groups; the archive has them
                # (possibly edited), so the seeded rows give way to the archived ones.
                for model in _dumped_models():
                    model._base_manager.using(using).all()._raw_delete(using)
                call_command("loaddata", str(workdir / "db.json"), database=using, verbosity=0)
                for label, count in manifest.get("counts", {}).items():
                    actual = apps.get_model(label)._base_manager.using(using).count()
                    if actual != count:
                        raise BackupError(f"恢复后 {label} 的行数为 {actual}，清单为 {count}。")
                for name in manifest["files"]:
                    if not name.startswith("media/"):
                        continue
                    target = media_root / name.removeprefix("media/")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(workdir / name, target)
                    copied.append(target)
                connections[using].check_constraints()
        except Exception:
            for path in copied:  # the database rolled back; leave the storage as empty as it was
                path.unlink(missing_ok=True)
            raise
    return manifest
