"""An alliance in October 2026 (31 days) with members whose months differ: a1 all month (FTE 2,
billed $1,000, collected $800), a2 rejoined on October 17 after leaving in June (15 days; FTE 1,
billed $500, all collected), a3 all month (FTE 1, billed $300, nothing collected). Beta's b1 is
no member of alpha."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from ccms.alliance import services
from ccms.billing import ledger
from ccms.billing.accounts import family_account
from ccms.conftest import _tenant
from ccms.enrollment.models import Enrollment
from ccms.tenancy.models import Role

OCTOBER = date(2026, 10, 1)
AS_OF = date(2026, 11, 29)


@dataclass
class Members:
    world: object
    admin: object
    a1: object
    a2: object
    a3: object
    a3_tenant: object


def _enroll(tenant, child, fte="1.00"):
    Enrollment.objects.create(
        provider=tenant.provider,
        child=child,
        classroom=child.classroom,
        start_date=date(2026, 1, 5),
        fte=Decimal(fte),
    )


def _revenue(tenant, billed: str, collected: str):
    account = family_account(tenant.family)
    slug = tenant.provider.slug
    ledger.post_entry(
        account, kind="charge", amount=billed, on=date(2026, 10, 1), key=f"c-{slug}", actor=None
    )
    if Decimal(collected):
        ledger.post_entry(
            account,
            kind="payment",
            amount=collected,
            on=date(2026, 10, 20),
            key=f"p-{slug}",
            actor=None,
        )


@pytest.fixture
def members(world) -> Members:
    alliance = world.alliance_a
    admin = world.alliance_users[("alpha", Role.ALLIANCE_ADMIN)]
    a3 = _tenant(alliance, "a3", "center")
    a1 = services.join(
        alliance=alliance, provider=world.a1.provider, joined_on=date(2026, 1, 1), actor=admin
    )
    earlier = services.join(
        alliance=alliance, provider=world.a2.provider, joined_on=date(2026, 1, 1), actor=admin
    )
    services.leave(member=earlier, left_on=date(2026, 6, 30), reason="Paused", actor=admin)
    a2 = services.join(
        alliance=alliance, provider=world.a2.provider, joined_on=date(2026, 10, 17), actor=admin
    )
    m3 = services.join(
        alliance=alliance, provider=a3.provider, joined_on=date(2026, 1, 1), actor=admin
    )
    _enroll(world.a1, world.a1.child)
    _enroll(world.a1, world.a1.other_child)
    _enroll(world.a2, world.a2.child)
    _enroll(a3, a3.child)
    _revenue(world.a1, "1000.00", "800.00")
    _revenue(world.a2, "500.00", "500.00")
    _revenue(a3, "300.00", "0")
    return Members(world, admin, a1, a2, m3, a3)
