from django import template

from rubric.schema import format_points

register = template.Library()


@register.filter
def points(value):
    """1.00 → 1, 0.50 → 0.5."""
    if value is None or value == "":
        return ""
    return format_points(value)


@register.simple_tag
def posted_or(posted, name, default):
    """The value the admin just submitted (when the page is re-shown with errors), else the stored one."""
    if posted is not None and name in posted:
        return posted[name]
    return points(default) if not isinstance(default, str) else default


@register.simple_tag
def cell_errors(errors, code, field):
    return (errors or {}).get(f"{code}.{field}", [])


@register.simple_tag
def field_name(prefix, pk, field):
    """The editor's input name for one item's field, e.g. e-12-points."""
    return f"{prefix}-{pk}-{field}"


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.simple_tag
def checked_attr(posted, shown, name, value, default):
    """ checked" for a checkbox: as just submitted when its row was on the submitted page, else `default`."""
    from django.utils.safestring import mark_safe

    if posted is not None and shown in posted:
        on = value in posted.getlist(name)
    else:
        on = default if not isinstance(default, (list, tuple, set)) else value in default
    return mark_safe(" checked") if on else ""


@register.simple_tag
def requirement_errors(errors, code):
    """True when any of this element's requirement fields has an error (the section opens)."""
    return any(key.startswith((f"{code}.r-", f"{code}.n-")) for key in (errors or {}))
