"""Checks on rendered HTML for assistive technology (beside axe-core in the browser tests)."""

from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.described: list[tuple[str, dict]] = []  # (tag, attrs) of elements with aria-describedby
        self.invalid: list[tuple[str, dict]] = []
        self.ids: dict[str, list[str]] = {}  # id -> text inside it
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("aria-describedby"):
            self.described.append((tag, attrs))
        if attrs.get("aria-invalid") == "true":
            self.invalid.append((tag, attrs))
        if attrs.get("id"):
            self.ids.setdefault(attrs["id"], [])
        if tag not in {"input", "br", "img", "meta", "link", "hr", "source"}:
            self._open.append((tag, attrs.get("id")))

    def handle_endtag(self, tag):
        while self._open:
            open_tag, _id = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        for _tag, open_id in self._open:
            if open_id:
                self.ids[open_id].append(data)


def field_errors(html: str) -> dict[str, str]:
    """{field id: the error text its aria-describedby points to} for every field marked aria-invalid
    (Django marks a field with errors so);
    fails when a marked field points nowhere or to an empty element, or a reference is dangling."""
    parsed = _Collector()
    parsed.feed(html)
    for tag, attrs in parsed.described:
        for ref in attrs["aria-describedby"].split():
            assert ref in parsed.ids, f"<{tag} id={attrs.get('id')}> aria-describedby={ref!r}: no element has that id"
    found = {}
    for tag, attrs in parsed.invalid:
        if attrs.get("type") in {"checkbox", "radio"}:
            continue  # one box of a group: the group's fieldset carries the error (group_errors)
        refs = (attrs.get("aria-describedby") or "").split()
        assert refs, f"<{tag} id={attrs.get('id')}> is aria-invalid but names no error text"
        text = " ".join("".join(parsed.ids[r]).strip() for r in refs).strip()
        assert text, f"<{tag} id={attrs.get('id')}> points to empty error text"
        found[attrs.get("id")] = text
    return found


def group_errors(html: str) -> dict[str, str]:
    """{fieldset's describedby id: its text} for fieldsets described by an error."""
    parsed = _Collector()
    parsed.feed(html)
    return {ref: "".join(parsed.ids.get(ref, [])).strip()
            for tag, attrs in parsed.described if tag == "fieldset" for ref in attrs["aria-describedby"].split()}
