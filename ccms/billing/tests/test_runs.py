"""Billing runs: prices, proration, discounts, splits, fees and idempotent posting."""

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ccms.attendance.models import Presence
from ccms.billing import runs
from ccms.billing.accounts import billing_settings, family_account
from ccms.billing.models import (
    AccountKind,
    BillingSplit,
    ChildBilling,
    Fee,
    LedgerEntry,
    PayerAccount,
    RunStatus,
    TuitionPlan,
)
from ccms.enrollment.models import Enrollment
from ccms.families.models import Child, Guardian

DEC = date(2026, 12, 1)  # December 2026 has 23 weekdays


@pytest.fixture
def a1(world):
    t = world.a1
    Enrollment.objects.create(
        provider=t.provider,
        child=t.child,
        classroom=t.classroom,
        start_date=date(2026, 1, 5),
        tuition_amount=Decimal("1000.00"),
        tuition_frequency="monthly",
    )
    return t


def director(t):
    return t.users["director"]


def tuition_lines(plan):
    return [line for line in plan.lines if line.category == "tuition"]


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (date(2026, 1, 5), None, "1000.00"),  # the whole month
        (date(2026, 12, 14), None, "608.70"),  # 14 of 23 weekdays
        (date(2026, 1, 5), date(2026, 12, 4), "173.91"),  # withdrawn after 4 weekdays
        (date(2026, 12, 7), date(2026, 12, 11), "217.39"),  # one week
    ],
)
def test_tuition_is_prorated_by_weekdays_inside_the_period(world, start, end, expected):
    t = world.a1
    Enrollment.objects.create(
        provider=t.provider,
        child=t.child,
        classroom=t.classroom,
        start_date=start,
        end_date=end,
        tuition_amount=Decimal("1000.00"),
        tuition_frequency="monthly",
    )
    [line] = tuition_lines(runs.plan_run(t.provider, DEC))
    assert line.amount == Decimal(expected)


def test_a_plan_prices_an_enrollment_without_its_own_amount_and_weekly_converts(world):
    t = world.a1
    Enrollment.objects.create(
        provider=t.provider,
        child=t.child,
        classroom=t.classroom,
        start_date=date(2026, 1, 5),
        days="MTW",
    )
    TuitionPlan.objects.create(provider=t.provider, name="Any", frequency="monthly", amount=900)
    TuitionPlan.objects.create(
        provider=t.provider,
        name="Toddlers 3 days",
        classroom=t.classroom,
        days_per_week=3,
        frequency="weekly",
        amount=Decimal("150.00"),
    )
    [line] = tuition_lines(runs.plan_run(t.provider, DEC))
    assert line.amount == Decimal("650.00")  # 150 x 52 / 12


def test_a_child_without_a_price_is_listed_not_billed(world):
    t = world.a1
    Enrollment.objects.create(
        provider=t.provider, child=t.child, classroom=t.classroom, start_date=date(2026, 1, 5)
    )
    plan = runs.plan_run(t.provider, DEC)
    assert plan.lines == [] and [e.child for e in plan.unpriced] == [t.child]


def test_siblings_get_the_discount_on_all_but_the_dearest_child(a1):
    t = a1
    settings = billing_settings(t.provider)
    settings.sibling_discount_percent = Decimal("10")
    settings.save()
    sibling = Child.objects.create(
        provider=t.provider,
        family=t.family,
        first_name="Sib",
        last_name="Alpha",
        birth_date=date(2022, 6, 1),
    )
    Enrollment.objects.create(
        provider=t.provider,
        child=sibling,
        classroom=t.other_classroom,
        start_date=date(2026, 1, 5),
        tuition_amount=Decimal("800.00"),
        tuition_frequency="monthly",
    )
    lines = {line.child.pk: line for line in tuition_lines(runs.plan_run(t.provider, DEC))}
    assert lines[t.child.pk].amount == Decimal("1000.00")
    assert lines[sibling.pk].amount == Decimal("720.00")
    assert "10% sibling discount" in lines[sibling.pk].description


def test_staff_discount(a1):
    settings = billing_settings(a1.provider)
    settings.staff_discount_percent = Decimal("25")
    settings.save()
    ChildBilling.objects.create(provider=a1.provider, child=a1.child, staff_discount=True)
    [line] = tuition_lines(runs.plan_run(a1.provider, DEC))
    assert line.amount == Decimal("750.00")


