"""What the alliance's members pay the hub and what they get for it: hub cost recovery month by
month (at cost is the goal: member fees plus grants equal the pooled cost), each member's
statement of fees, and what each member saves against buying the same services alone."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.db.models import Sum

from ccms.alliance.allocation import month_bounds, overlap_days
from ccms.alliance.models import (
    AllianceMember,
    AllocationLine,
    AllocationRun,
    GrantOffset,
    PoolCost,
    ServiceUse,
)
from ccms.billing.ledger import sum_of
from ccms.billing.models import EntryKind, LedgerEntry
from ccms.core.money import to_cents
from ccms.insights.metrics import shift_month
from ccms.tenancy.models import Alliance, ProviderKind

ZERO = Decimal("0.00")


@dataclass
class MonthRecovery:
    month: date
    cost: Decimal = ZERO
    grants: Decimal = ZERO
    allocated: Decimal = ZERO
    collected: Decimal = ZERO
    allocated_on: date | None = None

    @property
    def recovered(self) -> Decimal:
        """Member fees plus grants, once the month is allocated."""
        return self.allocated + self.grants if self.allocated_on else ZERO

    @property
    def recovery_rate(self) -> Decimal | None:
        """Share of the month's pooled cost recovered from fees and grants (1 = at cost)."""
        if not self.cost or not self.allocated_on:
            return None
        return (self.recovered / self.cost).quantize(Decimal("0.001"))

    @property
    def unallocated(self) -> Decimal:
        """Costs entered for the month that no run has shared yet (all of them before the run)."""
        return self.cost - self.recovered


def months_back(today: date, count: int) -> list[date]:
    first = today.replace(day=1)
    return [shift_month(first, -k) for k in range(count - 1, -1, -1)]


def _by_month(queryset) -> dict[date, Decimal]:
    rows = queryset.values("month").annotate(total=Sum("amount")).order_by()
    return {row["month"]: sum_of(row["total"]) for row in rows}


def recovery(alliance: Alliance, months: list[date]) -> list[MonthRecovery]:
    """Pooled cost, grants, member fees allocated and fees collected, month by month."""
    first, last = months[0], month_bounds(months[-1])[1]
    costs = _by_month(PoolCost.objects.filter(pool__alliance=alliance, month__range=(first, last)))
    grants = _by_month(
        GrantOffset.objects.filter(pool__alliance=alliance, month__range=(first, last))
    )
    runs = {
        r.month: r
        for r in AllocationRun.objects.filter(alliance=alliance, month__range=(first, last))
    }
    collected: dict[date, Decimal] = defaultdict(lambda: ZERO)
    payments = LedgerEntry.objects.filter(
        provider__alliance=alliance,
        provider__kind=ProviderKind.HUB,
        on__range=(first, last),
        kind__in=[EntryKind.PAYMENT, EntryKind.REVERSAL],
    ).values_list("on", "kind", "effect", "reverses__kind")
    for on, kind, effect, reversed_kind in payments:
        if kind == EntryKind.PAYMENT or reversed_kind == EntryKind.PAYMENT:
            collected[on.replace(day=1)] += -effect
    rows = []
    for month in months:
        run = runs.get(month)
        rows.append(
            MonthRecovery(
                month=month,
                cost=costs.get(month, ZERO),
                grants=grants.get(month, ZERO),
                allocated=run.allocated if run else ZERO,
                collected=collected[month],
                allocated_on=run.created_at.date() if run else None,
            )
        )
    return rows


@dataclass
class MemberSavings:
    member: AllianceMember
    alone: Decimal = ZERO  # what the services it used would have cost it alone
    fees: Decimal = ZERO  # its share of the hub's costs over the same months
    services: list[str] = field(default_factory=list)

    @property
    def saved(self) -> Decimal:
        return self.alone - self.fees

    @property
    def saved_rate(self) -> Decimal | None:
        if not self.alone:
            return None
        return (self.saved / self.alone).quantize(Decimal("0.001"))


def savings(alliance: Alliance, months: list[date]) -> list[MemberSavings]:
    """For each member over the allocated months: the standalone cost of the services it used
    (prorated by the days it used each) against the fees it was allocated."""
    runs = list(AllocationRun.objects.filter(alliance=alliance, month__in=months))
    allocated_months = [r.month for r in runs]
    fees = dict(
        AllocationLine.objects.filter(run__in=runs)
        .values("member_id")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("member_id", "total")
    )
    members = {
        m.pk: m for m in AllianceMember.objects.filter(alliance=alliance).select_related("provider")
    }
    result = {pk: MemberSavings(m, fees=sum_of(fees.get(pk))) for pk, m in members.items()}
    uses = ServiceUse.objects.filter(member__alliance=alliance).select_related("service")
    alone: dict[int, Fraction] = defaultdict(Fraction)
    for use in uses:
        used = False
        for month in allocated_months:
            first, last = month_bounds(month)
            days = overlap_days(first, last, use.started_on, use.ended_on)
            if days:
                used = True
                month_days = (last - first).days + 1
                alone[use.member_id] += Fraction(use.service.standalone_monthly_cost) * Fraction(
                    days, month_days
                )
        if used and use.service.name not in result[use.member_id].services:
            result[use.member_id].services.append(use.service.name)
    for pk, value in alone.items():
        result[pk].alone = to_cents(value)
    rows = [r for r in result.values() if r.alone or r.fees]
    return sorted(rows, key=lambda r: r.member.provider.name)


@dataclass
class FeeStatement:
    """A member's fees for one allocated month, pool by pool, with the basis of each."""

    member: AllianceMember
    run: AllocationRun
    lines: list[AllocationLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def runs_of(member: AllianceMember) -> list[AllocationRun]:
    """The allocated months that billed this member, newest first."""
    return list(AllocationRun.objects.filter(lines__member=member).distinct())


def fee_statement(member: AllianceMember, run: AllocationRun) -> FeeStatement:
    lines = list(
        AllocationLine.objects.filter(run=run, member=member)
        .select_related("pool")
        .order_by("pool__name")
    )
    return FeeStatement(member, run, lines)
