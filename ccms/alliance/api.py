"""The shared services alliance in the API: member fees by month, as the allocation posted them
(alliance admins and hub staff), and a member provider's own fee statements (its director)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from ccms.alliance.members import membership_of
from ccms.alliance.models import AllocationLine, AllocationRun
from ccms.core.access import access_alliance, access_provider
from ccms.core.dates import provider_today
from ccms.insights import metrics

router = Router()


class ErrorOut(Schema):
    detail: str


class FeeLineOut(Schema):
    provider: str
    pool: str
    rule: str
    basis: Decimal
    share: Decimal
    amount: Decimal


class AllocationOut(Schema):
    month: str
    pooled_cost: Decimal
    grants: Decimal
    allocated: Decimal
    lines: list[FeeLineOut]


def _first(month: str) -> date:
    try:
        year, number = metrics.parse_month(month)
    except metrics.MonthError as error:
        raise HttpError(400, str(error)) from error
    return date(year, number, 1)


def _out(run: AllocationRun, lines) -> dict:
    return {
        "month": f"{run.month:%Y-%m}",
        "pooled_cost": run.pooled_cost,
        "grants": run.grants,
        "allocated": run.allocated,
        "lines": [
            {
                "provider": line.member.provider.slug,
                "pool": line.pool.name,
                "rule": line.rule,
                "basis": line.basis,
                "share": line.share,
                "amount": line.amount,
            }
            for line in lines.select_related("member__provider", "pool").order_by(
                "member__provider__slug", "pool__name"
            )
        ],
    }


@router.get(
    "/alliances/{alliance}/allocations/{month}",
    response={200: AllocationOut, 400: ErrorOut, 404: ErrorOut},
)
def alliance_allocation(request: HttpRequest, alliance: str, month: str):
    """Every member's fee by cost pool for an allocated month (YYYY-MM)."""
    access = access_alliance(request.auth, alliance, "shared.view")
    run = get_object_or_404(AllocationRun, alliance=access.alliance, month=_first(month))
    return _out(run, run.lines.all())


@router.get(
    "/providers/{provider}/alliance-fees/{month}",
    response={200: AllocationOut, 400: ErrorOut, 404: ErrorOut},
)
def provider_alliance_fees(request: HttpRequest, provider: str, month: str):
    """The provider's own fees to its alliance's hub for an allocated month (YYYY-MM)."""
    access = access_provider(request.auth, provider, "membership.view")
    member = membership_of(access.provider, provider_today(access.provider))
    run = get_object_or_404(AllocationRun, alliance=access.provider.alliance, month=_first(month))
    lines = AllocationLine.objects.filter(run=run, member=member)
    if member is None or not lines.exists():
        raise HttpError(404, "No fees for this month.")
    return _out(run, lines)
