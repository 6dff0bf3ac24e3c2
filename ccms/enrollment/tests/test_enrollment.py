"""The enrollment pipeline, FTE, waitlist order, age-outs and vacancies."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ccms.core.dates import provider_today
from ccms.enrollment import queries, services
from ccms.enrollment.models import Enrollment, Inquiry, Stage, StageChange, VacancyConfirmation
from ccms.families.models import Child
from ccms.tenancy.models import Role


@pytest.mark.parametrize(
    "days, hours, fte",
    [
        ("MTWRF", None, "1.00"),
        ("MTWRF", Decimal("9"), "1.00"),
        ("MWF", None, "0.60"),
        ("TR", None, "0.40"),
        ("MTWRF", Decimal("5"), "0.50"),  # a 5-hour day is a half day
        ("MTWRF", Decimal("5.5"), "1.00"),
        ("TR", Decimal("4"), "0.20"),
        ("M", None, "0.20"),
    ],
)
def test_schedule_gives_fte(days, hours, fte):
    assert services.schedule_fte(days, hours) == Decimal(fte)


def test_schedule_with_bad_days_is_refused():
    with pytest.raises(ValidationError, match="letters from MTWRF"):
        services.schedule_fte("MXZ")


def _inquiry(world, **extra):
    defaults = dict(
        provider=world.a1.provider,
        guardian_first_name="Ana",
        guardian_last_name="Lopez",
        phone="515-555-0100",
        child_first_name="Mateo",
        child_last_name="Lopez",
        birth_date=date(2024, 3, 1),
        desired_classroom=world.a1.classroom,
    )
    defaults.update(extra)
    return services.record_inquiry(**defaults)


def test_inquiry_moves_through_every_stage_to_enrolled_and_the_vacancy_changes(world):
    director = world.a1.users[Role.DIRECTOR]
    room = world.a1.classroom
    before = queries.vacancy_report(world.a1.provider)
    vacancies_before = next(r for r in before.rooms if r.classroom == room).vacancies_now
    inquiry = _inquiry(world, actor=director)
    tour = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
    for stage in (Stage.TOUR, Stage.APPLICATION, Stage.WAITLIST, Stage.OFFER):
        services.move_inquiry(inquiry=inquiry, to_stage=stage, actor=director, tour_at=tour)
    today = provider_today(world.a1.provider)
    services.enroll_from_inquiry(
        inquiry=inquiry, classroom=room, start_date=today, actor=director, days="MTWRF"
    )
    inquiry.refresh_from_db()
    assert inquiry.stage == Stage.ENROLLED
    assert inquiry.applied_on is not None and inquiry.tour_at == tour
    moves = list(StageChange.objects.filter(inquiry=inquiry).values_list("to_stage", "by"))
    assert [m[0] for m in moves] == [
        "inquiry",
        "tour",
        "application",
        "waitlist",
        "offer",
        "enrolled",
    ]
    assert all(by == director.pk for _, by in moves)
    after = queries.vacancy_report(world.a1.provider)
    vacancies_after = next(r for r in after.rooms if r.classroom == room).vacancies_now
    assert vacancies_after == vacancies_before - 1
    assert Child.objects.get(pk=inquiry.child_id).classroom == room


def test_a_stage_cannot_be_skipped_out_of_order(world):
    inquiry = _inquiry(world)
    with pytest.raises(ValidationError, match="cannot move to “offer”"):
        services.move_inquiry(inquiry=inquiry, to_stage=Stage.OFFER, actor=None)
    with pytest.raises(ValidationError, match="accepted offer"):
        services.enroll_from_inquiry(
            inquiry=inquiry, classroom=world.a1.classroom, start_date=date(2026, 12, 1), actor=None
        )


def test_classroom_of_another_provider_is_refused(world):
    with pytest.raises(ValidationError):
        _inquiry(world, desired_classroom=world.b1.classroom)
    with pytest.raises(ValidationError):
        services.enroll_child(
            child=world.a1.child, classroom=world.b1.classroom, start_date=date(2026, 1, 5)
        )


def _enroll(child, room, start, **kw):
    return services.enroll_child(child=child, classroom=room, start_date=start, **kw)


def test_vacancy_forecast_counts_known_starts_withdrawals_and_age_outs(world):
    provider = world.a1.provider
    room = world.a1.other_classroom  # Preschool 36-71 months, capacity 10
    today = provider_today(provider)
    # In care now, full time.
    staying = Child.objects.create(
        provider=provider,
        family=world.a1.family,
        first_name="S",
        last_name="X",
        birth_date=today - timedelta(days=4 * 365),
    )
    _enroll(staying, room, today - timedelta(days=30))
    # Starts in three weeks, part time (MWF = 0.6).
    starting = Child.objects.create(
        provider=provider,
        family=world.a1.family,
        first_name="N",
        last_name="X",
        birth_date=today - timedelta(days=4 * 365),
    )
    _enroll(starting, room, today + timedelta(days=21), days="MWF")
    # Leaves after next week.
    leaving = Child.objects.create(
        provider=provider,
        family=world.a1.family,
        first_name="L",
        last_name="X",
        birth_date=today - timedelta(days=4 * 365),
    )
    withdrawn = _enroll(leaving, room, today - timedelta(days=100))
    services.withdraw_child(
        enrollment=withdrawn, last_day=today + timedelta(days=8), actor=None, reason="Moving away"
    )
    # Turns 72 months (outgrows Preschool) in about five weeks.
    birth = today + timedelta(days=35) - timedelta(days=1)
    birth = birth.replace(year=birth.year - 6)
    aging = Child.objects.create(
        provider=provider, family=world.a1.family, first_name="A", last_name="X", birth_date=birth
    )
    _enroll(aging, room, today - timedelta(days=300))

    report = queries.vacancy_report(provider)
    row = next(r for r in report.rooms if r.classroom == room)
    # The world already has one full-time child in Preschool (other_child, no enrollment row):
    # only enrollments count, so now: staying + leaving + aging (+ none for other_child).
    assert row.fte_by_week[0] == Decimal("3")
    assert row.vacancies_now == Decimal("7")
    week_of = {day: fte for day, fte in zip(report.weeks, row.fte_by_week, strict=True)}
    after_leaving = next(d for d in report.weeks if d > today + timedelta(days=8))
    assert week_of[after_leaving] <= Decimal("2.6")
    last = report.weeks[-1]
    assert week_of[last] == Decimal("1.6")  # staying 1.0 + starting 0.6; others gone
    assert len(report.weeks) == 13


def test_staffed_capacity_lowers_vacancies(world):
    room = world.a1.classroom
    room.staffed_capacity = 6
    room.save()
    report = queries.vacancy_report(world.a1.provider)
    row = next(r for r in report.rooms if r.classroom == room)
    assert (row.licensed_capacity, row.staffed_capacity) == (10, 6)
    assert row.vacancies_now == Decimal("6")


def test_age_out_forecast_lists_children_soonest_first_with_next_classroom(world):
    provider = world.a1.provider
    today = provider_today(provider)
    toddlers = world.a1.classroom  # 12-35 months

    def born_three_years_before(days_from_now):
        day = today + timedelta(days=days_from_now)
        return day.replace(year=day.year - 3)

    soon = Child.objects.create(
        provider=provider,
        family=world.a1.family,
        first_name="Soon",
        last_name="X",
        birth_date=born_three_years_before(20),
    )
    later = Child.objects.create(
        provider=provider,
        family=world.a1.family,
        first_name="Later",
        last_name="X",
        birth_date=born_three_years_before(75),
    )
    _enroll(soon, toddlers, today - timedelta(days=200))
    _enroll(later, toddlers, today - timedelta(days=200))
    within_30 = queries.age_out_forecast(provider, 30)
    assert [a.enrollment.child.first_name for a in within_30] == ["Soon"]
    within_90 = queries.age_out_forecast(provider, 90)
    assert [a.enrollment.child.first_name for a in within_90] == ["Soon", "Later"]
    assert within_90[0].next_classroom == world.a1.other_classroom
    assert not within_90[0].transfer_booked


@pytest.mark.parametrize(
    "priorities, expected",
    [
        (["sibling", "staff_child", "cca_family", "applied_on"], ["sib", "staff", "cca", "early"]),
        (["cca_family", "applied_on"], ["cca", "early", "sib", "staff"]),
        (["applied_on"], ["early", "sib", "staff", "cca"]),
    ],
)
def test_waitlist_follows_the_providers_priority_rules(world, priorities, expected):
    provider = world.a1.provider
    provider.waitlist_priorities = priorities
    provider.save()
    today = provider_today(provider)
    entries = {
        "early": dict(applied=today - timedelta(days=60)),
        "sib": dict(applied=today - timedelta(days=30), family=world.a1.family),
        "staff": dict(applied=today - timedelta(days=20), staff_child=True),
        "cca": dict(applied=today - timedelta(days=10), cca_family=True),
    }
    _enroll(world.a1.child, world.a1.classroom, today - timedelta(days=10))
    for name, spec in entries.items():
        inquiry = _inquiry(
            world,
            child_first_name=name,
            stage=Stage.WAITLIST,
            staff_child=spec.get("staff_child", False),
            cca_family=spec.get("cca_family", False),
        )
        if "family" in spec:  # a sibling of a child already enrolled
            Child.objects.filter(pk=inquiry.child_id).update(family=spec["family"])
            Inquiry.objects.filter(pk=inquiry.pk).update(family=spec["family"])
        Inquiry.objects.filter(pk=inquiry.pk).update(applied_on=spec["applied"])
    order = [i.child.first_name for i in queries.waitlist(provider, world.a1.classroom)]
    assert order == expected


def test_waitlist_by_classroom_uses_age_fit_when_no_classroom_was_asked(world):
    provider = world.a1.provider
    start = provider_today(provider) + timedelta(days=30)
    _inquiry(
        world,
        child_first_name="Baby",
        desired_classroom=None,
        stage=Stage.WAITLIST,
        birth_date=start.replace(year=start.year - 2),
        desired_start=start,
    )
    toddlers = [i.child.first_name for i in queries.waitlist(provider, world.a1.classroom)]
    preschool = [i.child.first_name for i in queries.waitlist(provider, world.a1.other_classroom)]
    assert toddlers == ["Baby"] and preschool == []


def test_transfer_ends_the_old_enrollment_the_day_before(world):
    today = provider_today(world.a1.provider)
    old = _enroll(world.a1.child, world.a1.classroom, today - timedelta(days=100), days="MWF")
    new = services.transfer_child(
        enrollment=old,
        to_classroom=world.a1.other_classroom,
        on=today + timedelta(days=7),
        actor=None,
    )
    old.refresh_from_db()
    assert old.end_date == today + timedelta(days=6)
    assert (new.classroom, new.days, new.fte) == (world.a1.other_classroom, "MWF", Decimal("0.60"))


def test_director_walks_the_pipeline_through_the_web(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = client.post(
        "/p/a1/enrollment/inquiries/new/",
        {
            "guardian_first_name": "Ana",
            "guardian_last_name": "Lopez",
            "phone": "515-555-0100",
            "child_first_name": "Mateo",
            "child_last_name": "Lopez",
            "birth_date": "2024-03-01",
            "desired_classroom": world.a1.classroom.pk,
            "desired_days": ["M", "W", "F"],
            "source": "phone",
            "stage": "inquiry",
        },
    )
    inquiry = Inquiry.objects.get(child__first_name="Mateo")
    assert response.url == f"/p/a1/enrollment/inquiries/{inquiry.pk}/"
    move = f"/p/a1/enrollment/inquiries/{inquiry.pk}/move/"
    for stage in ("tour", "waitlist", "offer"):
        client.post(move, {"to_stage": stage, "note": f"to {stage}"})
    response = client.post(
        f"/p/a1/enrollment/inquiries/{inquiry.pk}/enroll/",
        {
            "classroom": world.a1.classroom.pk,
            "start_date": "2026-12-07",
            "days": ["M", "W", "F"],
            "tuition_amount": "180.00",
            "tuition_frequency": "weekly",
        },
    )
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(child=inquiry.child)
    assert (enrollment.fte, enrollment.days, enrollment.tuition_amount) == (
        Decimal("0.60"),
        "MWF",
        Decimal("180.00"),
    )
    page = client.get(f"/p/a1/enrollment/inquiries/{inquiry.pk}/").content.decode()
    assert "Offer → Enrolled" in page and "director@a1.test" in page


def test_inquiry_form_needs_a_way_to_reach_the_family(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = client.post(
        "/p/a1/enrollment/inquiries/new/",
        {
            "guardian_first_name": "Ana",
            "guardian_last_name": "Lopez",
            "child_first_name": "M",
            "child_last_name": "L",
            "birth_date": "2024-03-01",
            "desired_days": ["M"],
            "source": "phone",
            "stage": "inquiry",
        },
    )
    assert "Give an e-mail address or a phone number" in response.content.decode()
    assert not Inquiry.objects.exists()


def test_confirming_vacancies_records_who_and_when(client, world):
    director = world.a1.users[Role.DIRECTOR]
    client.force_login(director)
    client.post("/p/a1/vacancies/")
    confirmation = VacancyConfirmation.objects.get()
    assert confirmation.confirmed_by == director
    assert world.a1.classroom.key in confirmation.figures["classrooms"]
    feed = client.get("/api/providers/a1/vacancies").json()
    assert feed["confirmed_at"] is not None
    assert {c["classroom"] for c in feed["classrooms"]} == {"Toddlers", "Preschool"}


@pytest.mark.parametrize(
    "role, url, status",
    [
        (Role.CONSULTANT, "/p/a1/vacancies/", 200),
        (Role.CONSULTANT, "/p/a1/enrollment/", 403),
        (Role.STAFF, "/p/a1/enrollment/", 403),
        (Role.GUARDIAN, "/p/a1/vacancies/", 403),
        (Role.DIRECTOR, "/p/a1/enrollment/waitlist/", 200),
        (Role.DIRECTOR, "/p/a1/enrollment/age-outs/?days=30", 200),
    ],
)
def test_enrollment_pages_by_role(client, world, role, url, status):
    client.force_login(world.a1.users[role])
    assert client.get(url).status_code == status


def test_consultant_cannot_confirm_vacancies(client, world):
    client.force_login(world.a1.users[Role.CONSULTANT])
    assert client.post("/p/a1/vacancies/").status_code == 403
    assert not VacancyConfirmation.objects.exists()
