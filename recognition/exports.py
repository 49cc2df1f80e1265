"""Plain-text exports of a round's recognition (JSON and CSV) for the recognition_status command."""

from __future__ import annotations

import io
import json

from config.spreadsheet import csv_dict_writer

FIELDS = ["school_code", "school_name", "district", "total", "default_decision", "decision", "decision_label",
          "reason", "objections", "objections_open", "objections_upheld", "withdrawn", "recognized", "document_no",
          "recognized_on", "valid_until"]


def status_records(entries) -> list[dict]:
    """One record per school on the list; numbers as decimal strings, dates as YYYY-MM-DD."""
    records = []
    for e in entries:
        school = e.evaluation.school
        recognition = getattr(e, "recognition", None)
        records.append({
            "school_code": school.code,
            "school_name": school.name,
            "district": school.district.name,
            "total": format(e.total, "f"),
            "default_decision": e.default_decision,
            "decision": e.decision,
            "decision_label": str(e.get_decision_display()),
            "reason": e.reason,
            "objections": e.objection_count,
            "objections_open": e.objection_open,
            "objections_upheld": e.objection_upheld,
            "withdrawn": e.withdrawn,
            "recognized": recognition is not None,
            "document_no": recognition.document_no if recognition else "",
            "recognized_on": recognition.recognized_on.isoformat() if recognition else "",
            "valid_until": recognition.valid_until.isoformat() if recognition else "",
        })
    return records


def status_json(rlist, entries) -> str:
    """The list (status, 公示 dates, 文号) and its schools as one JSON document."""
    def iso(day):
        return day.isoformat() if day else None

    document = {
        "round": rlist.round.name,
        "status": rlist.status,
        "status_label": str(rlist.get_status_display()),
        "pass_mark": format(rlist.round.pass_mark, "f") if rlist.round.pass_mark is not None else None,
        "publicity_starts_on": iso(rlist.publicity_starts_on),
        "publicity_ends_on": iso(rlist.publicity_ends_on),
        "document_no": rlist.document_no,
        "recognized_on": iso(rlist.recognized_on),
        "schools": status_records(entries),
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def status_csv(entries) -> str:
    """One row per school; every text cell through config.spreadsheet (formula neutralization)."""
    out = io.StringIO()
    writer = csv_dict_writer(out, FIELDS)
    writer.writeheader()
    for record in status_records(entries):
        writer.writerow({k: ("是" if v is True else "" if v is False else v) for k, v in record.items()})
    return out.getvalue()
