"""Attendance reports: the daily sheet, monthly attendance with its CSV, late pick-ups and
unexplained no-shows; who may read each; a fixed number of queries as data grows."""

from datetime import date, datetime, time

import pytest

from ccms.attendance import reports, services
from ccms.attendance.models import Absence, Closure
from ccms.enrollment.models import Enrollment
from ccms.families.models import Child
from ccms.tenancy.models import Role

MONDAY = date(2026, 3, 2)
TUESDAY = date(2026, 3, 3)


def at(provider, day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=provider.tz)


def enroll(child, classroom=None, days="MTWRF", **extra) -> Enrollment:
    return Enrollment.objects.create(
        provider=child.provider,
        child=child,
        classroom=classroom or child.classroom,
        start_date=date(2026, 1, 5),
        days=days,
        **extra,
    )


def attend(child, day, start, end, actor=None, **extra):
    services.check_in(child=child, actor=actor, at=at(child.provider, day, *start))
    services.check_out(child=child, actor=actor, at=at(child.provider, day, *end), **extra)


def new_child(tenant, first, classroom=None, **extra) -> Child:
    return Child.objects.create(
        provider=tenant.provider,
        family=tenant.family,
        classroom=classroom or tenant.classroom,
        first_name=first,
        last_name="Sample",
        birth_date=date(2024, 6, 1),
        **extra,
    )


# Daily attendance sheet ---------------------------------------------------------------------


def test_daily_sheet_lists_expected_present_and_absent_children_with_who_recorded(client, world):
    a1 = world.a1
    teacher = a1.users[Role.STAFF]
    enroll(a1.child)
    attend(a1.child, MONDAY, (7, 45), (12, 0), actor=teacher)
    attend(a1.child, MONDAY, (13, 0), (16, 30), actor=teacher, picked_up_by="Pat Alpha")
    sick = new_child(a1, "Sofia")
    enroll(sick)
    services.record_absence(child=sick, day=MONDAY, reason="sick", actor=teacher, note="Fever")
    silent = new_child(a1, "Noah")
    enroll(silent)
    part_time = new_child(a1, "Liam")
    enroll(part_time, days="TR")  # not expected on a Monday, and not listed
    drop_in = new_child(a1, "Emma")
    attend(drop_in, MONDAY, (9, 0), (11, 0), actor=teacher)

    client.force_login(a1.users[Role.DIRECTOR])
    page = client.get(f"/p/a1/reports/daily/?date=2026-03-02&classroom={a1.classroom.pk}")
    (sheet,) = page.context["sheets"]
    rows = {row.child.first_name: row for row in sheet.rows}
    assert set(rows) == {a1.child.first_name, "Sofia", "Noah", "Emma"}
    assert [p.check_in for p in rows[a1.child.first_name].pairs] == [
        at(a1.provider, MONDAY, 7, 45),
        at(a1.provider, MONDAY, 13),
    ]
    assert str(rows[a1.child.first_name].hours) == "7.75"
    assert (rows["Sofia"].status, rows["Sofia"].absence.reason) == ("absent", "sick")
    assert rows["Noah"].status == "no_record"
    assert not rows["Emma"].expected
    assert sheet.counts == {"expected": 3, "present": 2, "absent": 1, "no_record": 1}
    body = page.content.decode()
    assert "07:45" in body and "16:30" in body and "Pat Alpha" in body
    assert "staff: staff@a1.test" in body and "Fever" in body
    assert "Guardian signature" in body and "data-print" in body
    assert "not scheduled today" in body


def test_daily_sheet_shows_a_closure(client, world):
    services.record_closure(provider=world.a1.provider, day=MONDAY, reason="Snow day", actor=None)
    client.force_login(world.a1.users[Role.DIRECTOR])
    assert "Closed: Snow day" in client.get("/p/a1/reports/daily/?date=2026-03-02").content.decode()


def test_staff_print_the_sheet_of_their_own_classrooms_only(client, world):
    a1 = world.a1
    enroll(a1.child)
    enroll(a1.other_child)  # in Preschool, which the teacher does not work in
    client.force_login(a1.users[Role.STAFF])
    page = client.get("/p/a1/reports/daily/?date=2026-03-02")
    assert [s.classroom for s in page.context["sheets"]] == [a1.classroom]
    other = client.get(f"/p/a1/reports/daily/?date=2026-03-02&classroom={a1.other_classroom.pk}")
    assert a1.other_child.first_name not in other.content.decode()


