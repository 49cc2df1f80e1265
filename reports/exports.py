"""Plain-text exports of the ranking (CSV and JSON) for the CLI."""

from __future__ import annotations

import io
import json

from django.utils.translation import gettext as _

from config.spreadsheet import csv_dict_writer

from .selectors import RoundRow


def ranking_records(rows: list[RoundRow], codes: list[str]) -> list[dict]:
    """Ordered records; numbers as decimal strings so no precision is lost."""
    records = []
    for row in rows:
        record = {
            "rank": row.rank,
            "school_code": row.school.code,
            "school_name": row.school.name,
            "district": row.school.district.name,
            "total": format(row.total, "f"),
        }
        for code in codes:
            record[code] = format(row.dimensions[code], "f")
        record["status"] = row.status
        # 暂定: an in-progress figure (the total rule's provisional total), never a final result.
        record["provisional"] = _("暂定") if row.provisional else ""
        records.append(record)
    return records


def ranking_json(rows: list[RoundRow], codes: list[str]) -> str:
    """The ranking as JSON; each row also carries the school's stage and location (codes), so
    analyses by 学段 and 城乡 need no second lookup."""
    records = ranking_records(rows, codes)
    for record, row in zip(records, rows):
        record["stage"] = row.school.stage
        record["location"] = row.school.location
    return json.dumps(records, ensure_ascii=False, indent=2)


def ranking_csv(rows: list[RoundRow], codes: list[str]) -> str:
    """CSV with user text neutralized against formula injection (config.spreadsheet)."""
    out = io.StringIO()
    records = ranking_records(rows, codes)
    fields = ["rank", "school_code", "school_name", "district", "total", *codes, "status", "provisional"]
    writer = csv_dict_writer(out, fields)
    writer.writeheader()
    for record in records:
        writer.writerow(record)
    return out.getvalue()
