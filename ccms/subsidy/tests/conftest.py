"""A small CCA world on provider a1 of the shared test world: two subsidized children of two
families, the period that ended last (the one due) with three days of attendance, and helpers
to add pairs."""

import importlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps

from ccms.attendance.models import Presence
from ccms.core.dates import provider_today
from ccms.families.models import Child, Family
from ccms.subsidy.models import Authorization
from ccms.subsidy.periods import Period, period_containing, preceding
from ccms.tenancy.models import Role


@dataclass
class Cca:
    tenant: object
    provider: object
    today: date
    period: Period  # the last period that has ended: due to submit
    current: Period
    child: Child  # Kida1 Alpha, a toddler (25.66 a unit), family fee level B
    other: Child  # Othera1 Beta, a preschooler (19.50 a unit), family fee level C
    authorization: Authorization
    other_authorization: Authorization
    days: list[date]

    @property
    def director(self):
        return self.tenant.users[Role.DIRECTOR]

    @property
    def slug(self) -> str:
        return self.provider.slug


def at(provider, day: date, clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=provider.tz)


def add_pair(child: Child, day: date, start: str, end: str | None) -> Presence:
    provider = child.provider
    return Presence.objects.create(
        provider=provider,
        child=child,
        classroom=child.classroom,
        service_date=day,
        check_in=at(provider, day, start),
        check_out=at(provider, day, end) if end else None,
        check_in_method="roster",
        check_out_method="roster" if end else "",
    )


def weekdays(period: Period, count: int) -> list[date]:
    return [d for d in period.days if d.weekday() < 5][:count]


@pytest.fixture(autouse=True)
def rate_tables(request):
    """The rate tables and the family fee chart the migrations load. A transactional test (a
    browser test) empties every table when it ends, so a test that uses the database after one
    loads them again."""
    names = request.fixturenames
    if not {"db", "transactional_db", "live_server"} & set(names):
        return
    request.getfixturevalue("transactional_db" if "live_server" in names else "db")
    migration = importlib.import_module("ccms.subsidy.migrations.0002_rates_and_fee_chart_2024_07")
    migration.load(django_apps, None)


@pytest.fixture
def cca(world) -> Cca:
    tenant = world.a1
    provider = tenant.provider
    provider.kindertrack_provider_id = "12345"
    provider.save(update_fields=["kindertrack_provider_id"])
    today = provider_today(provider)
    # Ages relative to today keep the age groups (and so the rates) fixed whenever this runs.
    Child.objects.filter(pk=tenant.child.pk).update(
        kindertrack_child_id="100001", birth_date=today - timedelta(days=2 * 365)
    )
    Child.objects.filter(pk=tenant.other_child.pk).update(
        kindertrack_child_id="100002", birth_date=today - timedelta(days=4 * 365 + 30)
    )
    Family.objects.filter(pk=tenant.family.pk).update(cca_fee_level="B")
    Family.objects.filter(pk=tenant.other_child.family_id).update(cca_fee_level="C")
    child = Child.objects.select_related("family", "provider").get(pk=tenant.child.pk)
    other = Child.objects.select_related("family", "provider").get(pk=tenant.other_child.pk)
    current = period_containing(provider, today)
    period = preceding(provider, current)
    start, end = period.start - timedelta(days=90), today + timedelta(days=200)
    authorization, other_authorization = (
        Authorization.objects.create(
            provider=provider,
            child=c,
            start_date=start,
            end_date=end,
            units_per_period=20,
            private_rate=Decimal("30.00"),
        )
        for c in (child, other)
    )
    days = weekdays(period, 3)
    for day in days:
        add_pair(child, day, "07:30", "12:10")  # 280 minutes: 1 unit
        add_pair(other, day, "07:00", "17:00")  # 600 minutes: 2 units
    return Cca(
        tenant,
        provider,
        today,
        period,
        current,
        child,
        other,
        authorization,
        other_authorization,
        days,
    )