def test_daily_sheets_run_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    a1 = world.a1
    rooms = [a1.classroom, a1.other_classroom]
    for n in (1, 12):
        for i in range(n):
            child = new_child(a1, f"Q{n}-{i}", classroom=rooms[i % 2])
            enroll(child)
            attend(child, MONDAY, (8, 0), (9, 0), actor=a1.users[Role.STAFF])
        with django_assert_max_num_queries(4):
            sheets = reports.daily_sheets(a1.provider, MONDAY, rooms)
            assert all(p.checked_in_by.email for s in sheets for r in s.rows for p in r.pairs)


# Monthly attendance -------------------------------------------------------------------------


def test_monthly_report_counts_days_hours_and_absences_by_reason(client, world):
    a1 = world.a1
    enroll(a1.child)
    attend(a1.child, MONDAY, (8, 0), (12, 0))
    attend(a1.child, MONDAY, (13, 0), (15, 30))
    attend(a1.child, TUESDAY, (8, 0), (16, 0))
    for day, reason in ((date(2026, 3, 4), "sick"), (date(2026, 3, 5), "sick")):
        services.record_absence(child=a1.child, day=day, reason=reason, actor=None)
    services.record_absence(child=a1.child, day=date(2026, 3, 6), reason="vacation", actor=None)
    services.record_absence(child=a1.child, day=date(2026, 4, 1), reason="sick", actor=None)

    report = reports.monthly_attendance(a1.provider, date(2026, 3, 17))
    row = next(r for r in report.rows if r.child == a1.child)
    assert (row.days_present, str(row.hours), row.absence_counts, row.absences_total) == (
        2,
        "14.50",
        [2, 1, 0, 0],
        3,
    )

    client.force_login(a1.users[Role.DIRECTOR])
    csv = client.get("/p/a1/reports/monthly/?month=2026-03&format=csv").content.decode()
    lines = csv.splitlines()
    assert lines[0] == (
        "child_last_name,child_first_name,classroom,days_present,hours,"
        "absent_sick,absent_vacation,absent_holiday,absent_other,absences"
    )
    assert f"Alpha,{a1.child.first_name},Toddlers,2,14.50,2,1,0,0,3" in lines


def test_monthly_report_includes_a_child_with_records_but_no_enrollment(world):
    a1 = world.a1
    attend(a1.other_child, MONDAY, (8, 0), (9, 0))
    report = reports.monthly_attendance(a1.provider, MONDAY)
    assert [(r.child, r.days_present) for r in report.rows] == [(a1.other_child, 1)]


def test_monthly_report_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    a1 = world.a1
    for n in (1, 10):
        for i in range(n):
            child = new_child(a1, f"M{n}-{i}")
            enroll(child)
            attend(child, MONDAY, (8, 0), (9, 0))
            services.record_absence(child=child, day=TUESDAY, reason="sick", actor=None)
        with django_assert_max_num_queries(4):
            report = reports.monthly_attendance(a1.provider, MONDAY)
            assert all(r.classroom.name for r in report.rows)


# Late pick-ups ------------------------------------------------------------------------------


def test_late_pickups_count_minutes_after_the_schedule_or_closing_time(client, world):
    a1 = world.a1
    enroll(a1.child, daily_start=time(8), daily_end=time(16))
    attend(a1.child, MONDAY, (8, 0), (16, 25))  # 25 minutes after the scheduled 16:00
    enroll(a1.other_child)  # no daily times: closing time applies
    attend(a1.other_child, MONDAY, (8, 0), (18, 10))
    on_time = new_child(a1, "Ava")
    enroll(on_time)
    attend(on_time, MONDAY, (8, 0), (17, 59))

    late = reports.late_pickups(a1.provider, MONDAY, MONDAY)
    assert [(item.presence.child, item.due_source, item.minutes_late) for item in late] == [
        (a1.child, "schedule", 25),
        (a1.other_child, "closing", 10),
    ]
    assert reports.CLOSING_TIME == time(18, 0)

    client.force_login(a1.users[Role.DIRECTOR])
    page = client.get("/p/a1/reports/late-pickups/?start=2026-03-01&end=2026-03-07")
    assert page.context["total_minutes"] == 35
    assert "Ava" not in page.content.decode()


