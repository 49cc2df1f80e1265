"""Every CSV the product writes neutralizes formula-like text (issue 12: round_status printed =HYPERLINK()."""

import csv
import io

import pytest
from django.core.management import call_command

from config.spreadsheet import cell_text, cell_text_read
from schools.models import School
from tests.hostile import strings


def _csv(command, *args):
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


@pytest.mark.parametrize("command", ["round_status", "ranking"])
def test_every_hostile_school_name_comes_out_of_the_csv_inert_and_readable(world, command):
    from tests.reports.conftest import give_scores, half

    give_scores(world.evaluation, half, by=world.lead)
    for text in strings():
        if "\0" in text:
            continue  # refused at every input
        text = text[:100]  # the column's length (PostgreSQL enforces it)
        School.objects.filter(pk=world.school.pk).update(name=text)
        rows = _csv(command, "--round", str(world.round.pk), "--format", "csv")
        cell = next(r["school_name"] for r in rows if r["school_code"] == world.school.code)
        assert cell == cell_text(text), text
        assert not cell.startswith(("=", "+", "-", "@", "＝", "\t", "\r", "\n")), text
        if text.startswith("="):
            assert cell_text_read(cell) == text  # the apostrophe is the only change
