"""`ccms cca`: the feed, submitting, recalling, payments, the work queue and the rates."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from ccms.subsidy.models import StatePayment, Submission
from ccms.subsidy.tests.conftest import add_pair


def cca_command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("cca", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_feed_goes_to_standard_output_as_json(cca):
    out, _ = cca_command("feed", "--provider", "a1", "--period", cca.period.slug)
    feed = json.loads(out)
    assert feed["format"] == "ccms-cca-attendance" and feed["period"]["start"] == cca.period.slug
    assert [c["kindertrack_child_id"] for c in feed["children"]] == ["100001", "100002"]


def test_the_feed_as_csv_into_a_file(cca, tmp_path):
    target = tmp_path / "feed.csv"
    add_pair(cca.child, cca.period.end - timedelta(days=1), "08:00", None)
    out, err = cca_command(
        "feed", "--provider", "a1", "--period", cca.period.slug, "--format", "csv",
        "--output", str(target),
    )  # fmt: skip
    assert out == "" and "(1 error listed)" in err
    lines = target.read_text().splitlines()
    assert lines[0].split(",")[:3] == [
        "kindertrack_provider_id",
        "kindertrack_child_id",
        "last_name",
    ]
    assert len(lines) == 1 + 7


def test_a_day_that_starts_no_period_names_the_nearest_starts(cca):
    day = cca.period.start + timedelta(days=5)
    with pytest.raises(CommandError) as refused:
        cca_command("feed", "--provider", "a1", "--period", day.isoformat())
    assert f"the nearest period starts are {cca.period.slug} and {cca.current.slug}" in str(
        refused.value
    )
    with pytest.raises(CommandError, match="is not a date"):
        cca_command("feed", "--provider", "a1", "--period", "soon")
    with pytest.raises(CommandError, match="No provider with the key “nope”"):
        cca_command("feed", "--provider", "nope", "--period", cca.period.slug)


def test_submit_recall_and_submit_again_from_the_command_line(cca):
    out, _ = cca_command(
        "submit", "--provider", "a1", "--period", cca.period.slug,
        "--user", "director@a1.test", "--json",
    )  # fmt: skip
    summary = json.loads(out)
    assert (summary["submission"], summary["state_amount"]) == (1, "190.68")
    with pytest.raises(CommandError, match="submitted already"):
        cca_command("submit", "--provider", "a1", "--period", cca.period.slug)
    out, _ = cca_command(
        "recall", "--provider", "a1", "--period", cca.period.slug, "--reason", "Fix a day"
    )
    assert "Recalled submission 1" in out
    out, _ = cca_command("submit", "--provider", "a1", "--period", cca.period.slug)
    assert "as submission 2" in out
    assert Submission.objects.get(number=1).recall_reason == "Fix a day"
    assert Submission.objects.get(number=2).submitted_by is None


def test_only_someone_who_may_submit_is_named_as_the_submitter(cca):
    with pytest.raises(CommandError, match="staff@a1.test may not do this"):
        cca_command(
            "submit", "--provider", "a1", "--period", cca.period.slug, "--user", "staff@a1.test"
        )
    with pytest.raises(CommandError, match="No user with the e-mail"):
        cca_command(
            "submit", "--provider", "a1", "--period", cca.period.slug, "--user", "x@nowhere.test"
        )


def test_payments_from_a_remittance_file(cca, tmp_path):
    cca_command("submit", "--provider", "a1", "--period", cca.period.slug)
    remittance = tmp_path / "remit.csv"
    remittance.write_text("kindertrack_child_id,amount\n100001,76.38\n100002,110.00\n")
    out, _ = cca_command(
        "payments", "--provider", "a1", "--period", cca.period.slug, "--file", str(remittance),
        "--paid-on", cca.today.isoformat(), "--json",
    )  # fmt: skip
    summary = json.loads(out)
    assert summary["status"] == "differences"
    assert summary["differences"] == [
        {"child_key": cca.other.key, "difference": "-4.30", "cause": "unexplained"}
    ]
    remittance.write_text("kindertrack_child_id,amount\n123,1.00\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was recorded"):
        call_command(
            "cca", "payments", "--provider", "a1", "--period", cca.period.slug,
            "--file", str(remittance), "--paid-on", cca.today.isoformat(), stderr=err,
        )  # fmt: skip
    assert "payments.csv:2: kindertrack_child_id:" in err.getvalue()
    assert StatePayment.objects.count() == 2


def test_the_periods_and_the_queue_as_json(cca):
    out, _ = cca_command("periods", "--provider", "a1", "--json")
    rows = json.loads(out)
    assert rows[1] == {
        "period": cca.period.slug,
        "label": cca.period.label,
        "status": "due",
        "submission": None,
        "blocking_errors": 0,
    }
    out, _ = cca_command("queue", "--alliance", "alpha", "--json")
    # The two periods before have authorized children but no attendance recorded: a reminder.
    assert [(i["kind"], i["provider"]) for i in json.loads(out)] == [
        ("due", "a1"),
        ("no_attendance", "a1"),
        ("no_attendance", "a1"),
    ]


def test_the_rates_in_force(db):
    out, _ = cca_command("rates", "--on", "2025-01-01")
    assert "Rates from 2024-07-01" in out and "51.94" in out
    with pytest.raises(CommandError, match="No CCA rate table is in force on 2024-01-01"):
        cca_command("rates", "--on", "2024-01-01")
