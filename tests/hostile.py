"""The shared hostile strings (tests/hostile-inputs.json, a copy of the team's list), by kind."""

import json
from pathlib import Path

_DATA = json.loads((Path(__file__).with_name("hostile-inputs.json")).read_text(encoding="utf-8"))
KINDS = [k for k in _DATA if not k.startswith("_")]


def strings(*kinds: str) -> list[str]:
    """Every hostile string of the given kinds (all kinds when none are given)."""
    return [s for kind in (kinds or KINDS) for s in _DATA[kind]]
