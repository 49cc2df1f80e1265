"""Templates must work under the strict CSP: no inline script, no inline event handlers, no CDN."""

import re
from pathlib import Path

import pytest
from django.conf import settings

# Templates under a pdf/ folder are rendered by WeasyPrint into PDF, never served to a browser,
# so the CSP does not apply to them (their <style> blocks are fine).
TEMPLATE_FILES = sorted(
    p for root in [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    for p in root.rglob("*.html") if "pdf" not in p.relative_to(root).parts
)

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
JSON_SCRIPT_OK = re.compile(r'<script[^>]*type="application/json"', re.I)
EVENT_HANDLER = re.compile(r"\s on[a-z]+\s*=", re.I | re.X)
JS_URL = re.compile(r"""(href|src)\s*=\s*["']\s*javascript:""", re.I)
STYLE_BLOCK = re.compile(r"<style[\s>]", re.I)
EXTERNAL = re.compile(r"""(src|href)\s*=\s*["'](https?:)?//""", re.I)


def test_there_are_templates_to_check():
    assert len(TEMPLATE_FILES) >= 5


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_template_is_csp_clean(path):
    text = path.read_text(encoding="utf-8")
    problems = []
    for match in INLINE_SCRIPT.finditer(text):
        if not JSON_SCRIPT_OK.match(match.group(0)):
            problems.append(f"inline <script>: {match.group(0)}")
    problems += [f"inline event handler: {m.group(0).strip()}" for m in EVENT_HANDLER.finditer(text)]
    problems += [f"javascript: URL: {m.group(0)}" for m in JS_URL.finditer(text)]
    problems += [f"<style> block: {m.group(0)}" for m in STYLE_BLOCK.finditer(text)]
    problems += [f"external resource: {m.group(0)}" for m in EXTERNAL.finditer(text)]
    assert not problems, problems
