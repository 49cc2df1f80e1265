from django import template

from evaluation.parsing import fmt

register = template.Library()


@register.filter
def get_item(mapping, key):
    """dict lookup by a variable key (the workspace maps element ids to items)."""
    if mapping is None:
        return None
    return mapping.get(key)


@register.filter
def pts(value):
    """Decimal points as people write them: 1.50 → 1.5, None → empty."""
    return fmt(value)


@register.filter
def add_class(field, css: str):
    """Render a bound form field with a CSS class (filter forms laid out by hand)."""
    return field.as_widget(attrs={"class": css})
