"""Staff time: the clock page, timesheets with breaks deducted, the payroll CSV, who sees whose
hours, staff schedules, and the live ratio board's partial."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ccms.attendance import reports, services
from ccms.attendance.models import StaffSchedule, StaffShift
from ccms.attendance.ratios import ratio_board
from ccms.families.models import Child
from ccms.tenancy.models import Role

MONDAY = date(2026, 3, 2)
HTMX = {"HTTP_HX_REQUEST": "true"}


def at(provider, day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), tzinfo=provider.tz)


def work(provider, user, day, start, end, breaks=(), classroom=None, moves=()):
    """A shift from `start` to `end` ((h, m[, s]) tuples on `day`), with breaks and moves."""
    services.clock_in(
        provider=provider, user=user, classroom=classroom, at=at(provider, day, *start)
    )
    events = [("break", b) for b in breaks] + [("move", m) for m in moves]
    for kind, item in sorted(events, key=lambda e: e[1][0]):
        if kind == "break":
            services.start_break(provider=provider, user=user, at=at(provider, day, *item[0]))
            if item[1] is not None:
                services.end_break(provider=provider, user=user, at=at(provider, day, *item[1]))
        else:
            services.move_shift(
                provider=provider, user=user, classroom=item[1], at=at(provider, day, *item[0])
            )
    services.clock_out(provider=provider, user=user, at=at(provider, day, *end))


@pytest.mark.parametrize(
    "start, end, breaks, hours, break_minutes",
    [
        ((8, 0), (16, 0), [], "8.00", 0),
        ((8, 0), (16, 30), [((12, 0), (12, 30))], "8.00", 30),
        ((7, 0), (15, 20), [((10, 0), (10, 15)), ((12, 0), (12, 30))], "7.58", 45),
        ((7, 0, 0), (7, 44, 42), [], "0.75", 0),  # 0.745 h rounds half-up, not to even
        ((7, 0, 0), (7, 0, 18), [], "0.01", 0),  # 18 seconds are 0.005 h
        ((8, 0), (16, 0), [((15, 30), None)], "7.50", 30),  # clock-out ends the open break
        ((8, 0), (9, 0), [((8, 10, 0), (8, 11, 30))], "0.98", 2),  # 90 s break: 2 min shown
    ],
)
def test_timesheet_deducts_breaks_and_rounds_hours_half_up(
    world, start, end, breaks, hours, break_minutes
):
    provider, teacher = world.a1.provider, world.a1.users[Role.STAFF]
    work(provider, teacher, MONDAY, start, end, breaks, classroom=world.a1.classroom)
    sheet = reports.timesheet(provider, MONDAY, MONDAY)
    (person,) = sheet.staff
    (day,) = person.days
    assert (day.worked_hours, day.break_minutes) == (Decimal(hours), break_minutes)
    assert person.worked_hours == Decimal(hours)


def test_a_move_between_rooms_is_one_day_with_both_rooms(world):
    provider, teacher = world.a1.provider, world.a1.users[Role.STAFF]
    work(
        provider,
        teacher,
        MONDAY,
        (8, 0),
        (16, 0),
        breaks=[((12, 0), (12, 30))],
        classroom=world.a1.classroom,
        moves=[((13, 0), world.a1.other_classroom)],
    )
    (day,) = reports.timesheet(provider, MONDAY, MONDAY).staff[0].days
    assert day.classrooms == ["Toddlers", "Preschool"]
    assert (day.first_in, day.last_out) == (at(provider, MONDAY, 8), at(provider, MONDAY, 16))
    assert (day.worked_hours, day.break_minutes) == (Decimal("7.50"), 30)


def test_period_total_is_exact_before_rounding(world):
    provider, teacher = world.a1.provider, world.a1.users[Role.STAFF]
    # 20 min 6 s a day: 0.335 h, shown 0.34 each; three days are 1.005 h exactly, shown 1.01.
    for offset in range(3):
        day = MONDAY.replace(day=MONDAY.day + offset)
        work(provider, teacher, day, (8, 0, 0), (8, 20, 6))
    person = reports.timesheet(provider, MONDAY, MONDAY.replace(day=6)).staff[0]
    assert [d.worked_hours for d in person.days] == [Decimal("0.34")] * 3
    assert person.worked_hours == Decimal("1.01")


def test_a_shift_across_the_daylight_saving_change_counts_real_hours(world):
    provider, teacher = world.a1.provider, world.a1.users[Role.STAFF]
    spring_forward = date(2026, 3, 8)  # 02:00 does not exist in Chicago that night
    work(provider, teacher, spring_forward, (1, 0), (4, 0))
    assert reports.timesheet(provider, spring_forward, spring_forward).worked_hours == Decimal(
        "2.00"
    )


def test_an_open_shift_is_flagged_and_not_counted(world):
    provider, teacher = world.a1.provider, world.a1.users[Role.STAFF]
    services.clock_in(provider=provider, user=teacher, classroom=None, at=at(provider, MONDAY, 8))
    person = reports.timesheet(provider, MONDAY, MONDAY).staff[0]
    assert (person.open_shifts, person.worked_hours) == (1, Decimal("0.00"))
    assert reports.timesheet_rows(reports.timesheet(provider, MONDAY, MONDAY))[0][5:] == [
        "",
        0,
        "",
    ]


def test_timesheet_csv_has_the_payroll_columns(client, world):
    provider, teacher = world.a1.provider, world.a1.users[Role.STAFF]
    teacher.first_name, teacher.last_name = "Maria", "Garcia"
    teacher.save()
    work(
        provider,
        teacher,
        MONDAY,
        (7, 58),
        (16, 31),
        breaks=[((12, 0), (12, 30))],
        classroom=world.a1.classroom,
    )
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = client.get("/p/a1/time/timesheet/?start=2026-03-01&end=2026-03-14&format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode().splitlines() == [
        "staff_email,name,date,classroom,clock_in,clock_out,break_minutes,worked_hours",
        "staff@a1.test,Maria Garcia,2026-03-02,Toddlers,2026-03-02 07:58,2026-03-02 16:31,30,8.05",
    ]


def test_csv_cells_that_look_like_formulas_are_neutralised(world):
    text = reports.csv_text(["name"], [["=HYPERLINK(1)"], ["-1"], ["Ana"]])
    assert text.splitlines() == ["name", "'=HYPERLINK(1)", "'-1", "Ana"]


def test_staff_see_only_their_own_timesheet(client, world):
    provider = world.a1.provider
    teacher, director = world.a1.users[Role.STAFF], world.a1.users[Role.DIRECTOR]
    work(provider, teacher, MONDAY, (8, 0), (16, 0))
    work(provider, director, MONDAY, (9, 0), (17, 0))
    client.force_login(teacher)
    for query in ("", f"&staff={director.pk}"):
        page = client.get(f"/p/a1/time/timesheet/?start=2026-03-01&end=2026-03-14{query}")
        assert page.status_code == 200
        body = page.content.decode()
        assert "staff@a1.test" in body and "director@a1.test" not in body
    rows = client.get("/p/a1/time/timesheet/?start=2026-03-01&end=2026-03-14&format=csv")
    rows = rows.content.decode()
    assert "director@a1.test" not in rows and "staff@a1.test" in rows

    client.force_login(director)
    body = client.get("/p/a1/time/timesheet/?start=2026-03-01&end=2026-03-14").content.decode()
    assert "staff@a1.test" in body and "director@a1.test" in body
    only = client.get(
        f"/p/a1/time/timesheet/?start=2026-03-01&end=2026-03-02&staff={teacher.pk}&format=csv"
    )
    assert "director@a1.test" not in only.content.decode()


def test_timesheet_defaults_to_the_last_14_days_and_refuses_a_reversed_period(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    page = client.get("/p/a1/time/timesheet/")
    start, end = page.context["start"], page.context["end"]
    assert (end - start).days == 13
    page = client.get("/p/a1/time/timesheet/?start=2026-03-10&end=2026-03-01")
    assert "must not be before the start" in page.content.decode()
    csv = client.get("/p/a1/time/timesheet/?start=2026-03-10&end=2026-03-01&format=csv")
    assert csv.status_code == 400


@pytest.mark.parametrize("role", [Role.GUARDIAN, Role.CONSULTANT])
def test_roles_without_staff_time_are_refused(client, world, role):
    client.force_login(world.a1.users[role])
    for url in ("/p/a1/time/", "/p/a1/time/timesheet/", "/p/a1/time/schedules/"):
        assert client.get(url).status_code == 403
    assert client.post("/p/a1/time/clock-in/").status_code == 403


def test_hub_staff_see_everyone_but_do_not_clock(client, world):
    work(world.a1.provider, world.a1.users[Role.STAFF], MONDAY, (8, 0), (16, 0))
    client.force_login(world.alliance_users[("alpha", Role.HUB_STAFF)])
    page = client.get("/p/a1/time/")
    assert page.status_code == 200 and "Clock in" not in page.content.decode()
    assert client.post("/p/a1/time/clock-in/").status_code == 403
    sheet = client.get("/p/a1/time/timesheet/?start=2026-03-01&end=2026-03-14")
    assert "staff@a1.test" in sheet.content.decode()


def test_teacher_clocks_in_to_their_room_takes_a_break_moves_and_clocks_out(client, world):
    teacher = world.a1.users[Role.STAFF]
    client.force_login(teacher)
    page = client.get("/p/a1/time/")
    # The teacher's own classroom is offered first and chosen.
    assert page.context["clock_form"]["classroom"].value() == world.a1.classroom.pk
    assert "Toddlers (yours)" in page.content.decode()

    client.post("/p/a1/time/clock-in/", {"classroom": world.a1.classroom.pk})
    shift = StaffShift.objects.get(user=teacher, clock_out__isnull=True)
    assert shift.classroom == world.a1.classroom
    page = client.get("/p/a1/time/")
    assert "On shift in Toddlers since" in page.content.decode()

    client.post("/p/a1/time/break/start/")
    assert "On a break since" in client.get("/p/a1/time/").content.decode()
    client.post("/p/a1/time/break/end/")
    client.post("/p/a1/time/move/", {"classroom": world.a1.other_classroom.pk})
    assert StaffShift.objects.get(user=teacher, clock_out__isnull=True).classroom == (
        world.a1.other_classroom
    )
    response = client.post("/p/a1/time/clock-out/", follow=True)
    assert "Clocked out at" in response.content.decode()
    assert not StaffShift.objects.filter(user=teacher, clock_out__isnull=True).exists()
    assert StaffShift.objects.filter(user=teacher).count() == 2


def test_clocking_in_twice_or_to_another_providers_room_is_refused(client, world):
    client.force_login(world.a1.users[Role.STAFF])
    client.post("/p/a1/time/clock-in/", {"classroom": world.a1.classroom.pk})
    again = client.post("/p/a1/time/clock-in/", {"classroom": world.a1.classroom.pk}, follow=True)
    assert "already clocked in" in again.content.decode()
    client.post("/p/a1/time/clock-out/")
    client.post("/p/a1/time/clock-in/", {"classroom": world.b1.classroom.pk})
    assert not StaffShift.objects.filter(classroom=world.b1.classroom).exists()


def test_leaving_a_room_out_of_ratio_warns_at_once(client, world):
    provider, room = world.a1.provider, world.a1.classroom
    child = world.a1.child  # born 2024-05: under 3, so 1:4 or 1:7
    services.check_in(child=child, classroom=room)
    client.force_login(world.a1.users[Role.STAFF])
    client.post("/p/a1/time/clock-in/", {"classroom": room.pk})
    response = client.post("/p/a1/time/clock-out/", follow=True)
    assert "Toddlers is now out of ratio: it needs 1 more staff for 1 child." in (
        response.content.decode()
    )
    assert next(r for r in ratio_board(provider) if r.classroom == room).status == "out"


# Staff schedules ----------------------------------------------------------------------------


def _block(world, **extra):
    data = {
        "user": world.a1.users[Role.STAFF].pk,
        "classroom": world.a1.classroom.pk,
        "weekday": 0,
        "start": "07:00",
        "end": "15:00",
    }
    data.update(extra)
    return data


def test_director_adds_edits_and_removes_a_schedule_block(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = client.post("/p/a1/time/schedules/", _block(world), follow=True)
    assert "Schedule added." in response.content.decode()
    block = StaffSchedule.objects.get(provider=world.a1.provider)
    assert (block.weekday, block.start, block.end) == (0, time(7), time(15))

    overlap = client.post("/p/a1/time/schedules/", _block(world, start="14:00", end="18:00"))
    assert "already scheduled 07:00–15:00 in Toddlers" in overlap.content.decode()
    backwards = client.post("/p/a1/time/schedules/", _block(world, start="15:00", end="07:00"))
    assert "The end must be after the start." in backwards.content.decode()

    client.post(f"/p/a1/time/schedules/{block.pk}/edit/", _block(world, end="16:30"))
    block.refresh_from_db()
    assert block.end == time(16, 30)
    client.post(f"/p/a1/time/schedules/{block.pk}/delete/")
    assert not StaffSchedule.objects.exists()


def test_only_managers_edit_schedules(client, world):
    block = StaffSchedule.objects.create(
        provider=world.a1.provider,
        user=world.a1.users[Role.STAFF],
        classroom=world.a1.classroom,
        weekday=1,
        start=time(7),
        end=time(15),
    )
    client.force_login(world.a1.users[Role.STAFF])
    assert client.get("/p/a1/time/schedules/").status_code == 403
    assert client.post("/p/a1/time/schedules/", _block(world)).status_code == 403
    assert client.post(f"/p/a1/time/schedules/{block.pk}/delete/").status_code == 403
    assert StaffSchedule.objects.count() == 1
    client.force_login(world.alliance_users[("alpha", Role.HUB_STAFF)])
    assert client.post("/p/a1/time/schedules/", _block(world, weekday=2)).status_code == 302
    assert StaffSchedule.objects.count() == 2


def test_a_schedule_names_only_this_providers_staff_and_rooms(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    for data in (
        _block(world, user=world.b1.users[Role.STAFF].pk),
        _block(world, user=world.a1.users[Role.GUARDIAN].pk),
        _block(world, classroom=world.b1.classroom.pk),
    ):
        response = client.post("/p/a1/time/schedules/", data)
        assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not StaffSchedule.objects.exists()


# Live ratio board ---------------------------------------------------------------------------


def _toddlers(world, n):
    room, today = world.a1.classroom, timezone.localdate()
    for i in range(n):
        child = Child.objects.create(
            provider=world.a1.provider,
            family=world.a1.family,
            classroom=room,
            first_name=f"T{i}",
            last_name="X",
            birth_date=today.replace(year=today.year - 2),
        )
        services.check_in(child=child, classroom=room)


def test_ratio_board_partial_says_out_of_ratio_in_words(client, world):
    _toddlers(world, 8)  # two-year-olds: 1:7, so 8 children need 2 staff
    services.clock_in(
        provider=world.a1.provider, user=world.a1.users[Role.STAFF], classroom=world.a1.classroom
    )
    client.force_login(world.a1.users[Role.DIRECTOR])
    partial = client.get("/p/a1/ratios/", **HTMX)
    body = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in body
    assert "Out of ratio: needs 1 more staff" in body
    assert "1 room out of ratio:" in body
    assert "staff@a1.test" in body  # staff present, by name
    assert "HX-Request" in partial["Vary"]
    page = client.get("/p/a1/ratios/?every=1")
    assert 'hx-trigger="every 2s"' in page.content.decode()  # never faster than every 2 s
    assert 'hx-trigger="every 15s"' in client.get("/p/a1/ratios/").content.decode()


def test_out_of_ratio_rooms_come_first(client, world):
    _toddlers(world, 1)
    client.force_login(world.a1.users[Role.DIRECTOR])
    cards = client.get("/p/a1/ratios/", **HTMX).context["cards"]
    assert [(room.classroom.name, text) for room, text in cards] == [
        ("Toddlers", "Out of ratio: needs 1 more staff"),
        ("Preschool", "In ratio"),
    ]


def test_ratio_board_warns_by_name_before_a_scheduled_departure(client, world):
    provider, teacher = world.a1.provider, world.a1.users[Role.STAFF]
    teacher.first_name, teacher.last_name = "Maria", "Garcia"
    teacher.save()
    now = timezone.localtime(timezone.now(), provider.tz).replace(second=0, microsecond=0)
    leaves = (now + timedelta(minutes=20)).time()
    if leaves < now.time():
        pytest.skip("too close to midnight for a same-day departure")
    StaffSchedule.objects.create(
        provider=provider,
        user=teacher,
        classroom=world.a1.classroom,
        weekday=now.weekday(),
        start=time(0, 0),
        end=leaves,
    )
    services.clock_in(provider=provider, user=teacher, classroom=world.a1.classroom)
    _toddlers(world, 2)
    client.force_login(teacher)
    body = client.get("/p/a1/ratios/", **HTMX).content.decode()
    assert f"Warning: Maria Garcia leaves at {leaves:%H:%M}" in body


def test_staff_see_every_room_of_their_provider_on_the_board(client, world):
    client.force_login(world.a1.users[Role.STAFF])  # assigned to Toddlers only
    cards = client.get("/p/a1/ratios/").context["cards"]
    assert {room.classroom.name for room, _ in cards} == {"Toddlers", "Preschool"}


@pytest.mark.parametrize("role", [Role.GUARDIAN, Role.CONSULTANT])
def test_guardians_and_consultants_do_not_see_the_ratio_board(client, world, role):
    client.force_login(world.a1.users[role])
    assert client.get("/p/a1/ratios/").status_code == 403
