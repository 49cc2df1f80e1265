from django import template

from ..selectors import pct as _pct

register = template.Library()


@register.filter
def pct(value):
    """0.8523 → 85.2%; None → —."""
    return _pct(value)
