"""Time the rubric editor's hot paths on a scratch database; prints the figures.

    .venv/bin/python bench/bench_rubric.py [--repeat 20]

Measures, on the 84-element Xi'an rubric: rendering the draft editor page and the version
list (time and query count), saving a one-cell edit, cloning a version, and importing the
fixture from JSON and from xlsx. Uses a temporary SQLite file unless DATABASE_URL is set.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timed(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="nqs-bench-"))
    Path(os.environ["DATA_DIR"], "staticfiles").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "STATIC_MANIFEST"):
        os.environ.setdefault(name, "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts import roles
    from rubric.models import RubricVersion
    from rubric.services import rubric_clone, rubric_delete, rubric_export, rubric_import
    from tests import factories as f

    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import Group

    from accounts.models import User

    admin = User.objects.filter(username="bench-admin").first() or f.user("bench-admin", roles.ADMIN)
    Group.objects.get_or_create(name=roles.ADMIN)
    source = RubricVersion.objects.get(code="xian-2020")
    RubricVersion.objects.filter(code__startswith="bench-", status="draft").delete()
    draft = rubric_clone(version=source, code="bench-draft", by=admin)
    client = Client()
    client.force_login(admin)
    f.otp_verified(client, admin)  # an admin's session has passed the second factor
    detail = reverse("rubric:version_detail", args=[draft.pk])
    element = draft.elements.get(code="C19")

    rows = []
    for label, url in (("编辑页（草稿，84 要素）", detail), ("版本列表", reverse("rubric:version_list"))):
        seen = []
        # request_started resets connection.queries, so count at the cursor instead.
        with connection.execute_wrapper(lambda execute, sql, params, many, context: (seen.append(sql), execute(sql, params, many, context))[1]):
            client.get(url)
        med, worst = _timed(lambda: client.get(url), args.repeat)
        rows.append((label, med, worst, len(seen)))

    values = iter(["2", "1"] * args.repeat)
    save_url = reverse("rubric:version_save", args=[draft.pk])
    med, worst = _timed(lambda: client.post(save_url, {f"e-{element.pk}-points": next(values)}), args.repeat)
    rows.append(("保存一个单元格", med, worst, None))

    counter = iter(range(10**6))

    def clone():
        v = rubric_clone(version=source, code=f"bench-c{next(counter)}", by=admin)
        rubric_delete(version=v)

    rows.append(("复制版本（含删除）", *_timed(clone, max(3, args.repeat // 4)), None))
    json_bytes = rubric_export(version=source, format="json").replace(b'"xian-2020"', b'"bench-import"')
    xlsx_bytes = rubric_export(version=source, format="xlsx")

    def imp(content, name):
        def run():
            v = rubric_import(content=content, filename=name, by=admin)
            rubric_delete(version=v)
        return run

    rows.append(("导入 JSON（含删除）", *_timed(imp(json_bytes, "r.json"), max(3, args.repeat // 4)), None))
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx_bytes))
    wb["评估细则"]["B1"] = "bench-xlsx"
    buf = io.BytesIO()
    wb.save(buf)
    rows.append(("导入 xlsx（含删除）", *_timed(imp(buf.getvalue(), "r.xlsx"), max(3, args.repeat // 4)), None))
    rows.append(("导出 xlsx", *_timed(lambda: rubric_export(version=source, format="xlsx"), max(3, args.repeat // 4)), None))
    rubric_delete(version=draft)

    print(f"数据库：{connection.vendor}；重复 {args.repeat} 次")
    print(f"{'操作':<22}{'中位数 ms':>10}{'最慢 ms':>10}{'查询数':>8}")
    for label, med, worst, queries in rows:
        print(f"{label:<22}{med:>10.1f}{worst:>10.1f}{'' if queries is None else queries:>8}")


if __name__ == "__main__":
    main()
