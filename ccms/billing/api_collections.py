"""Collections through the API: the A/R aging report, the same figures as the aging page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from ccms.billing import collections
from ccms.billing.allocation import AGING_BUCKETS
from ccms.billing.models import PayerType
from ccms.core.access import access_provider
from ccms.core.dates import provider_today

router = Router()


class BucketsOut(Schema):
    days_0_30: Decimal = Field(..., alias="0-30")
    days_31_60: Decimal = Field(..., alias="31-60")
    days_61_90: Decimal = Field(..., alias="61-90")
    days_90_plus: Decimal = Field(..., alias="90+")
    total: Decimal


class GroupOut(BucketsOut):
    payer_type: str = Field(..., description="family, cca, other, or total")
    accounts: int


class AgingAccountOut(BucketsOut):
    id: int
    name: str
    payer_type: str
    oldest_open_charge: date | None
    last_payment: date | None
    autopay: bool
    payment_plan: str | None = Field(None, description="e.g. On track, Behind by $120.00")


class AgingOut(Schema):
    as_of: date
    by_payer_type: list[GroupOut]
    accounts: list[AgingAccountOut]


def _buckets(buckets: dict, total: Decimal) -> dict:
    return {**{b: buckets[b] for b in AGING_BUCKETS}, "total": total}


@router.get("/providers/{provider}/billing/aging", response=AgingOut, by_alias=True)
def aging(
    request: HttpRequest,
    provider: str,
    as_of: date | None = None,
    payer_type: str = "",
    sort: str = "total",
):
    """Open charges after FIFO allocation by days since the charge date (0-30, 31-60, 61-90,
    90+), per payer type, in total and per account. `sort`: total, oldest or name."""
    access = access_provider(request.auth, provider, "billing.view")
    day = as_of or provider_today(access.provider)
    chosen = payer_type if payer_type in PayerType.values else ""
    report = collections.aging_report(access.provider, day, sort=sort, payer_type=chosen)
    return {
        "as_of": day,
        "by_payer_type": [
            {"payer_type": g.key, "accounts": g.accounts, **_buckets(g.buckets, g.total)}
            for g in report.groups
        ],
        "accounts": [
            {
                "id": line.account.pk,
                "name": line.account.name,
                "payer_type": line.payer_type,
                "oldest_open_charge": line.oldest_open,
                "last_payment": line.last_payment,
                "autopay": line.autopay,
                "payment_plan": line.plan.label if line.plan else None,
                **_buckets(line.buckets, line.total),
            }
            for line in report.lines
        ],
    }
