"""Helpers for the tests of large table exports built in the background (reports.background):
open the confirmation page, start the job through its form, read the job's workbook back and
compare it with the inline download of the same URL."""

from __future__ import annotations

import html
import io
import re
from urllib.parse import unquote

import openpyxl
from django.test import override_settings
from django.urls import reverse

from reports.models import ExportJob

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
START = reverse("reports:table_export_start")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def sheets(content: bytes) -> dict[str, list[tuple]]:
    """Every sheet's rows (values as written: text, numbers, formulas)."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def cells(content: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def saved_name(response) -> str:
    """The file name a browser saves, from Content-Disposition (filename*= or filename=)."""
    value = response["Content-Disposition"]
    star = re.search(r"filename\*=(?:UTF-8|utf-8)''([^;]+)", value)
    if star:
        return unquote(star.group(1))
    return re.search(r'filename="([^"]*)"', value).group(1)


def confirm_form(response) -> dict[str, str]:
    """The hidden fields of the confirmation page's form."""
    text = response.content.decode()
    return {name: html.unescape(re.search(rf'name="{name}" value="([^"]*)"', text).group(1))
            for name in ("export", "query")}


def job_file(job) -> bytes:
    job.refresh_from_db()
    with job.file.open("rb") as fh:
        return fh.read()


def start(client, capture, data) -> tuple:
    """POST the start form with the immediate task backend; the response and the newest TABLE job (or None)."""
    with override_settings(TASKS=IMMEDIATE), capture(execute=True):
        response = client.post(START, data)
    return response, ExportJob.objects.filter(kind=ExportJob.Kind.TABLE).order_by("-id").first()


def background_equals_inline(client, capture, settings, url, query=None):
    """Over the threshold the URL answers the confirmation page (nothing created); its form starts a
    job whose workbook has the same rows as the inline download (under the threshold) and is saved
    under the same name. Returns (job, the job's bytes)."""
    settings.EXPORT_INLINE_MAX_ROWS = -1
    confirm = client.get(url, query or {})
    assert confirm.status_code == 200, confirm.status_code
    assert "将在后台生成" in confirm.content.decode()
    assert not ExportJob.objects.filter(kind=ExportJob.Kind.TABLE).exists()
    response, job = start(client, capture, confirm_form(confirm))
    assert response.status_code == 302 and response["Location"] == reverse("reports:export_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.failures
    content = job_file(job)
    settings.EXPORT_INLINE_MAX_ROWS = 5000
    inline = client.get(url, query or {})
    assert inline.status_code == 200 and inline["Content-Type"] == XLSX
    assert sheets(content) == sheets(body(inline))
    download = client.get(reverse("reports:export_download", args=[job.pk]))
    assert download.status_code == 200
    assert body(download) == content
    assert saved_name(download) == saved_name(inline)
    return job, content
