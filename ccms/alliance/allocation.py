"""The monthly allocation of the hub's costs to the members.

For each cost pool, the month's costs less its grants are shared among the members active in
the month by the pool's rule, weighted by the part of the month each was a member (and, for the
per-service rule, used the service). Shares are exact to the cent: the member fees of a pool add up
to its net cost (`money.apportion`). A run posts one charge per member and pool to the member's
account at the hub; a month is allocated once."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from ccms.alliance import hub
from ccms.alliance.members import members_between
from ccms.alliance.models import (
    AllianceMember,
    AllocationLine,
    AllocationRule,
    AllocationRun,
    CostPool,
    GrantOffset,
    PoolCost,
    ServiceUse,
)
from ccms.billing.ledger import sum_of
from ccms.billing.models import Category
from ccms.core.money import apportion
from ccms.insights import metrics
from ccms.tenancy.models import Alliance

ZERO = Decimal("0.00")


def month_bounds(first: date) -> tuple[date, date]:
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def overlap_days(first: date, last: date, start: date, end: date | None) -> int:
    """Days from `first` to `last` that fall between `start` and `end` (open-ended if None)."""
    lo = max(first, start)
    hi = min(last, end) if end else last
    return max((hi - lo).days + 1, 0)


@dataclass
class Basis:
    """What a member's share of a pool is measured by, before and after proration."""

    figure: Fraction  # FTE, revenue, or 1 (flat and per-service)
    days: int  # days of the month the member counts (a member, or a user of the service)
    month_days: int

    @property
    def weight(self) -> Fraction:
        return self.figure * Fraction(self.days, self.month_days)


@dataclass
class PoolPlan:
    pool: CostPool
    cost: Decimal
    grants: Decimal
    bases: dict[int, Basis]  # member id -> basis
    shares: dict[int, Decimal] = field(default_factory=dict)  # member id -> amount

    @property
    def net(self) -> Decimal:
        return self.cost - self.grants

    @property
    def weight_total(self) -> Fraction:
        return sum((b.weight for b in self.bases.values()), Fraction(0))


@dataclass
class Plan:
    alliance: Alliance
    month: date
    members: list[AllianceMember]
    pools: list[PoolPlan]

    @property
    def cost(self) -> Decimal:
        return sum((p.cost for p in self.pools), ZERO)

    @property
    def grants(self) -> Decimal:
        return sum((p.grants for p in self.pools), ZERO)

    @property
    def allocated(self) -> Decimal:
        return sum((sum(p.shares.values(), ZERO) for p in self.pools), ZERO)

    def member_total(self, member_id: int) -> Decimal:
        return sum((p.shares.get(member_id, ZERO) for p in self.pools), ZERO)


