"""Extension points that later steps of the process register into, so data keeps flowing one way.

Reopening a finalized evaluation must be refused once a later step has frozen it (a recognition
list in 公示 or concluded), but `evaluation/` must not import the apps built on top of it. Those
apps register a guard here from their AppConfig.ready(); `evaluation_reopen` asks every guard,
inside its transaction and after locking the evaluation row, and refuses with their reasons.
A guard is `fn(evaluation) -> str | None`: a Chinese reason to refuse, or None.
"""

from __future__ import annotations

from collections.abc import Callable

ReopenGuard = Callable[[object], "str | None"]

_REOPEN_GUARDS: list[ReopenGuard] = []


def register_reopen_guard(guard: ReopenGuard) -> ReopenGuard:
    """Add a guard (idempotent: ready() may run more than once in tests)."""
    if guard not in _REOPEN_GUARDS:
        _REOPEN_GUARDS.append(guard)
    return guard


def reopen_refusals(evaluation) -> list[str]:
    """The reasons the registered guards give for not reopening this evaluation."""
    return [reason for guard in _REOPEN_GUARDS if (reason := guard(evaluation))]


# Rows other apps keep about a round (a recognition list …) that must go before the demo round is
# deleted (seed_demo --reset): `fn(round) -> None`. Real rounds are never deleted; this is the demo's.
_DEMO_ROUND_CLEANUPS: list = []


def register_demo_round_cleanup(cleanup):
    """Add a cleanup (idempotent)."""
    if cleanup not in _DEMO_ROUND_CLEANUPS:
        _DEMO_ROUND_CLEANUPS.append(cleanup)
    return cleanup


def demo_round_cleanup(round) -> None:
    for cleanup in _DEMO_ROUND_CLEANUPS:
        cleanup(round)


# Rows other apps keep against a round's rubric version (a school's self-scores and files …) that
# make changing the version wrong: `fn(round) -> str | None`, a Chinese reason to refuse, or None.
_VERSION_CHANGE_GUARDS: list = []


def register_version_change_guard(guard):
    """Add a guard (idempotent)."""
    if guard not in _VERSION_CHANGE_GUARDS:
        _VERSION_CHANGE_GUARDS.append(guard)
    return guard


def version_change_refusals(round) -> list[str]:
    """The reasons the registered guards give for not changing this round's rubric version."""
    return [reason for guard in _VERSION_CHANGE_GUARDS if (reason := guard(round))]


# What later steps noted against a finished evaluation's elements (the 整改事项 raised on them …), for
# the next round's scoring pages beside the previous round's final score:
# `fn(previous_evaluation) -> {element code: [notes]}`, where a note has `problem`, `deadline`,
# `get_status_display()` (the template shows those). Asked only when there is a previous round.
_PREVIOUS_ELEMENT_NOTES: list = []


def register_previous_element_notes(provider):
    """Add a provider (idempotent)."""
    if provider not in _PREVIOUS_ELEMENT_NOTES:
        _PREVIOUS_ELEMENT_NOTES.append(provider)
    return provider


def previous_element_notes(evaluation) -> dict[str, list]:
    """Every provider's notes on the previous evaluation's elements, merged per element code."""
    merged: dict[str, list] = {}
    for provider in _PREVIOUS_ELEMENT_NOTES:
        for code, notes in provider(evaluation).items():
            merged.setdefault(code, []).extend(notes)
    return merged


# How the round's panels score so far, for the lead's consolidation page (a pattern told from a one-off):
# `fn(evaluation, tree) -> {"elements": {element code: hint}, "inspectors": {inspector id: hint}}`, where an
# element's hint has `alpha`, `units`, `exact_share`, and an inspector's has `mean_deviation`, `ci_low`,
# `ci_high`, `n`, `flagged` (the template shows those). Registered by analytics; asked for admins and the
# lead only (leniency names inspectors). A provider keeps its query count constant.
_ROUND_QUALITY: list = []


def register_round_quality(provider):
    """Add a provider (idempotent)."""
    if provider not in _ROUND_QUALITY:
        _ROUND_QUALITY.append(provider)
    return provider


def round_quality(evaluation, tree) -> dict[str, dict]:
    """Every provider's hints on the evaluation's round, merged per element code and inspector id."""
    merged: dict[str, dict] = {"elements": {}, "inspectors": {}}
    for provider in _ROUND_QUALITY:
        found = provider(evaluation, tree)
        for key in merged:
            merged[key].update(found.get(key, {}))
    return merged


# What a school's 满意度问卷 in this round says about the elements its items are linked to (surveys),
# for the scoring workspace and the consolidation page beside each element:
# `fn(evaluation) -> {element code: [notes]}`, where a note has a `summary` (one Chinese line, e.g. the
# parents' approval rate with its 95% interval against C84's 85%) and `meets` (True/False/None).
_ELEMENT_SURVEY_NOTES: list = []


def register_element_survey_notes(provider):
    """Add a provider (idempotent)."""
    if provider not in _ELEMENT_SURVEY_NOTES:
        _ELEMENT_SURVEY_NOTES.append(provider)
    return provider


def element_survey_notes(evaluation) -> dict[str, list]:
    """Every provider's survey notes on this evaluation's elements, merged per element code."""
    merged: dict[str, list] = {}
    for provider in _ELEMENT_SURVEY_NOTES:
        for code, notes in provider(evaluation).items():
            merged.setdefault(code, []).extend(notes)
    return merged


# Who may not sit on a round's panels at all (a round requiring a calibration, kept by calibration/):
# `fn(round, inspectors) -> {inspector id: Chinese reason}`. Panel assignment refuses them and the
# assignment page shows the reason beside their name (evaluation.recusal.inspector_notes).
_INELIGIBILITY: list = []


def register_ineligibility(provider):
    """Add a provider (idempotent)."""
    if provider not in _INELIGIBILITY:
        _INELIGIBILITY.append(provider)
    return provider


def ineligible_inspectors(round, inspectors) -> dict[int, str]:
    """Every provider's reasons, per inspector id (reasons of several providers joined)."""
    inspectors = list(inspectors)
    merged: dict[int, str] = {}
    for provider in _INELIGIBILITY:
        for pk, reason in provider(round, inspectors).items():
            merged[pk] = f"{merged[pk]}；{reason}" if pk in merged else reason
    return merged
