"""Characters that user text must not carry into storage or into the files we write.

One rule for every input and output: notes, names and file names. NUL is refused at the
door (config.middleware) because PostgreSQL cannot store it; Unicode non-characters
(U+FFFE, U+FFFF, U+FDD0–U+FDEF and the last two code points of every plane) and lone
surrogates are invalid in XML, so a workbook holding one cannot be opened: they are dropped.
"""

import re
import unicodedata

NONCHARACTERS_RE = re.compile(
    "[\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17))
    + "]"
)
# C0 controls other than tab, line feed and carriage return, and DEL.
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_noncharacters(text: str) -> str:
    """Text without Unicode non-characters, lone surrogates and C0 controls other than tab/LF/CR."""
    return CONTROL_RE.sub("", NONCHARACTERS_RE.sub("", text))


def is_invisible_or_control(char: str) -> bool:
    """A control, format (bidi overrides, zero-width) or non-character: never wanted in a name."""
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") or bool(NONCHARACTERS_RE.match(char))


def validate_plain_name(value: str) -> None:
    """A name that ends up in file and archive names: no path separators, no `..`, nothing invisible.

    Raises django.core.exceptions.ValidationError with a Chinese message.
    """
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    text = str(value)
    if "/" in text or "\\" in text or ".." in text:
        raise ValidationError(_("不能包含“/”“\\”或“..”。"), code="path")
    if any(is_invisible_or_control(c) for c in text):
        raise ValidationError(_("不能包含换行、制表符等控制字符或不可见字符。"), code="control")


def clean_field_text(value, *, field_name: str, label: str, max_length: int, required: bool = False) -> str:
    """User text as a service stores it: non-characters dropped, trimmed, required and length checked,
    refused with a Chinese ValidationError at the field (the recognition and rectification services)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    text = strip_noncharacters(str(value or "")).strip()
    if required and not text:
        raise ValidationError({field_name: _("请填写%(label)s。") % {"label": label}})
    if len(text) > max_length:
        raise ValidationError({field_name: _("%(label)s不能超过 %(n)s 字。") % {"label": label, "n": max_length}})
    return text
