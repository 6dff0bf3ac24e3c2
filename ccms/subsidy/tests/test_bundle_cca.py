"""cca_authorizations.csv in the data bundle, and the feed of an imported bundle checked against
the JSON Schema in the repository."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from ccms.core.bundle.base import ImportScope
from ccms.core.bundle.services import export_provider, import_bundle
from ccms.families.models import Child, Family, Guardian
from ccms.subsidy import feed as feeds
from ccms.subsidy import queries, services
from ccms.subsidy.models import Authorization
from ccms.subsidy.periods import parse_period
from ccms.tenancy.models import Alliance, Classroom, Membership, Provider, Site

MANIFEST = '{"format": "ccms-bundle", "version": 1, "alliance": "Prairie"}'
# Biweekly from 2025-12-28, so that 2026-10-04 (the spec's example) starts a period.
BUNDLE = {
    "manifest.json": MANIFEST,
    "providers.csv": (
        "provider_key,name,kind,kindertrack_provider_id,cca_billing_period,cca_period_anchor\n"
        "sunrise,Sunrise Learning Center,center,12345,biweekly,2025-12-28\n"
    ),
    "classrooms.csv": (
        "provider_key,classroom_key,name,min_age_months,max_age_months,licensed_capacity\n"
        "sunrise,pre,Preschool,24,71,20\n"
    ),
    "families.csv": (
        "provider_key,family_key,name,cca_fee_level\n"
        "sunrise,lopez,Lopez family,B\n"
        "sunrise,kim,Kim family,C\n"
    ),
    "children.csv": (
        "family_key,child_key,first_name,last_name,birth_date,kindertrack_child_id,special_needs\n"
        "lopez,c1,Ava,Lopez,2023-02-01,123456,false\n"
        "kim,c2,Ben,Kim,2022-06-15,,true\n"
    ),
    "enrollments.csv": (
        "child_key,classroom_key,start_date\nc1,pre,2026-01-05\nc2,pre,2026-01-05\n"
    ),
    "attendance.csv": (
        "child_key,date,check_in,check_out,absence_reason\n"
        "c1,2026-10-05,07:30,12:10,\n"
        "c2,2026-10-05,07:00,12:00,\n"
        "c2,2026-10-05,13:00,17:30,\n"
        "c2,2026-10-06,,,sick\n"
    ),
    "cca_authorizations.csv": (
        "child_key,start_date,end_date,units_per_period,private_rate,"
        "difference_agreement_signed_on\n"
        "c1,2026-01-01,2026-12-31,20,22.00,\n"
        "c2,2026-01-01,2026-12-31,10,35.00,2025-12-15\n"
    ),
}


def files(bundle: dict) -> dict[str, bytes]:
    return {name: text.encode() for name, text in bundle.items()}


def imported(bundle=BUNDLE):
    report = import_bundle(files=files(bundle), scope=ImportScope())
    assert report.ok and report.written, [str(i) for i in report.issues]
    return report


def test_the_feed_of_an_imported_bundle_matches_the_schema_and_the_spec(db):
    imported()
    provider = Provider.objects.get(slug="sunrise")
    period = parse_period(provider, "2026-10-04")
    data = feeds.feed_json(queries.period_result(provider, period, today=date(2026, 11, 1)))
    validator = Draft202012Validator(feeds.schema(), format_checker=FormatChecker())
    Draft202012Validator.check_schema(feeds.schema())
    assert list(validator.iter_errors(data)) == []
    by_key = {c["child_key"]: c for c in data["children"]}
    assert by_key["c1"]["days"] == [
        {
            "date": "2026-10-05",
            "pairs": [["07:30", "12:10"]],
            "minutes": 280,
            "units": 1,
            "absence_reason": None,
        }
    ]
    assert {k: by_key["c1"][k] for k in ("state_rate", "family_fee", "state_amount")} == {
        "state_rate": "19.50",
        "family_fee": "0.20",
        "state_amount": "19.30",
    }
    # Ben: 300 + 270 minutes is 2 units; special needs preschool 30.43 (< 35.00); fee level C
    # for one child 0.45 a unit; the agreement predates the period: (35.00 - 30.43) x 2.
    assert by_key["c2"]["days"][1] == {
        "date": "2026-10-06",
        "pairs": [],
        "minutes": 0,
        "units": 0,
        "absence_reason": "sick",
    }
    assert {
        k: by_key["c2"][k]
        for k in ("units_billable", "state_rate", "family_fee", "state_amount", "family_difference")
    } == {
        "units_billable": 2,
        "state_rate": "30.43",
        "family_fee": "0.90",
        "state_amount": "59.96",
        "family_difference": "9.14",
    }
    # Ben has no KinderTrack child ID: listed, never dropped.
    assert data["errors"] == [
        {
            "child_key": "c2",
            "date": None,
            "code": "missing_child_id",
            "message": "No 6-digit KinderTrack child ID",
        }
    ]
    assert [c["last_name"] for c in data["children"]] == ["Kim", "Lopez"]


def test_a_submitted_feed_matches_the_schema_too(db):
    bundle = dict(BUNDLE)
    bundle["children.csv"] = bundle["children.csv"].replace(
        "2022-06-15,,true", "2022-06-15,654321,true"
    )
    imported(bundle)
    provider = Provider.objects.get(slug="sunrise")
    period = parse_period(provider, "2026-10-04")
    submission = services.submit_period(
        provider=provider, period=period, actor=None, today=date(2026, 11, 1)
    )
    validator = Draft202012Validator(feeds.schema(), format_checker=FormatChecker())
    assert list(validator.iter_errors(submission.feed)) == []
    assert submission.feed["submission"]["number"] == 1
    csv_lines = feeds.feed_csv(submission.feed).splitlines()
    assert csv_lines == [
        "kindertrack_provider_id,kindertrack_child_id,last_name,first_name,birth_date,date,"
        "check_in_1,check_out_1,check_in_2,check_out_2,check_in_3,check_out_3,minutes,units,"
        "absence_reason",
        "12345,654321,Kim,Ben,2022-06-15,2026-10-05,07:00,12:00,13:00,17:30,,,570,2,",
        "12345,654321,Kim,Ben,2022-06-15,2026-10-06,,,,,,,0,0,sick",
        "12345,123456,Lopez,Ava,2023-02-01,2026-10-05,07:30,12:10,,,,,280,1,",
    ]


def test_importing_twice_changes_nothing_and_a_change_updates_the_row(db):
    imported()
    report = imported()
    summary = {f.name: (f.created, f.updated, f.unchanged) for f in report.files}
    assert summary["cca_authorizations.csv"] == (0, 0, 2)
    changed = dict(BUNDLE)
    changed["cca_authorizations.csv"] = BUNDLE["cca_authorizations.csv"].replace(
        "c1,2026-01-01,2026-12-31,20,22.00", "c1,2026-01-01,2026-12-31,24,22.00"
    )
    report = imported(changed)
    summary = {f.name: (f.created, f.updated, f.unchanged) for f in report.files}
    assert summary["cca_authorizations.csv"] == (0, 1, 1)
    assert Authorization.objects.get(child__key="c1").units_per_period == 24
    assert Authorization.objects.get(child__key="c2").special_needs is True  # from the child


def empty_the_database():
    from ccms.enrollment.models import Enrollment

    Enrollment.objects.all().delete()
    Membership.objects.all().delete()
    for model in (Guardian, Child, Family, Classroom, Site, Provider, Alliance):
        model.objects.all().delete()


def test_export_then_import_into_an_empty_database_gives_the_same_file(db):
    imported()
    provider = Provider.objects.get(slug="sunrise")
    Authorization.objects.filter(child__key="c1").update(case_number="IA-1")
    first = export_provider(provider=provider)
    text = first.files["cca_authorizations.csv"].decode()
    assert text == BUNDLE["cca_authorizations.csv"]
    assert any("case number" in w for w in first.warnings)
    empty_the_database()
    report = import_bundle(files=first.files, scope=ImportScope())
    assert report.ok and report.written, report.issues
    second = export_provider(provider=Provider.objects.get(slug="sunrise"))
    assert second.files["cca_authorizations.csv"] == first.files["cca_authorizations.csv"]
    assert Authorization.objects.get(child__key="c2").private_rate == Decimal("35.00")


def test_every_error_of_the_file_is_listed_and_nothing_is_written(db):
    bad = dict(BUNDLE)
    bad["cca_authorizations.csv"] = (
        "child_key,start_date,end_date,units_per_period,private_rate,colour\n"
        "c1,2026-01-01,2025-12-31,20,22.00,\n"
        "nobody,2026-01-01,2026-12-31,20,22.00,\n"
        "c2,2026-01-01,2026-06-30,0,22,\n"
        "c2,2026-06-01,2026-12-31,10,$35,\n"
        "c2,2026-03-01,2026-12-31,10,35.00,\n"
    )
    report = import_bundle(files=files(bad), scope=ImportScope())
    assert not report.written
    issues = [str(i) for i in report.issues if i.file == "cca_authorizations.csv"]
    assert issues == [
        "cca_authorizations.csv:1: colour: Unknown column; the columns of "
        "cca_authorizations.csv are child_key, start_date, end_date, units_per_period, "
        "private_rate, difference_agreement_signed_on.",
        "cca_authorizations.csv:2: end_date: The last day 2025-12-31 is before the first day "
        "2026-01-01; dates are inclusive.",
        "cca_authorizations.csv:3: child_key: Unknown child_key “nobody”; add the child to "
        "children.csv.",
        "cca_authorizations.csv:4: units_per_period: 0 is out of range; use a whole number from "
        "1 to 200.",
        "cca_authorizations.csv:5: private_rate: “$35” is not an amount; write money as 1234.56 "
        "(no currency symbol, no thousands separator, at most two decimals).",
        "cca_authorizations.csv:5: start_date: Overlaps line 4 (2026-01-01 to 2026-06-30); a "
        "child has one authorization a day.",
        "cca_authorizations.csv:6: start_date: Overlaps line 4 (2026-01-01 to 2026-06-30); a "
        "child has one authorization a day.",
    ]
    assert not Provider.objects.exists()


def test_an_authorization_stored_but_not_listed_may_not_be_overlapped(db):
    imported()
    later = dict(BUNDLE)
    later["cca_authorizations.csv"] = (
        "child_key,start_date,end_date,units_per_period,private_rate\n"
        "c1,2026-06-01,2027-05-31,20,22.00\n"
    )
    report = import_bundle(files=files(later), scope=ImportScope())
    assert [str(i) for i in report.issues] == [
        "cca_authorizations.csv:2: start_date: Overlaps the authorization stored for c1 from "
        "2026-01-01 to 2026-12-31, which this file does not list; a child has one authorization "
        "a day. Change its dates in the app, or list it here."
    ]


def test_a_submitted_periods_pricing_is_not_changed_by_an_import(db):
    bundle = dict(BUNDLE)
    bundle["children.csv"] = bundle["children.csv"].replace(
        "2022-06-15,,true", "2022-06-15,654321,true"
    )
    imported(bundle)
    provider = Provider.objects.get(slug="sunrise")
    services.submit_period(
        provider=provider,
        period=parse_period(provider, "2026-10-04"),
        actor=None,
        today=date(2026, 11, 1),
    )
    bundle["cca_authorizations.csv"] = BUNDLE["cca_authorizations.csv"].replace("22.00", "18.00")
    report = import_bundle(files=files(bundle), scope=ImportScope())
    assert not report.written
    assert "Recall that submission first" in str(report.issues[0])
    assert report.issues[0].line == 2
    assert Authorization.objects.get(child__key="c1").private_rate == Decimal("22.00")


@pytest.mark.parametrize("days", [0, 30])
def test_attendance_of_a_submitted_period_is_locked_against_imports_too(db, days):
    bundle = dict(BUNDLE)
    bundle["children.csv"] = bundle["children.csv"].replace(
        "2022-06-15,,true", "2022-06-15,654321,true"
    )
    imported(bundle)
    provider = Provider.objects.get(slug="sunrise")
    services.submit_period(
        provider=provider,
        period=parse_period(provider, "2026-10-04"),
        actor=None,
        today=date(2026, 11, 1),
    )
    day = date(2026, 10, 5) + timedelta(days=days)
    bundle["attendance.csv"] = BUNDLE["attendance.csv"] + f"c1,{day},14:00,15:00,\n"
    report = import_bundle(files=files(bundle), scope=ImportScope())
    locked = days == 0
    assert (not report.written) is locked
    if locked:
        assert "was submitted for CCA" in str(report.issues[0])
