"""Read queries for rounds and evaluations."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from .models import Round


class RoundNotFound(ObjectDoesNotExist):
    pass


def round_resolve(value: str | int | None = None) -> Round:
    """A round by id or by name; the most recent round when value is empty.

    Every command that takes --round uses this, so they all accept the same spellings.
    """
    rounds = Round.objects.select_related("rubric_version")
    if value in (None, ""):
        found = rounds.order_by("-year", "-created_at", "-id").first()
        if found is None:
            raise RoundNotFound("还没有任何评估批次。")
        return found
    text = str(value).strip()
    if text.isdigit():
        found = rounds.filter(pk=int(text)).first()
        if found is not None:
            return found
    found = rounds.filter(name=text).first()
    if found is None:
        raise RoundNotFound(f"找不到评估批次“{text}”（可填写批次编号或名称）。")
    return found