def test_split_between_two_households_and_an_employer_sums_to_the_charge(a1):
    t = a1
    mom = Guardian.objects.get(family=t.family)
    dad = Guardian.objects.create(
        provider=t.provider, family=t.family, first_name="Sam", last_name="Alpha"
    )
    accounts = [
        PayerAccount.objects.create(
            provider=t.provider, kind=AccountKind.GUARDIAN, family=t.family, guardian=g, name=n
        )
        for g, n in ((mom, "Pat"), (dad, "Sam"))
    ]
    employer = PayerAccount.objects.create(provider=t.provider, kind="employer", name="Acme")
    BillingSplit.objects.create(
        provider=t.provider, child=t.child, account=employer, fixed_amount=Decimal("100.00")
    )
    for account, percent in zip(accounts, ("66.67", "33.33"), strict=True):
        BillingSplit.objects.create(
            provider=t.provider, child=t.child, account=account, percent=Decimal(percent)
        )
    shares = {
        line.account.name: line.amount for line in tuition_lines(runs.plan_run(t.provider, DEC))
    }
    assert shares == {"Acme": Decimal("100.00"), "Pat": Decimal("600.03"), "Sam": Decimal("299.97")}
    assert sum(shares.values()) == Decimal("1000.00")


def test_posting_twice_posts_nothing_new_and_a_new_child_is_added(a1):
    t = a1
    Fee.objects.create(
        provider=t.provider,
        kind="registration",
        name="Registration",
        amount=Decimal("50.00"),
        timing="enrollment",
    )
    run, plan = runs.prepare_run(t.provider, DEC, director(t))
    assert run.status == RunStatus.PREVIEW and len(plan.new_lines) == 2
    assert LedgerEntry.objects.count() == 0  # a preview posts nothing
    run = runs.start_posting(run)
    assert run.status == RunStatus.POSTED and run.lines_posted == 2
    assert run.amount_posted == Decimal("1050.00")
    runs.start_posting(run)
    assert LedgerEntry.objects.count() == 2
    Enrollment.objects.create(
        provider=t.provider,
        child=t.other_child,
        classroom=t.other_classroom,
        start_date=date(2026, 12, 1),
        tuition_amount=Decimal("200"),
        tuition_frequency="weekly",
    )
    run, plan = runs.prepare_run(t.provider, DEC, director(t))
    assert [line.child for line in plan.new_lines] == [t.other_child, t.other_child]
    runs.start_posting(run)
    assert LedgerEntry.objects.count() == 4
    # The registration fee is charged once per child, not again next month.
    jan = runs.plan_run(t.provider, date(2027, 1, 1))
    assert {line.category for line in jan.new_lines} == {"tuition"}
    assert family_account(t.family).entries.count() == 2


def test_late_pickups_are_charged_per_minute_after_the_authorized_time(a1):
    t = a1
    Enrollment.objects.filter(child=t.child).update(daily_end=time(17, 30))
    settings = billing_settings(t.provider)
    settings.late_pickup_fee_per_minute = Decimal("1.50")
    settings.late_pickup_grace_minutes = 5
    settings.save()
    for day, out in (
        (24, datetime(2026, 11, 24, 23, 42, tzinfo=UTC)),  # 17:42 Chicago: 12 min
        (25, datetime(2026, 11, 25, 23, 34, tzinfo=UTC)),
    ):  # 4 min: within grace
        Presence.objects.create(
            provider=t.provider,
            child=t.child,
            classroom=t.classroom,
            service_date=date(2026, 11, day),
            check_in=datetime(2026, 11, day, 14, tzinfo=UTC),
            check_out=out,
            check_in_method="roster",
        )
    [line] = [x for x in runs.plan_run(t.provider, DEC).lines if x.category == "late_pickup"]
    assert line.amount == Decimal("18.00") and "12 min after 17:30" in line.description


def test_a_period_must_start_on_its_first_day(a1):
    with pytest.raises(ValidationError, match="try 2026-12-01"):
        runs.plan_run(a1.provider, date(2026, 12, 3))


def test_the_command_line_previews_posts_and_explains_bad_periods(a1, capsys):
    import json

    from django.core.management import CommandError, call_command

    call_command(
        "billing", "run", "--provider", "a1", "--period", "2026-12-01", "--preview", "--json"
    )
    preview = json.loads(capsys.readouterr().out)
    assert preview["new_lines"] == 1 and preview["new_total"] == "1000.00"
    assert LedgerEntry.objects.count() == 0
    call_command("billing", "run", "--provider", "a1", "--period", "2026-12-01", "--json")
    posted = json.loads(capsys.readouterr().out)
    assert posted["posted"] == 1 and posted["posted_total"] == "1000.00"
    with pytest.raises(CommandError, match="starts on the first of a month: try 2026-12-01"):
        call_command("billing", "run", "--provider", "a1", "--period", "2026-12-02")


def test_days_under_a_cca_authorization_are_left_to_the_cca_submission(a1):
    from ccms.subsidy.models import Authorization

    Authorization.objects.create(
        provider=a1.provider,
        child=a1.child,
        start_date=date(2026, 12, 14),
        end_date=date(2027, 6, 30),
        units_per_period=20,
        private_rate=Decimal("40.00"),
    )
    [line] = tuition_lines(runs.plan_run(a1.provider, DEC))
    assert line.amount == Decimal("391.30")  # 9 of 23 weekdays before the authorization
    assert tuition_lines(runs.plan_run(a1.provider, date(2027, 1, 1))) == []
