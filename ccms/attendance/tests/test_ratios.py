from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from ccms.attendance import services
from ccms.attendance.models import RatioRule, StaffSchedule
from ccms.attendance.ratios import (
    children_per_staff,
    ratio_board,
    required_staff,
    rules_for,
    staffed_capacity_from_schedules,
)
from ccms.families.models import Child
from ccms.tenancy.models import Role


@pytest.mark.parametrize(
    "ages, per_staff",
    [
        ([], None),
        ([10, 11, 14], 4),  # under 2: 1:4
        ([25, 30], 7),  # 2 years: 1:7
        ([20, 40, 50], 4),  # a younger child sets the ratio for a mixed group
        ([40, 41, 50], 10),  # preschool: the age of the majority (3 years)
        ([40, 50, 52], 12),  # majority 4 years
        ([40, 50], 10),  # a tie takes the stricter ratio
        ([70, 80, 100], 15),  # 5 years and school age
    ],
)
def test_iowa_center_ratio_for_the_ages_present(db, world, ages, per_staff):
    rules = rules_for(world.a1.provider, date(2026, 11, 30))
    assert children_per_staff(rules, ages) == per_staff


@pytest.mark.parametrize(
    "children, per_staff, staff", [(0, 4, 0), (4, 4, 1), (5, 4, 2), (15, 7, 3)]
)
def test_required_staff_rounds_up(children, per_staff, staff):
    assert required_staff(children, per_staff) == staff


def test_a_provider_may_choose_stricter_ratios(world):
    provider = world.a1.provider
    RatioRule.objects.create(
        provider=provider,
        min_age_months=0,
        max_age_months=240,
        children_per_staff=3,
        effective_from=date(2026, 1, 1),
    )
    rules = rules_for(provider, date(2026, 11, 30))
    assert children_per_staff(rules, [40, 41]) == 3
    # Before its own rule took effect, the state's defaults applied.
    assert children_per_staff(rules_for(provider, date(2025, 6, 1)), [40, 41]) == 10
    assert children_per_staff(rules_for(world.a2.provider, date(2026, 11, 30)), [40, 41]) == 10


def _toddlers(world, n):
    provider, room = world.a1.provider, world.a1.classroom
    today = timezone.localdate()
    kids = []
    for i in range(n):
        child = Child.objects.create(
            provider=provider,
            family=world.a1.family,
            classroom=room,
            first_name=f"T{i}",
            last_name="X",
            birth_date=today - timedelta(days=26 * 30),
        )
        services.check_in(child=child, classroom=room)
        kids.append(child)
    return kids


def test_ratio_board_turns_red_when_the_only_teacher_clocks_out(world):
    provider, room = world.a1.provider, world.a1.classroom
    teacher = world.a1.users[Role.STAFF]
    services.clock_in(provider=provider, user=teacher, classroom=room)
    _toddlers(world, 6)
    board = {r.classroom.pk: r for r in ratio_board(provider)}
    assert (board[room.pk].status, board[room.pk].ratio_label, board[room.pk].required) == (
        "ok",
        "1:7",
        1,
    )
    services.clock_out(provider=provider, user=teacher)
    assert {r.classroom.pk: r for r in ratio_board(provider)}[room.pk].status == "out"


def test_a_break_takes_the_teacher_out_of_the_count(world):
    provider, room = world.a1.provider, world.a1.classroom
    teacher = world.a1.users[Role.STAFF]
    services.clock_in(provider=provider, user=teacher, classroom=room)
    _toddlers(world, 3)
    services.start_break(provider=provider, user=teacher)
    assert {r.classroom.pk: r for r in ratio_board(provider)}[room.pk].status == "out"


def test_a_scheduled_departure_warns_before_the_room_falls_out_of_ratio(world):
    provider, room = world.a1.provider, world.a1.classroom
    teacher = world.a1.users[Role.STAFF]
    now = timezone.localtime(timezone.now(), provider.tz).replace(second=0, microsecond=0)
    leaves = (now + timedelta(minutes=20)).time()
    if leaves < now.time():
        pytest.skip("too close to midnight for a same-day departure")
    StaffSchedule.objects.create(
        provider=provider,
        user=teacher,
        classroom=room,
        weekday=now.weekday(),
        start=time(0, 0),
        end=leaves,
    )
    services.clock_in(provider=provider, user=teacher, classroom=room)
    _toddlers(world, 2)
    assert {r.classroom.pk: r for r in ratio_board(provider)}[room.pk].status == "warn"


def test_staffed_capacity_comes_from_staff_schedules(world):
    provider, room = world.a1.provider, world.a1.classroom  # toddlers 12-35 months, licensed 10
    teacher = world.a1.users[Role.STAFF]
    for weekday in range(5):
        StaffSchedule.objects.create(
            provider=provider,
            user=teacher,
            classroom=room,
            weekday=weekday,
            start=time(7, 0),
            end=time(16, 0),
        )
    # One teacher for children from 12 months (1:4) covers 4 of the 10 licensed seats.
    assert staffed_capacity_from_schedules(provider) == {room.pk: 4}
    from ccms.enrollment.queries import vacancy_report

    row = next(r for r in vacancy_report(provider).rooms if r.classroom == room)
    assert row.staffed_capacity == 4


def test_ratio_board_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    _toddlers(world, 8)
    with django_assert_max_num_queries(6):
        ratio_board(world.a1.provider, now=datetime(2026, 11, 30, 16, tzinfo=UTC))
