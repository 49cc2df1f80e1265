"""Helpers for rubric tests: small rubric dicts in the JSON schema and a fresh draft."""

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings

XIAN = Path(settings.BASE_DIR) / "fixtures" / "rubric" / "xian-2020.json"
SMALL = Path(settings.BASE_DIR) / "fixtures" / "rubric" / "sample-small.json"


def xian_dict() -> dict:
    """The fixture as an export writes it: "requirements_source" annotates the file (where its
    evidence requirements come from) and is not part of the version."""
    data = json.loads(XIAN.read_text(encoding="utf-8"))
    data.pop("requirements_source")
    return data


def small_dict() -> dict:
    return json.loads(SMALL.read_text(encoding="utf-8"))


@pytest.fixture
def small():
    """A deep copy of the synthetic sample rubric (2 A, 3 B, 5 C, total 10)."""
    return copy.deepcopy(small_dict())


@pytest.fixture
def draft(world):
    """A draft clone of xian-2020 made by the admin."""
    from rubric.services import rubric_clone

    return rubric_clone(version=world.version, code="xian-2027", name="2027 试行", by=world.admin)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # `world` creates eight users; PBKDF2 made each rubric test spend seconds hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
