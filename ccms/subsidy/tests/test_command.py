"""`ccms cca`: the feed, submitting, recalling, payments, the work queue and the rates."""

import io
import json
from datetime import date, timedelta

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


def test_a_new_rate_table_is_added_from_the_csv_of_the_one_in_force(db, tmp_path):
    out, _ = cca_command("rates", "--on", "2025-01-01", "--csv")
    raised = out.replace("19.50", "20.50")
    (tmp_path / "rates.csv").write_text(raised)
    cca_command(
        "add-rates", str(tmp_path / "rates.csv"), "--effective-from", "2026-07-01",
        "--source", "441 IAC 170.4(7), 2026",
    )  # fmt: skip
    out, _ = cca_command("rates", "--on", "2026-07-01", "--csv")
    assert out == raised
    assert cca_command("rates", "--on", "2026-06-30", "--csv")[0].count("19.50") > 0
    with pytest.raises(CommandError, match="exists already and is never edited"):
        cca_command(
            "add-rates", str(tmp_path / "rates.csv"), "--effective-from", "2026-07-01",
            "--source", "again",
        )  # fmt: skip
    (tmp_path / "bad.csv").write_text(out.replace("false", "maybe", 1).replace("20.50", "x", 1))
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was added"):
        call_command(
            "cca", "add-rates", str(tmp_path / "bad.csv"), "--effective-from", "2027-07-01",
            "--source", "bad", stderr=err,
        )  # fmt: skip
    assert "bad.csv:2: special_needs: write true or false." in err.getvalue()
    assert "amount: “x” is not an amount" in err.getvalue()


def test_a_new_fee_chart_is_added_from_a_csv(db, tmp_path):
    from ccms.families.models import FeeLevel
    from ccms.subsidy import queries

    rows = ["level,one_child,two_children,three_or_more"]
    rows += [f"{level},1.00,1.25,1.50" for level in FeeLevel.values]
    (tmp_path / "fees.csv").write_text("\n".join(rows) + "\n")
    cca_command(
        "add-fee-chart", str(tmp_path / "fees.csv"), "--effective-from", "2026-07-01",
        "--source", "HHS 2026",
    )  # fmt: skip
    chart = queries.fee_chart_on(date(2026, 7, 1))
    assert chart.source == "HHS 2026" and chart.fees.get(level="C").two_children == 1.25
