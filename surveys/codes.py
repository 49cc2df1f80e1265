"""Response codes: random, from an alphabet without look-alike characters, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

# No 0/O, 1/I/L, no lower case: a parent types what the slip shows.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 12  # 31**12 ≈ 7.9e17 codes: guessing is hopeless even before the rate limit
MAX_INPUT = 40


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(text) -> str:
    """What a person typed (spaces, dashes, lower case) as the code it stands for; '' when it cannot be one."""
    raw = str(text or "")[:MAX_INPUT]
    code = "".join(c for c in raw.upper() if c not in " -\t")
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return ""
    return code


def display(code: str) -> str:
    """ABCD-EFGH-JKMN: easier to read off a slip."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def code_hash(code: str) -> str:
    """HMAC-SHA256 of the normalized code under SECRET_KEY: the table alone does not reveal codes."""
    key = ("surveys.code:" + settings.SECRET_KEY).encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()
