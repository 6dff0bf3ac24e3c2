"""The CCA attendance feed to KinderTrack, version 1, as JSON and CSV
(specs/cca-attendance-feed.md). The JSON Schema of the JSON form is in schema/."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

from ccms.subsidy.units import ChildResult, PeriodResult

FORMAT, VERSION = "ccms-cca-attendance", 1
SCHEMA_PATH = Path(__file__).parent / "schema" / "cca-attendance-feed.schema.json"
# The CSV has room for three pairs a day.
CSV_PAIRS = 3
CSV_COLUMNS = [
    "kindertrack_provider_id",
    "kindertrack_child_id",
    "last_name",
    "first_name",
    "birth_date",
    "date",
    *(f"check_{side}_{n}" for n in range(1, CSV_PAIRS + 1) for side in ("in", "out")),
    "minutes",
    "units",
    "absence_reason",
]
FORMATS = ("json", "csv")
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def feed_json(result: PeriodResult, *, submission=None) -> dict:
    """The feed as a JSON-ready dict. `submission` (a Submission, or None for a draft) gives
    the submission number the feed carries."""
    rules = result.rules
    return {
        "format": FORMAT,
        "version": VERSION,
        "provider": {
            "key": rules.provider_key,
            "kindertrack_provider_id": rules.kindertrack_provider_id or None,
        },
        "period": {
            "start": rules.period.start.isoformat(),
            "end": rules.period.end.isoformat(),
            "kind": rules.period.kind,
        },
        "submission": None
        if submission is None
        else {"number": submission.number, "submitted_at": submission.submitted_at.isoformat()},
        "children": [_child(child) for child in result.children],
        "totals": {
            "units_billable": result.units_billable,
            "state_amount": money(result.state_amount),
            "family_fee": money(result.family_fee),
        },
        "errors": [
            {
                "child_key": error.child_key,
                "date": error.date.isoformat() if error.date else None,
                "code": str(error.code),
                "message": error.message,
            }
            for error in result.errors
        ],
    }


def _child(child: ChildResult) -> dict:
    record = child.record
    return {
        "child_key": record.key,
        "kindertrack_child_id": record.kindertrack_child_id or None,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "birth_date": record.birth_date.isoformat(),
        "age_group": str(child.age_group),
        "special_needs": record.terms.special_needs,
        "days": [
            {
                "date": day.date.isoformat(),
                "pairs": [list(pair) for pair in day.pairs],
                "minutes": day.minutes,
                "units": day.units,
                "absence_reason": day.absence_reason,
            }
            for day in child.days
        ],
        "units_attended": child.units_attended,
        "units_authorized": child.units_authorized,
        "units_billable": child.units_billable,
        "private_rate": money(child.private_rate),
        "table_rate": money(child.table_rate),
        "state_rate": money(child.state_rate),
        "family_fee": money(child.family_fee),
        "state_amount": money(child.state_amount),
        "family_difference": money(child.family_difference),
    }


def dumps(feed: dict) -> str:
    return json.dumps(feed, indent=2, ensure_ascii=False) + "\n"


def feed_csv(feed: dict) -> str:
    """One row per child and day, from the JSON form (so a submitted feed, stored as JSON, gives
    the same CSV as when it was sent)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    provider_id = feed["provider"]["kindertrack_provider_id"] or ""
    for child in feed["children"]:
        for day in child["days"]:
            times = []
            for check_in, check_out in day["pairs"][:CSV_PAIRS]:
                times += [check_in, check_out or ""]
            times += [""] * (2 * CSV_PAIRS - len(times))
            writer.writerow(
                [
                    provider_id,
                    child["kindertrack_child_id"] or "",
                    child["last_name"],
                    child["first_name"],
                    child["birth_date"],
                    day["date"],
                    *times,
                    day["minutes"],
                    day["units"],
                    day["absence_reason"] or "",
                ]
            )
    return buffer.getvalue()


def render(feed: dict, fmt: str) -> str:
    if fmt == "csv":
        return feed_csv(feed)
    return dumps(feed)


def filename(feed: dict, fmt: str) -> str:
    provider = feed["provider"]["key"]
    start = feed["period"]["start"]
    number = f"-submission-{feed['submission']['number']}" if feed.get("submission") else ""
    return f"cca-feed-{provider}-{start}{number}.{fmt}"


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