def test_late_pickups_use_the_providers_time_zone(world):
    a1 = world.a1
    a1.provider.timezone = "America/New_York"
    a1.provider.save()
    enroll(a1.child)
    # 18:05 in New York is 17:05 in Chicago: late for this provider.
    attend(a1.child, MONDAY, (8, 0), (18, 5))
    (item,) = reports.late_pickups(a1.provider, MONDAY, MONDAY)
    assert item.minutes_late == 5


# No-shows -----------------------------------------------------------------------------------


def test_no_shows_are_scheduled_children_with_neither_presence_nor_absence(client, world):
    a1 = world.a1
    present, absent, missing = a1.child, a1.other_child, new_child(a1, "Mia")
    for child in (present, absent, missing):
        enroll(child)
    enroll(new_child(a1, "Tue"), days="TR")  # not scheduled on Mondays
    enroll(new_child(a1, "Gone"), end_date=date(2026, 2, 27))  # left before
    attend(present, MONDAY, (8, 0), (9, 0))
    services.record_absence(child=absent, day=MONDAY, reason="vacation", actor=None)

    missing_list, closure = reports.no_shows(a1.provider, MONDAY)
    assert ([n.child for n in missing_list], closure) == ([missing], None)

    client.force_login(a1.users[Role.DIRECTOR])
    body = client.get("/p/a1/reports/no-shows/?date=2026-03-02").content.decode()
    assert "Mia Sample" in body and present.first_name not in body


def test_no_shows_exclude_closures_and_weekends(world):
    a1 = world.a1
    enroll(a1.child)
    Closure.objects.create(provider=a1.provider, service_date=MONDAY, reason="Snow day")
    missing, closure = reports.no_shows(a1.provider, MONDAY)
    assert (missing, closure.reason) == ([], "Snow day")
    assert reports.no_shows(a1.provider, date(2026, 3, 7)) == ([], None)  # a Saturday
    assert [n.child for n in reports.no_shows(a1.provider, TUESDAY)[0]] == [a1.child]


def test_staff_see_no_shows_of_their_classrooms(client, world):
    a1 = world.a1
    enroll(a1.child)
    enroll(a1.other_child)
    client.force_login(a1.users[Role.STAFF])
    missing = client.get("/p/a1/reports/no-shows/?date=2026-03-02").context["missing"]
    assert [n.child for n in missing] == [a1.child]


# Who may read what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, url, status",
    [
        (Role.DIRECTOR, "/p/a1/reports/", 200),
        (Role.DIRECTOR, "/p/a1/reports/monthly/", 200),
        (Role.DIRECTOR, "/p/a1/reports/late-pickups/", 200),
        (Role.STAFF, "/p/a1/reports/", 200),
        (Role.STAFF, "/p/a1/reports/daily/", 200),
        (Role.STAFF, "/p/a1/reports/no-shows/", 200),
        (Role.STAFF, "/p/a1/reports/monthly/", 403),
        (Role.STAFF, "/p/a1/reports/late-pickups/", 403),
        (Role.GUARDIAN, "/p/a1/reports/daily/", 403),
        (Role.GUARDIAN, "/p/a1/reports/no-shows/", 403),
        (Role.CONSULTANT, "/p/a1/reports/daily/", 403),
        (Role.CONSULTANT, "/p/a1/reports/monthly/", 403),
    ],
)
def test_report_permissions(client, world, role, url, status):
    client.force_login(world.a1.users[role])
    assert client.get(url).status_code == status


def test_hub_staff_read_every_report(client, world):
    client.force_login(world.alliance_users[("alpha", Role.HUB_STAFF)])
    for url in ("daily/", "monthly/", "late-pickups/", "no-shows/"):
        assert client.get(f"/p/a1/reports/{url}").status_code == 200


def test_a_bad_date_falls_back_with_a_message(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    page = client.get("/p/a1/reports/daily/?date=yesterday")
    assert page.status_code == 200 and "Showing today instead." in page.content.decode()
    assert client.get("/p/a1/reports/monthly/?month=2026-13&format=csv").status_code == 400


def test_absence_rows_keep_their_reason_on_the_sheet(world):
    a1 = world.a1
    enroll(a1.child)
    Absence.objects.create(
        provider=a1.provider, child=a1.child, service_date=MONDAY, reason="other"
    )
    (sheet,) = reports.daily_sheets(a1.provider, MONDAY, [a1.classroom])
    assert [r.absence.get_reason_display() for r in sheet.rows] == ["Other"]
