"""The substitute pool on the shared world: a1, a2 and b1 are members of their alliances, and
alliance alpha has two substitutes holding the baseline credentials."""

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ccms.alliance.models import AllianceMember
from ccms.substitutes import services
from ccms.substitutes.models import BASELINE_KINDS, CoverRequest, Substitute


@dataclass
class Pool:
    world: object
    jordan: Substitute
    maya: Substitute
    today: date

    @property
    def tomorrow(self) -> date:
        return self.today + timedelta(days=1)


def add_member(provider, joined_on=date(2025, 1, 1)):
    return AllianceMember.objects.create(
        alliance=provider.alliance, provider=provider, joined_on=joined_on
    )


def add_sub(alliance, email, name, rate="24.00", kinds=BASELINE_KINDS, expires_on=None):
    sub = services.add_substitute(
        alliance=alliance, name=name, email=email, hourly_rate=Decimal(rate), actor=None
    )
    for kind in kinds:
        services.save_credential(
            substitute=sub,
            kind=kind,
            issued_on=date(2024, 1, 1),
            expires_on=expires_on,
            actor=None,
        )
    return sub


@pytest.fixture
def pool(world) -> Pool:
    for tenant in (world.a1, world.a2, world.b1):
        add_member(tenant.provider)
    jordan = add_sub(world.alliance_a, "jordan@sub.test", "Jordan Ellis", "24.00")
    maya = add_sub(world.alliance_a, "maya@sub.test", "Maya Torres", "26.50")
    return Pool(world, jordan, maya, timezone.localdate())


def request(pool, *, tenant=None, on=None, start=(9, 0), end=(15, 0), kinds=None, actor=None):
    tenant = tenant or pool.world.a1
    return services.request_cover(
        provider=tenant.provider,
        classroom=tenant.classroom,
        on=on or pool.tomorrow,
        start=time(*start),
        end=time(*end),
        required_kinds=[k.value for k in BASELINE_KINDS] if kinds is None else kinds,
        notes="Ask for Dana.",
        actor=actor or tenant.users["director"],
    )


def worked_shift(pool, *, substitute=None, days_ago=1, start=(8, 0), end=(15, 30)):
    """A filled request on a past day, as if accepted then (no request is made for the past)."""
    tenant = pool.world.a1
    substitute = substitute or pool.jordan
    cover = CoverRequest.objects.create(
        provider=tenant.provider,
        classroom=tenant.classroom,
        date=pool.today - timedelta(days=days_ago),
        start=time(*start),
        end=time(*end),
        required_kinds=[],
        requested_by=tenant.users["director"],
        requested_at=timezone.now(),
        status="filled",
        accepted_by=substitute,
        accepted_at=timezone.now(),
        hourly_rate=substitute.hourly_rate,
    )
    return cover
