"""Monthly snapshots: a closed month is frozen; a correction adds a restatement with the
difference; alerts when a side turns red; alliance totals from frozen months are exact."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from ccms.billing.accounts import family_account
from ccms.billing.ledger import post_entry
from ccms.enrollment.models import Enrollment
from ccms.insights import metrics, queries, snapshots
from ccms.insights.models import Alert, Expense, MetricSnapshot

SEPTEMBER, OCTOBER, NOVEMBER = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture
def a1(world):
    t = world.a1
    Enrollment.objects.create(
        provider=t.provider, child=t.child, classroom=t.classroom, start_date=date(2026, 1, 5)
    )
    account = family_account(t.family)
    for month in (SEPTEMBER, OCTOBER):
        post_entry(
            account,
            kind="charge",
            amount=Decimal("1000.00"),
            on=month,
            key=f"c{month}",
            actor=None,
            child=t.child,
        )
        Expense.objects.create(
            provider=t.provider, month=month, category="site", amount=Decimal("900.00")
        )
    post_entry(
        account, kind="payment", amount=Decimal("1000.00"), on=SEPTEMBER, key="p9", actor=None
    )
    return t


def test_a_closed_month_is_frozen_once_and_an_open_month_never(a1):
    taken = snapshots.take_snapshots([a1.provider], OCTOBER)
    assert taken.created == 1
    snap = MetricSnapshot.objects.get(provider=a1.provider, month=OCTOBER)
    assert snap.as_of == date(2026, 10, 31) and snap.version == 1
    assert snap.figures == metrics.provider_metrics(a1.provider, 2026, 10, date(2026, 10, 31))
    again = snapshots.take_snapshots([a1.provider], OCTOBER)
    assert (again.created, again.restated, again.unchanged) == (0, 0, 1)
    # November is the month under way (the test world's today is in it or later): not frozen
    # unless it has ended.
    if not snapshots.is_closed(a1.provider, NOVEMBER):
        assert snapshots.take_snapshots([a1.provider], NOVEMBER).created == 0


def test_a_correction_shows_as_a_restatement_with_the_difference(a1):
    snapshots.take_snapshots([a1.provider], OCTOBER)
    Expense.objects.create(
        provider=a1.provider, month=OCTOBER, category="admin", amount=Decimal("100.00")
    )
    month = queries.provider_month(a1.provider, OCTOBER)
    assert month.data["expenses"] == "900.00"  # history does not move by itself
    changed = queries.live_differences(month)
    assert changed["expenses"] == ["900.00", "1000.00"]
    taken = snapshots.take_snapshots([a1.provider], OCTOBER)
    assert taken.restated == 1
    latest = queries.provider_month(a1.provider, OCTOBER)
    assert latest.data["expenses"] == "1000.00"
    assert latest.original.figures["expenses"] == "900.00"
    assert latest.snapshot.differences["expenses"] == ["900.00", "1000.00"]
    assert snapshots.difference(latest.snapshot.differences["expenses"]) == Decimal("100.00")
    assert MetricSnapshot.objects.filter(provider=a1.provider, month=OCTOBER).count() == 2


def test_asking_for_history_freezes_missing_months_without_restating(a1):
    snapshots.take_snapshots([a1.provider], SEPTEMBER)
    Expense.objects.create(
        provider=a1.provider, month=SEPTEMBER, category="admin", amount=Decimal("5.00")
    )
    trend = queries.history(a1.provider, OCTOBER, 3)
    assert [m.first for m in trend] == [date(2026, 8, 1), SEPTEMBER, OCTOBER]
    assert all(m.closed for m in trend)
    assert trend[1].data["expenses"] == "900.00"  # frozen before the correction
    assert MetricSnapshot.objects.filter(provider=a1.provider).count() == 3


def test_an_alert_when_a_side_turns_red_and_consultants_hear_of_it(
    a1, django_capture_on_commit_callbacks
):
    snapshots.take_snapshots([a1.provider], SEPTEMBER)  # paid in full: collection green
    with django_capture_on_commit_callbacks(execute=True):
        taken = snapshots.take_snapshots([a1.provider], OCTOBER)  # unpaid: collection red
    alert = Alert.objects.get(provider=a1.provider, side="fee_collection")
    assert alert.month == OCTOBER and alert.previous_status == "green"
    assert alert.value == "0.00%"
    assert taken.alerts >= 1
    assert [m.to for m in mail.outbox] == [[a1.users["consultant"].email]]
    assert "Full fee collection: 0.00% in October 2026" in mail.outbox[0].body


def test_no_alert_for_a_side_that_was_already_red_or_without_a_month_before(a1):
    taken = snapshots.take_snapshots([a1.provider], OCTOBER)  # nothing frozen before
    assert taken.alerts == 0 and not Alert.objects.exists()
    november = date(2026, 11, 1)
    if snapshots.is_closed(a1.provider, november):
        snapshots.take_snapshots([a1.provider], november)
        assert not Alert.objects.filter(side="enrollment").exists()


def test_alliance_totals_from_frozen_months_equal_the_live_figures(a1, world):
    a2 = world.a2
    Enrollment.objects.create(
        provider=a2.provider,
        child=a2.child,
        classroom=a2.classroom,
        start_date=date(2026, 10, 15),
        fte=Decimal("0.60"),
    )
    result = queries.alliance_month(world.alliance_a, OCTOBER)
    frozen = result.total_data
    live = metrics.alliance_metrics(world.alliance_a, 2026, 10, date(2026, 10, 31))["total"]
    assert frozen == live
    assert frozen["fte_enrolled"] == "1.33"  # 1 + 0.6 x 12/22


def test_exact_figures_round_trip(a1):
    figures = metrics.provider_figures(a1.provider, 2026, 10, date(2026, 11, 29))
    again = metrics.from_exact(metrics.to_exact(figures), figures.targets)
    assert metrics.as_json(again) == metrics.as_json(figures)


def test_the_snapshot_command(a1):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("metrics", "snapshot", "--month", "2026-10", "--provider", "a1", stdout=out)
    assert "2026-10: 1 snapshot(s) taken, 0 restated, 0 unchanged" in out.getvalue()
    call_command("metrics", "snapshot", "--month", "2026-10", "--alliance", "alpha", stdout=out)
    assert MetricSnapshot.objects.filter(month=OCTOBER).count() == 2
