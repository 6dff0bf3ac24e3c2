"""The scenario planner: change tuition, enrollment by age group, the CCA share, staffing or costs,
and see the month's revenue, cost per child, break-even enrollment and net income next to today.

Pure functions on a month's figures. The model, in plain words:

- Each age group keeps its revenue per child of today, scaled by the payer mix: a private-pay
  child brings today's private revenue per child (raised by the tuition change), a CCA child
  brings the CCA revenue per child (what was billed for children with CCA in the month, state
  share and family fee together, per FTE).
- Per-child costs follow FTE; fixed costs change by the amounts entered; staff added or removed
  cost their monthly cost each.
- What is written off stays the same share of what is billed as today."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from ccms.insights.metrics import AGE_GROUPS, Figures, divide

ZERO = Fraction(0)


@dataclass(frozen=True)
class Base:
    """Today's month, as far as the planner needs it (exact)."""

    fte_by_group: dict[str, Fraction]
    revenue_by_group: dict[str, Fraction]  # billed per group, shared charges spread by FTE
    direct_cost_by_group: dict[str, Fraction]
    fixed: Fraction
    variable: Fraction
    billed: Fraction
    written_off: Fraction
    licensed_capacity: int
    cca_fte: Fraction
    billed_for_cca_children: Fraction
    groups: tuple[str, ...] = AGE_GROUPS

    @property
    def fte(self) -> Fraction:
        return sum(self.fte_by_group.values(), ZERO)

    @property
    def cca_share(self) -> Fraction:
        return divide(self.cca_fte, self.fte) or ZERO

    @property
    def private_revenue_per_child(self) -> Fraction:
        private_fte = self.fte - self.cca_fte
        if private_fte <= 0:
            return divide(self.billed, self.fte) or ZERO
        return (self.billed - self.billed_for_cca_children) / private_fte

    @property
    def cca_revenue_per_child(self) -> Fraction:
        found = divide(self.billed_for_cca_children, self.cca_fte)
        return found if found is not None else self.private_revenue_per_child


def base_from(figures: Figures) -> Base:
    return Base(
        fte_by_group={g: Fraction(figures.fte_by_group[g]) for g in AGE_GROUPS},
        revenue_by_group={g: Fraction(figures.revenue_by_group[g]) for g in AGE_GROUPS},
        direct_cost_by_group={g: Fraction(figures.direct_cost_by_group[g]) for g in AGE_GROUPS},
        fixed=Fraction(figures.expenses_fixed),
        variable=Fraction(figures.expenses_variable),
        billed=Fraction(figures.billed_total),
        written_off=Fraction(figures.written_off_total),
        licensed_capacity=figures.licensed_capacity,
        cca_fte=Fraction(figures.cca_fte),
        billed_for_cca_children=Fraction(figures.billed_for_cca_children),
        groups=tuple(g for g in AGE_GROUPS if g in figures.groups_present) or AGE_GROUPS,
    )


@dataclass(frozen=True)
class Change:
    """What the planner changes. Every field left as None keeps today's value."""

    tuition_change: Fraction = ZERO  # 0.05 = private-pay prices up 5%
    fte_by_group: dict[str, Fraction] | None = None
    cca_share: Fraction | None = None  # share of FTE paid by CCA, 0 to 1
    cca_revenue_per_child: Fraction | None = None
    staff_change: Fraction = ZERO  # full-time staff added (negative: removed)
    staff_monthly_cost: Fraction = ZERO  # the monthly cost of one full-time staff member
    fixed_change: Fraction = ZERO  # other fixed costs, per month
    variable_change_per_child: Fraction = ZERO


@dataclass
class GroupOutcome:
    fte: Fraction
    revenue_per_child: Fraction | None
    cost_per_child: Fraction | None


@dataclass
class Outcome:
    fte: Fraction
    revenue: Fraction
    expenses: Fraction
    fixed: Fraction
    variable: Fraction
    written_off: Fraction
    licensed_capacity: int
    by_group: dict[str, GroupOutcome] = field(default_factory=dict)

    @property
    def cost_per_child(self) -> Fraction | None:
        return divide(self.expenses, self.fte)

    @property
    def revenue_per_child(self) -> Fraction | None:
        return divide(self.revenue, self.fte)

    @property
    def break_even_fte(self) -> Fraction | None:
        """The spec's break-even: fixed / (revenue per child - variable cost per child)."""
        if not self.fte:
            return None
        margin = (self.revenue - self.variable) / self.fte
        return self.fixed / margin if margin > 0 else None

    @property
    def break_even_enrollment(self) -> Fraction | None:
        return divide(self.break_even_fte, self.licensed_capacity)

    @property
    def net_income(self) -> Fraction:
        return self.revenue - self.written_off - self.expenses


def _mix(base: Base, share: Fraction, cca_rate: Fraction, tuition: Fraction) -> Fraction:
    return (1 - share) * base.private_revenue_per_child * (1 + tuition) + share * cca_rate


def project(base: Base, change: Change | None = None) -> Outcome:
    """The month under the change (no change: today's figures, exactly)."""
    change = change or Change()
    fte_by_group = {
        g: Fraction(change.fte_by_group[g])
        if change.fte_by_group and g in change.fte_by_group
        else base.fte_by_group[g]
        for g in AGE_GROUPS
    }
    fte = sum(fte_by_group.values(), ZERO)
    today_mix = _mix(base, base.cca_share, base.cca_revenue_per_child, ZERO)
    new_mix = _mix(
        base,
        change.cca_share if change.cca_share is not None else base.cca_share,
        change.cca_revenue_per_child
        if change.cca_revenue_per_child is not None
        else base.cca_revenue_per_child,
        change.tuition_change,
    )
    scale = new_mix / today_mix if today_mix else Fraction(1)
    average = divide(base.billed, base.fte) or new_mix
    revenue_per_child = {
        g: (
            base.revenue_by_group[g] / base.fte_by_group[g] * scale
            if base.fte_by_group[g]
            else average * scale
        )
        for g in AGE_GROUPS
    }
    revenue = sum((fte_by_group[g] * revenue_per_child[g] for g in AGE_GROUPS), ZERO)
    variable_per_child = (
        divide(base.variable, base.fte) or ZERO
    ) + change.variable_change_per_child
    variable = max(variable_per_child * fte, ZERO)
    fixed = base.fixed + change.fixed_change + change.staff_change * change.staff_monthly_cost
    expenses = fixed + variable
    bad_debt = divide(base.written_off, base.billed) or ZERO
    outcome = Outcome(
        fte=fte,
        revenue=revenue,
        expenses=expenses,
        fixed=fixed,
        variable=variable,
        written_off=revenue * bad_debt,
        licensed_capacity=base.licensed_capacity,
    )
    direct = sum(base.direct_cost_by_group.values(), ZERO)
    shared = expenses - direct
    for g in base.groups:
        group_fte = fte_by_group[g]
        cost = None
        if group_fte:
            cost = base.direct_cost_by_group[g] / group_fte + (shared / fte if fte else ZERO)
        outcome.by_group[g] = GroupOutcome(
            group_fte, revenue_per_child[g] if group_fte else None, cost
        )
    return outcome


def today(base: Base) -> Outcome:
    return project(base, None)


def as_fraction(value) -> Fraction:
    return Fraction(Decimal(str(value))) if value is not None else ZERO
