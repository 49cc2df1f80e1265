"""PDF renderers of the recognition process, one function per document (reports.pdf.render_pdf:
templates with Django's escaping, A4, the embedded CJK font). They lay out what the selectors give;
nothing is computed here."""

from __future__ import annotations

from django.utils import timezone

from reports.pdf import render_pdf

from .selectors import Notice


def notice_pdf(notice: Notice, *, generated_at=None) -> bytes:
    """公示 notice: the schools proposed for recognition by district, the dates, where to send objections."""
    return render_pdf("recognition/pdf/notice.html", {
        "n": notice, "printed_at": timezone.localtime(generated_at or timezone.now())})


def certificates_pdf(recognitions, *, generated_at=None) -> bytes:
    """认定证书: one A4 landscape page per recognized school (school, round, 文号, dates)."""
    return render_pdf("recognition/pdf/certificate.html", {
        "recognitions": list(recognitions), "printed_at": timezone.localtime(generated_at or timezone.now())})


def recognized_list_pdf(rlist, recognitions, *, title: str, generated_at=None) -> bytes:
    """The recognized schools of a concluded list, by district, with the 文号 and the validity."""
    return render_pdf("recognition/pdf/recognized_list.html", {
        "rlist": rlist, "recognitions": list(recognitions), "title": title,
        "printed_at": timezone.localtime(generated_at or timezone.now())})
