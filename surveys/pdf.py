"""The code slips PDF: a class set on A4 as cut-out slips, each with the survey address, its code and a
QR code (segno, rendered locally as an SVG data URI; nothing leaves the server)."""

from __future__ import annotations

import segno
from django.urls import reverse

from reports.pdf import render_pdf

from .codes import display


PER_PAGE = 10


def answer_url(base_url: str, code: str) -> str:
    return base_url.rstrip("/") + reverse("survey_public:answer", kwargs={"code": code})


def slips_pdf(*, group, codes: list[str], base_url: str) -> bytes:
    campaign = group.campaign
    enter_url = base_url.rstrip("/") + reverse("survey_public:enter")
    slips = []
    for code in codes:
        url = answer_url(base_url, code)
        slips.append({"code": display(code), "qr": segno.make(url, error="m").svg_data_uri(scale=3, border=1)})
    # Pages of PER_PAGE slips, in rows of two (a table per page: cut along the dashed lines).
    pages = [[slips[i:i + 2] for i in range(p, min(p + PER_PAGE, len(slips)), 2)]
             for p in range(0, len(slips), PER_PAGE)]
    return render_pdf("surveys/pdf/slips.html", {
        "campaign": campaign, "group": group, "pages": pages, "enter_url": enter_url})
