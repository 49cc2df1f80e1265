"""Small server-side SVG charts for the PDF school report (WeasyPrint renders SVG natively).

Labels are escaped here because the markup is inserted into the PDF template unescaped.
No float arithmetic on scores: values arrive as Decimal percentages and only the drawing
coordinates are computed with math.
"""

from __future__ import annotations

import math
from decimal import Decimal

from django.utils.html import escape

FONT = 'font-family="WenQuanYi Micro Hei"'


def _pct(value) -> Decimal:
    value = Decimal(value or 0)
    return max(Decimal("0"), min(Decimal("100"), value))


def radar_svg(labels: list[str], series: list[tuple[str, str, list[Decimal]]], size: int = 320) -> str:
    """A radar chart; each series is (name, colour, percentages 0–100 per label)."""
    n = len(labels)
    cx = cy = size / 2
    radius = size / 2 - 48
    if n < 3:
        return bar_svg(labels, series, width=size)

    def point(i: int, pct: Decimal) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * int(pct * 100) / 10000
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 30}" '
             f'viewBox="0 0 {size} {size + 30}" role="img">']
    for ring in (25, 50, 75, 100):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, Decimal(ring)) for i in range(n)))
        parts.append(f'<polygon points="{pts}" fill="none" stroke="#ccc" stroke-width="0.6"/>')
    for i, label in enumerate(labels):
        x, y = point(i, Decimal(100))
        parts.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="#ccc" stroke-width="0.6"/>')
        lx, ly = point(i, Decimal(118))
        parts.append(f'<text x="{lx:.1f}" y="{ly + 4:.1f}" font-size="10" text-anchor="middle" {FONT}>{escape(label)}</text>')
    for name, colour, values in series:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, _pct(v)) for i, v in enumerate(values)))
        parts.append(f'<polygon points="{pts}" fill="{colour}" fill-opacity="0.2" stroke="{colour}" stroke-width="1.5"/>')
    for k, (name, colour, _values) in enumerate(series):
        y = size + 10 + 0 * k
        x = 20 + 150 * k
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="8" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 8}" font-size="10" {FONT}>{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_svg(labels: list[str], series: list[tuple[str, str, list[Decimal]]], width: int = 520) -> str:
    """Horizontal bars of percentages (0–100), one group per label."""
    bar_h = 7
    group_h = bar_h * len(series) + 6
    left = 60
    height = group_h * len(labels) + 30
    span = width - left - 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">']
    for pct in (0, 50, 100):
        x = left + span * pct / 100
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 24}" stroke="#ddd" stroke-width="0.6"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 12}" font-size="8" text-anchor="middle" {FONT}>{pct}%</text>')
    for i, label in enumerate(labels):
        y0 = i * group_h
        parts.append(f'<text x="{left - 4}" y="{y0 + group_h / 2 + 3:.1f}" font-size="9" text-anchor="end" {FONT}>{escape(label)}</text>')
        for k, (_name, colour, values) in enumerate(series):
            w = span * int(_pct(values[i]) * 100) / 10000
            parts.append(f'<rect x="{left}" y="{y0 + k * bar_h + 3}" width="{w:.1f}" height="{bar_h - 1}" fill="{colour}"/>')
            parts.append(f'<text x="{left + w + 2:.1f}" y="{y0 + k * bar_h + 9}" font-size="7" {FONT}>{_pct(values[i])}</text>')
    parts.append("</svg>")
    return "".join(parts)


MARKERS = ("circle", "square", "diamond", "triangle")


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if kind == "diamond":
        return f'<polygon points="{x:.1f},{y - 4:.1f} {x + 4:.1f},{y:.1f} {x:.1f},{y + 4:.1f} {x - 4:.1f},{y:.1f}" fill="{colour}"/>'
    if kind == "triangle":
        return f'<polygon points="{x:.1f},{y - 4:.1f} {x + 4:.1f},{y + 3:.1f} {x - 4:.1f},{y + 3:.1f}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>'


def line_svg(labels: list[str], series: list[tuple[str, str, list[Decimal | None]]], *, title: str, desc: str,
             chart_id: str = "chart", width: int = 640, height: int = 300) -> str:
    """A line chart of percentages (0–100) over `labels` (the rounds), one line per series (name, colour,
    values; None leaves a gap). Accessible: role="img" named by <title> and <desc>; lines differ by marker
    shape and carry their name at the right end, so colour is never the only cue. Pages show the same
    data as a table beside it."""
    left, right, top, bottom = 40, 70, 16, 40
    span_x = width - left - right
    span_y = height - top - bottom
    n = len(labels)

    def x_of(i: int) -> float:
        return left + (span_x / 2 if n == 1 else span_x * i / (n - 1))

    def y_of(pct: Decimal) -> float:
        return top + span_y - span_y * int(_pct(pct) * 100) / 10000

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="story-chart">',
             f'<title id="{chart_id}-title">{escape(title)}</title>', f'<desc id="{chart_id}-desc">{escape(desc)}</desc>']
    for pct in (0, 25, 50, 75, 100):
        y = y_of(Decimal(pct))
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd" stroke-width="0.6"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end" fill="#333">{pct}%</text>')
    for i, label in enumerate(labels):
        parts.append(f'<text x="{x_of(i):.1f}" y="{height - bottom + 16}" font-size="9" text-anchor="middle" '
                     f'fill="#333">{escape(label)}</text>')
    for k, (name, colour, values) in enumerate(series):
        points = [(x_of(i), y_of(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            dash = ' stroke-dasharray="5 3"' if k % 2 else ""
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.6"{dash}/>')
        for x, y in points:
            parts.append(_marker(MARKERS[k % len(MARKERS)], x, y, colour))
        if points:
            x, y = points[-1]
            parts.append(f'<text x="{x + 6:.1f}" y="{y + 3:.1f}" font-size="9" fill="#222">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
