"""Which scorecards a user may open and which they may change: the scoring pages, the offline
workbook and the API ask here (views stay thin)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts import scopes

from . import selectors
from .models import Scorecard


def scorecard_for_user(user, pk: int) -> tuple[Scorecard, bool]:
    """(scorecard, is_owner). Visibility is accounts.scopes.scorecard_access; others 404."""
    card = selectors.scorecard_for(pk=pk)
    if card is None:
        raise Http404
    access = scopes.scorecard_access(user, card)
    if not access.visible:
        raise Http404
    return card, access.owner


def editable_scorecard(user, pk: int) -> Scorecard:
    """The user's own, still editable scorecard; 403 for those who may only read it."""
    card, owner = scorecard_for_user(user, pk)
    if not owner:
        raise PermissionDenied
    if not card.is_editable_by(user):
        raise PermissionDenied(card.lock_reason())
    return card
