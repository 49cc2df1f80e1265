"""Who may see a 满意度调查 and its answers, and what they see: the pages and the workbooks (inline and
in the background) ask here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts import roles, scopes
from evaluation.models import Round

from . import selectors
from .models import Campaign


def campaign_for(user, pk) -> Campaign:
    """A campaign the user may look at (404 otherwise)."""
    campaign = selectors.campaigns_visible_to(user).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def answers_campaign(user, pk) -> Campaign:
    """A campaign whose raw answers the user may export: admins and the school's panel (403 for others)."""
    campaign = campaign_for(user, pk)
    if not selectors.may_read_open_answers(user, campaign):
        raise PermissionDenied(_("只有管理员和该校的督导专家组可以导出原始答卷。"))
    return campaign


def require_comparison(user) -> None:
    if not roles.can_view_results(user):
        raise PermissionDenied(_("只有教育局和管理员可以比较各校的满意度调查结果。"))
    scopes.require_scope(user)


def round_campaigns(user, round_pk):
    """The round and its campaigns the user may compare (403 for roles without results, 404 unknown round)."""
    require_comparison(user)
    rnd = get_object_or_404(Round, pk=round_pk)
    return rnd, selectors.campaigns_visible_to(user).filter(round=rnd)


def round_campaign_results(user, round_pk):
    """The round and its campaigns' results (the comparison page, its xlsx and the xlsx's background job)."""
    rnd, campaigns = round_campaigns(user, round_pk)
    return rnd, selectors.campaign_results(campaigns=campaigns)