def _money_by_pool(model, pools, first: date) -> dict[int, Decimal]:
    rows = (
        model.objects.filter(pool__in=pools, month=first)
        .values("pool_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["pool_id"]: sum_of(row["total"]) for row in rows}


def _revenue_figures(members: list[AllianceMember], first: date, as_of: date) -> dict[int, object]:
    """Each member provider's month as the Iron Triangle metrics count it (FTE, billed,
    collected), in one batch."""
    providers = [m.provider for m in members]
    rows = metrics.load_months(providers, first.year, first.month, as_of)
    return {r.provider.pk: metrics.compute(r) for r in rows}


def _figure(rule: str, figures) -> Fraction:
    if rule == AllocationRule.PER_FTE:
        return Fraction(figures.fte_enrolled)
    if rule == AllocationRule.BILLED:
        return Fraction(figures.billed_total)
    if rule == AllocationRule.COLLECTED:
        return Fraction(figures.collected_total)
    return Fraction(1)


def plan(alliance: Alliance, first: date, *, as_of: date | None = None) -> Plan:
    """Compute the month's allocation without writing anything. Raises ValidationError naming
    every pool that cannot be shared (grants above costs, nothing to share by)."""
    first, last = month_bounds(first.replace(day=1))
    as_of = as_of or last
    month_days = (last - first).days + 1
    members = list(members_between(alliance, first, last).order_by("provider__name", "pk"))
    pools = list(
        CostPool.objects.filter(alliance=alliance, is_active=True)
        .select_related("service")
        .order_by("name")
    )
    costs = _money_by_pool(PoolCost, pools, first)
    grants = _money_by_pool(GrantOffset, pools, first)
    needs_figures = {p.rule for p in pools} & {
        AllocationRule.PER_FTE,
        AllocationRule.BILLED,
        AllocationRule.COLLECTED,
    }
    figures = _revenue_figures(members, first, as_of) if needs_figures and members else {}
    uses = defaultdict(list)
    for use in ServiceUse.objects.filter(member__in=members, started_on__lte=last):
        uses[(use.member_id, use.service_id)].append(use)

    errors = []
    result = []
    for pool in pools:
        cost, grant = costs.get(pool.pk, ZERO), grants.get(pool.pk, ZERO)
        bases = {}
        for m in members:
            days = overlap_days(first, last, m.joined_on, m.left_on)
            if pool.rule == AllocationRule.PER_SERVICE:
                days = sum(
                    overlap_days(first, last, max(u.started_on, m.joined_on), u.ended_on)
                    for u in uses[(m.pk, pool.service_id)]
                )
                days = min(days, overlap_days(first, last, m.joined_on, m.left_on))
            if days <= 0:
                continue
            figure = _figure(pool.rule, figures[m.provider_id]) if m.provider_id in figures else 1
            bases[m.pk] = Basis(Fraction(figure), days, month_days)
        item = PoolPlan(pool, cost, grant, bases)
        if item.net < 0:
            errors.append(
                f"{pool.name}: grants of {grant} are more than its costs of {cost} in "
                f"{first:%B %Y}. Lower the grant or enter the missing costs."
            )
        elif item.net > 0 and item.weight_total <= 0:
            errors.append(
                f"{pool.name}: no member has anything to share {item.net} by "
                f"({pool.get_rule_display().lower()}) in {first:%B %Y}. Check the members, the "
                "services they use, or choose another rule."
            )
        elif item.net > 0:
            item.shares = apportion(item.net, {k: b.weight for k, b in bases.items()})
        result.append(item)
    if errors:
        raise ValidationError(errors)
    return Plan(alliance, first, members, result)


def run(alliance: Alliance, first: date, *, actor, as_of: date | None = None):
    """Allocate the month and post each member's fees to the hub's ledger. A month already
    allocated is returned as it stands; nothing is posted twice. Returns (run, created)."""
    first = first.replace(day=1)
    existing = AllocationRun.objects.filter(alliance=alliance, month=first).first()
    if existing:
        return existing, False
    planned = plan(alliance, first, as_of=as_of)
    try:
        with transaction.atomic():
            return _post(planned, actor), True
    except IntegrityError:
        # Someone else allocated the month at the same moment: theirs stands.
        return AllocationRun.objects.get(alliance=alliance, month=first), False


def _post(planned: Plan, actor) -> AllocationRun:
    first = planned.month
    allocation = AllocationRun.objects.create(
        alliance=planned.alliance,
        month=first,
        pooled_cost=planned.cost,
        grants=planned.grants,
        allocated=planned.allocated,
        created_by=actor,
    )
    members = {m.pk: m for m in planned.members}
    _, last = month_bounds(first)
    lines = []
    for item in planned.pools:
        total = item.weight_total
        for member_id, amount in item.shares.items():
            basis = item.bases[member_id]
            entry = None
            if amount > 0:
                entry = hub.charge_member(
                    members[member_id],
                    amount=amount,
                    on=last,
                    key=f"alloc:{first:%Y-%m}:{member_id}:{item.pool.pk}",
                    category=Category.SHARED_SERVICES,
                    description=f"{item.pool.name}, {first:%B %Y}",
                    actor=actor,
                )
            lines.append(
                AllocationLine(
                    run=allocation,
                    member_id=member_id,
                    pool=item.pool,
                    rule=item.pool.rule,
                    basis=_decimal(basis.weight, 4),
                    share=_decimal(basis.weight / total, 6),
                    amount=amount,
                    entry=entry,
                )
            )
    AllocationLine.objects.bulk_create(lines)
    return allocation


def _decimal(value: Fraction, places: int) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal(1).scaleb(-places)
    )
