"""attendance.csv in the data bundle: pairs and absences on the provider's clock, exported and
imported back to the same bytes, every error listed, re-import idempotent, locked days kept."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from ccms.attendance import services
from ccms.attendance.models import Absence, Method, Presence
from ccms.core.bundle.base import ImportScope
from ccms.core.bundle.services import export_provider, import_bundle
from ccms.core.models import AuditEvent
from ccms.core.tests.test_bundle import VALID_BUNDLE, empty_the_database, fill_a1
from ccms.families.models import Child
from ccms.tenancy.models import Provider

DENVER = ZoneInfo("America/Denver")
HEADER = "child_key,date,check_in,check_out,absence_reason\n"


def import_attendance(attendance: str, **files: str):
    """Import the valid gamma-kids bundle (America/Chicago) with this attendance.csv."""
    bundle = {**VALID_BUNDLE, **files, "attendance.csv": HEADER + attendance}
    return import_bundle(
        files={name: text.encode() for name, text in bundle.items()}, scope=ImportScope()
    )


def counts() -> dict[str, int]:
    return {
        "Presence": Presence.objects.count(),
        "Absence": Absence.objects.count(),
        "AuditEvent": AuditEvent.objects.count(),
    }


def summary(report, name="attendance.csv") -> tuple[int, int, int]:
    found = next(f for f in report.files if f.name == name)
    return found.created, found.updated, found.unchanged


def at(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=DENVER)


def fill_attendance(world):
    """Pairs (kiosk, a missed pair added by hand, one in summer time) and absences at a1."""
    child, other = world.a1.child, world.a1.other_child
    monday, tuesday, wednesday = date(2026, 1, 12), date(2026, 1, 13), date(2026, 1, 14)
    services.check_in(child=child, method=Method.KIOSK, at=at(monday, 7, 31, 42))
    services.check_out(child=child, method=Method.KIOSK, at=at(monday, 11, 5, 10))
    services.add_missed_presence(
        child=child,
        check_in=at(monday, 15, 0),
        check_out=at(monday, 17, 45),
        actor=None,
        reason="After school",
    )
    services.add_missed_presence(
        child=child,
        check_in=at(date(2025, 7, 14), 7, 30),
        check_out=at(date(2025, 7, 14), 12, 0),
        actor=None,
        reason="Paper sign-in sheet",
    )
    services.record_absence(child=child, day=tuesday, reason="sick", actor=None)
    services.record_absence(child=other, day=monday, reason="vacation", actor=None)
    # The other child's enrollment ended in June 2025: a pair while enrolled, and one after.
    for day, room in ((date(2025, 3, 10), world.a1.other_classroom), (wednesday, None)):
        Presence.objects.create(
            provider=world.a1.provider,
            child=other,
            classroom=room,
            service_date=day,
            check_in=at(day, 8, 0),
            check_out=at(day, 16, 30),
            check_in_method=Method.ROSTER,
            check_out_method=Method.ROSTER,
        )


def test_export_then_import_into_an_empty_database_gives_the_same_attendance(world):
    fill_a1(world)  # a1 keeps its clock in America/Denver
    fill_attendance(world)
    first = export_provider(provider=world.a1.provider)
    child, other = world.a1.child.key, world.a1.other_child.key
    rows = sorted(
        [
            f"{child},2025-07-14,07:30,12:00,",
            f"{child},2026-01-12,07:31,11:05,",
            f"{child},2026-01-12,15:00,17:45,",
            f"{child},2026-01-13,,,sick",
            f"{other},2025-03-10,08:00,16:30,",
            f"{other},2026-01-12,,,vacation",
            f"{other},2026-01-14,08:00,16:30,",
        ],
        key=lambda line: line.split(",")[0],
    )
    assert first.files["attendance.csv"].decode().splitlines() == [HEADER.strip(), *rows]
    assert first.rows["attendance.csv"] == 7 and first.warnings == []

    empty_the_database()
    assert Presence.objects.count() == Absence.objects.count() == 0
    report = import_bundle(files=first.files, scope=ImportScope())
    assert report.ok and report.written, report.issues
    assert summary(report) == (7, 0, 0)

    provider = Provider.objects.get(slug="a1")
    second = export_provider(provider=provider)
    assert second.files == first.files
    presences = Presence.objects.filter(provider=provider)
    assert presences.count() == 5 and Absence.objects.filter(provider=provider).count() == 2
    assert {(p.check_in_method, p.check_out_method) for p in presences} == {
        (Method.IMPORT, Method.IMPORT)
    }
    # A pair counts in the classroom of the enrollment in effect that day, or else in the
    # child's current one (none for the other child, withdrawn since June 2025).
    rooms = {
        (p.child.key, p.service_date): p.classroom.key if p.classroom else None
        for p in presences.select_related("child", "classroom")
    }
    assert rooms == {
        (child, date(2025, 7, 14)): world.a1.classroom.key,
        (child, date(2026, 1, 12)): world.a1.classroom.key,
        (other, date(2025, 3, 10)): world.a1.other_classroom.key,
        (other, date(2026, 1, 14)): None,
    }
    assert (
        AuditEvent.objects.filter(
            provider_id=provider.pk, object_type="Presence", action="created"
        ).count()
        == 5
    )


def test_times_are_read_and_written_on_the_providers_clock(world):
    providers = "provider_key,name,kind,timezone\ngamma-kids,Gamma Kids,center,America/Denver\n"
    report = import_attendance(
        "c-1,2026-01-12,07:30,11:00,\nc-1,2026-07-13,7:30,11:00,\n", **{"providers.csv": providers}
    )
    assert report.ok and report.written, report.issues
    winter, summer = Presence.objects.filter(child__key="c-1").order_by("check_in")
    assert winter.check_in == datetime(2026, 1, 12, 14, 30, tzinfo=UTC)  # MST is UTC-7
    assert winter.check_out == datetime(2026, 1, 12, 18, 0, tzinfo=UTC)
    assert summer.check_in == datetime(2026, 7, 13, 13, 30, tzinfo=UTC)  # MDT is UTC-6
    assert (winter.service_date, summer.service_date) == (date(2026, 1, 12), date(2026, 7, 13))
    exported = export_provider(provider=Provider.objects.get(slug="gamma-kids"))
    assert exported.files["attendance.csv"].decode() == (
        HEADER + "c-1,2026-01-12,07:30,11:00,\nc-1,2026-07-13,07:30,11:00,\n"
    )


def test_importing_the_same_attendance_twice_changes_nothing_the_second_time(world):
    attendance = (
        "c-1,2026-01-12,07:30,11:00,\n"
        "c-1,2026-01-12,15:00,17:30,\n"
        "c-1,2026-01-13,,,sick\n"
        "c-2,2026-01-12,08:15,16:45,\n"
    )
    first = import_attendance(attendance)
    assert first.ok and first.written, first.issues
    assert summary(first) == (4, 0, 0)
    before = counts()

    second = import_attendance(attendance)
    assert second.ok and second.written, second.issues
    assert summary(second) == (0, 0, 4) and second.changed == 0
    assert counts() == before  # no rows and no audit events either


def test_reimporting_an_export_leaves_kiosk_seconds_and_methods_alone(world):
    fill_a1(world)
    fill_attendance(world)
    kiosk = Presence.objects.get(child=world.a1.child, check_in=at(date(2026, 1, 12), 7, 31, 42))
    before = counts()

    report = import_bundle(
        files=export_provider(provider=world.a1.provider).files, scope=ImportScope()
    )
    assert report.ok and report.written, report.issues
    assert summary(report) == (0, 0, 7)
    assert counts() == before
    kiosk.refresh_from_db()
    assert kiosk.check_out == at(date(2026, 1, 12), 11, 5, 10)
    assert (kiosk.check_in_method, kiosk.check_out_method) == (Method.KIOSK, Method.KIOSK)


def test_a_changed_check_out_or_reason_is_updated_with_an_audit_entry(world):
    import_attendance("c-1,2026-01-12,07:30,11:00,\nc-1,2026-01-13,,,sick\n")
    report = import_attendance("c-1,2026-01-12,07:30,11:30,\nc-1,2026-01-13,,,vacation\n")
    assert report.ok and report.written, report.issues
    assert summary(report) == (0, 2, 0)
    updates = next(f for f in report.files if f.name == "attendance.csv").updates
    assert updates == [(2, ["check_out"]), (3, ["absence_reason"])]
    presence = Presence.objects.get(child__key="c-1")
    assert presence.check_out == datetime(2026, 1, 12, 17, 30, tzinfo=UTC)
    assert Absence.objects.get(child__key="c-1").reason == "vacation"
    changed = AuditEvent.objects.filter(action="updated", object_type__in=["Presence", "Absence"])
    assert sorted(list(e.changes) for e in changed) == [["check out"], ["reason"]]


def test_an_open_pair_is_left_out_of_the_export_with_a_warning(world):
    services.check_in(child=world.a1.child)
    exported = export_provider(provider=world.a1.provider)
    assert exported.files["attendance.csv"].decode() == HEADER
    assert len(exported.warnings) == 1
    assert "the open pair is left out until the check-out" in exported.warnings[0]


def test_a_day_with_both_pairs_and_an_absence_exports_the_pairs_only(world):
    child, day = world.a1.child, date(2026, 1, 12)
    services.record_absence(child=child, day=day, reason="sick", actor=None)
    # A missed pair added afterwards does not remove the absence.
    services.add_missed_presence(
        child=child,
        check_in=datetime(2026, 1, 12, 13, 0, tzinfo=UTC),
        check_out=datetime(2026, 1, 12, 20, 0, tzinfo=UTC),
        actor=None,
        reason="Came after lunch",
    )
    exported = export_provider(provider=world.a1.provider)
    assert exported.files["attendance.csv"].decode() == (
        HEADER + f"{child.key},2026-01-12,07:00,14:00,\n"
    )
    assert exported.warnings == [
        f"attendance.csv: the absence of {child} on 2026-01-12 is left out: the child has "
        "check-ins that day."
    ]


ERRORS = (
    "c-1,2026-01-12,07:30,11:00,\n"  # 2: fine
    "c-1,2026-01-12,10:45,15:00,\n"  # 3: overlaps line 2
    "c-1,2026-01-13,7.30,16:00,\n"  # 4
    "c-1,2026-01-32,07:30,16:00,\n"  # 5
    "c-1,2026-01-14,16:00,07:30,\n"  # 6
    "c-1,2026-01-15,07:30,,\n"  # 7
    "c-1,2026-01-16,,16:00,\n"  # 8
    "c-1,2026-01-19,07:30,16:00,sick\n"  # 9
    "c-1,2026-01-20,,,flu\n"  # 10
    "c-1,2026-01-21,,,\n"  # 11
    "nobody,2026-01-12,07:30,16:00,\n"  # 12
    "c-2,2026-01-12,,,sick\n"  # 13
    "c-2,2026-01-12,08:00,12:00,\n"  # 14: in care on a day line 13 says absent
    "c-2,2026-01-13,,,sick\n"  # 15
    "c-2,2026-01-13,,,vacation\n"  # 16: a second absence
    "c-2,2026-03-08,02:30,09:00,\n"  # 17: clocks skip 02:00 to 03:00 in Chicago
    "c-2,2026-01-14,08:00,24:00,\n"  # 18
)


def test_an_attendance_file_full_of_errors_reports_every_one_and_writes_nothing(world):
    before = counts()
    report = import_attendance(ERRORS)
    assert not report.written
    assert [str(issue) for issue in report.issues] == [
        "attendance.csv:3: check_in: Overlaps line 2 (07:30–11:00); pairs of one child on one "
        "day may not overlap.",
        "attendance.csv:4: check_in: “7.30” is not a time; write times as HH:MM on the 24-hour "
        "clock, e.g. 07:30 or 16:45.",
        "attendance.csv:5: date: “2026-01-32” is not a date; write dates as YYYY-MM-DD, "
        "e.g. 2026-09-01.",
        "attendance.csv:6: check_out: The check-out 07:30 is not after the check-in 16:00; a "
        "pair ends after it starts, on the same day.",
        "attendance.csv:7: check_out: A pair needs both times; fill in check_out.",
        "attendance.csv:8: check_in: A pair needs both times; fill in check_in.",
        "attendance.csv:9: absence_reason: A row is a pair of times or an absence, not both; "
        "leave check_in and check_out empty on an absence row.",
        "attendance.csv:10: absence_reason: “flu” is not allowed; use one of: sick, vacation, "
        "holiday, other.",
        "attendance.csv:11: check_in: Give check_in and check_out, or absence_reason when the "
        "child was absent.",
        "attendance.csv:12: child_key: Unknown child_key “nobody”; add the child to children.csv.",
        "attendance.csv:14: check_in: Line 13 records c-2 absent on 2026-01-12; a child absent "
        "that day has no check-ins. Keep the pairs or the absence.",
        "attendance.csv:16: absence_reason: Line 15 records c-2 absent on 2026-01-13 already; a "
        "child has one absence a day.",
        "attendance.csv:17: check_in: 02:30 does not exist on 2026-03-08 in America/Chicago: "
        "the clocks skip that hour when they move forward; check the time.",
        "attendance.csv:18: check_out: “24:00” is not a time; write times as HH:MM on the "
        "24-hour clock, e.g. 07:30 or 16:45.",
    ]
    assert counts() == before
    assert not Child.objects.filter(key="c-1").exists()  # nothing of the bundle was written


def test_rows_that_contradict_stored_attendance_are_refused(world):
    stored = "c-1,2026-01-12,07:30,11:00,\nc-1,2026-01-13,,,sick\nc-2,2026-01-12,08:00,16:00,\n"
    assert import_attendance(stored).written
    # A child still checked in: the open pair lasts until the check-out.
    c2 = Child.objects.get(key="c-2")
    Presence.objects.create(
        provider=c2.provider,
        child=c2,
        service_date=date(2026, 1, 13),
        check_in=datetime(2026, 1, 13, 14, 0, tzinfo=UTC),
        check_in_method=Method.KIOSK,
    )
    before = counts()
    report = import_attendance(
        "c-1,2026-01-12,10:00,12:00,\n"  # overlaps the stored 07:30–11:00 this file leaves out
        "c-1,2026-01-13,08:00,12:00,\n"  # the stored absence says c-1 was away
        "c-2,2026-01-12,,,holiday\n"  # the stored pair says c-2 was in care
        "c-2,2026-01-13,15:00,16:00,\n"  # overlaps the open pair
    )
    assert [str(issue) for issue in report.issues] == [
        "attendance.csv:2: check_in: Overlaps the pair 07:30–11:00 stored for c-1 on "
        "2026-01-12, which this file does not list; pairs of one child on one day may not "
        "overlap.",
        "attendance.csv:3: check_in: c-1 is recorded absent on 2026-01-13 (sick); a child "
        "absent that day has no check-ins. Remove the absence first, or leave the day out.",
        "attendance.csv:4: absence_reason: c-2 was checked in at 08:00 on 2026-01-12; a child "
        "in care that day was not absent.",
        "attendance.csv:5: check_in: Overlaps the pair 08:00–still open stored for c-2 on "
        "2026-01-13, which this file does not list; pairs of one child on one day may not "
        "overlap.",
    ]
    assert not report.written and counts() == before


def test_a_day_submitted_for_cca_cannot_change_but_may_be_reimported_as_it_is(world, monkeypatch):
    attendance = "c-1,2026-01-12,07:30,11:00,\nc-1,2026-01-13,,,sick\n"
    assert import_attendance(attendance).written

    def submitted(*, child, day):
        if day == date(2026, 1, 12):
            raise ValidationError("Jan 12 is submitted for CCA; recall the submission first.")

    monkeypatch.setattr(services, "DAY_LOCK_CHECKS", [submitted])
    again = import_attendance(attendance)
    assert again.ok and again.written and again.changed == 0
    before = counts()

    report = import_attendance("c-1,2026-01-12,07:30,11:30,\nc-1,2026-01-13,,,vacation\n")
    assert [str(issue) for issue in report.issues] == [
        "attendance.csv:2: date: Jan 12 is submitted for CCA; recall the submission first."
    ]
    assert not report.written and counts() == before
    assert Absence.objects.get(child__key="c-1").reason == "sick"


@pytest.mark.parametrize(
    ("attendance", "expected"),
    [
        ("c-1,2026-01-12,07:30,11:00,\nc-1,2026-01-12,07:30,12:00,\n", "3: check_in: Overlaps"),
        ("c-1,2026-01-12,07:30,11:00,\nc-1,2026-01-12,11:00,15:00,\n", ""),
        ("c-1,2026-01-12,11:00,15:00,\nc-1,2026-01-12,07:30,11:30,\n", "3: check_in: Overlaps"),
    ],
)
def test_pairs_of_one_day_may_touch_but_not_overlap(world, attendance, expected):
    report = import_attendance(attendance)
    if expected:
        assert [str(i) for i in report.issues][0].startswith(f"attendance.csv:{expected}")
    else:
        assert report.ok and report.written, report.issues


def test_attendance_alone_is_imported_for_children_already_here_and_no_one_elses(world):
    a1, a2 = world.a1, world.a2
    bundle = {
        "manifest.json": b'{"format": "ccms-bundle", "version": 1}',
        "providers.csv": b"provider_key,name,kind\na1,Provider a1,center\n",
        "attendance.csv": (
            f"{HEADER}{a1.child.key},2026-01-12,07:30,16:00,\n{a2.child.key},2026-01-12,,,sick\n"
        ).encode(),
    }
    report = import_bundle(files=bundle, scope=ImportScope(provider=a1.provider))
    assert [str(issue) for issue in report.issues] == [
        f"attendance.csv:3: child_key: Unknown child_key “{a2.child.key}”; add the child to "
        "children.csv."
    ]
    bundle["attendance.csv"] = f"{HEADER}{a1.child.key},2026-01-12,07:30,16:00,\n".encode()
    report = import_bundle(files=bundle, scope=ImportScope(provider=a1.provider))
    assert report.ok and report.written, report.issues
    presence = Presence.objects.get(child=a1.child)
    assert presence.check_in == datetime(2026, 1, 12, 13, 30, tzinfo=UTC)  # America/Chicago
    assert presence.classroom == a1.classroom  # no enrollment: the child's current classroom
    assert not Presence.objects.filter(child=a2.child).exists()
