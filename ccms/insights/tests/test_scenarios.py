"""The scenario planner's pure functions on hand-computed months."""

from datetime import date
from fractions import Fraction

import pytest

from ccms.insights.metrics import compute
from ccms.insights.scenarios import Change, base_from, project, today
from ccms.insights.tests.factories import (
    CCA,
    FAMILY,
    charge,
    cost,
    month_rows,
    placement,
    room,
)


def month(cca_children=0):
    """Ten full-time preschoolers paying 1000 each (the first `cca_children` of them through
    CCA, 800 each), 6000 fixed and 2000 per-child costs, 20 licensed seats."""
    entries = []
    for n in range(10):
        if n < cca_children:
            entries.append(charge(CCA, date(2026, 10, 1), "800.00", child=n))
        else:
            entries.append(charge(FAMILY, date(2026, 10, 1), "1000.00", child=n))
    rows = month_rows(
        rooms=[room(1, licensed=20)],
        placements=[placement(1, date(2026, 9, 1), child=n) for n in range(10)],
        entries=entries,
        costs=[cost("site", "6000.00"), cost("per_child", "2000.00")],
    )
    return compute(rows)


def test_no_change_is_today_exactly():
    figures = month(cca_children=3)
    now = today(base_from(figures))
    assert now.revenue == Fraction(figures.billed_total)
    assert now.expenses == Fraction(figures.expenses)
    assert now.cost_per_child == figures.cost_per_child
    assert now.revenue_per_child == figures.revenue_per_child
    assert now.break_even_fte == figures.break_even_fte
    assert now.break_even_enrollment == figures.break_even_enrollment
    assert now.net_income == Fraction(figures.net_income)


@pytest.mark.parametrize(
    ("change", "revenue", "expenses", "break_even"),
    [
        # private-pay prices up 10%: 11000 revenue; 6000 / (1100 - 200)
        (Change(tuition_change=Fraction(1, 10)), 11000, 8000, Fraction(6000, 900)),
        # twice the children: revenue and per-child costs double, fixed costs stay
        (Change(fte_by_group={"preschool": Fraction(20)}), 20000, 10000, Fraction(6000, 800)),
        # two staff at 3000 more a month: fixed 12000; 12000 / 800
        (
            Change(staff_change=Fraction(2), staff_monthly_cost=Fraction(3000)),
            10000,
            14000,
            Fraction(15),
        ),
        # 100 less a child in per-child costs and 500 more fixed
        (
            Change(variable_change_per_child=Fraction(-100), fixed_change=Fraction(500)),
            10000,
            7500,
            Fraction(6500, 900),
        ),
    ],
)
def test_changes_move_revenue_costs_and_break_even(change, revenue, expenses, break_even):
    outcome = project(base_from(month()), change)
    assert outcome.revenue == revenue
    assert outcome.expenses == expenses
    assert outcome.break_even_fte == break_even


def test_more_cca_children_bring_the_cca_revenue_per_child():
    base = base_from(month(cca_children=2))  # 2 CCA children at 800, 8 private at 1000
    assert base.cca_share == Fraction(1, 5)
    assert base.private_revenue_per_child == 1000
    assert base.cca_revenue_per_child == 800
    # half the children through CCA: 5 x 1000 + 5 x 800
    assert project(base, Change(cca_share=Fraction(1, 2))).revenue == 9000
    # the state rate raised to 900
    raised = project(base, Change(cca_revenue_per_child=Fraction(900)))
    assert raised.revenue == 8 * 1000 + 2 * 900


def test_no_break_even_when_per_child_costs_eat_the_revenue():
    outcome = project(base_from(month()), Change(variable_change_per_child=Fraction(900)))
    assert outcome.break_even_fte is None and outcome.break_even_enrollment is None


def test_cost_per_child_by_age_group_keeps_direct_costs_with_the_group():
    rows = month_rows(
        rooms=[room(1, min_age=0), room(2, min_age=36)],
        placements=[placement(1, date(2026, 9, 1), child=n) for n in range(4)]
        + [placement(2, date(2026, 9, 1), child=10 + n) for n in range(4)],
        costs=[cost("personnel", "4000.00", classroom=1), cost("site", "800.00")],
    )
    base = base_from(compute(rows))
    outcome = project(base, Change(fte_by_group={"infant_toddler": Fraction(2)}))
    # infant room: 4000 / 2 + shared 800 / 6 per child
    assert outcome.by_group["infant_toddler"].cost_per_child == 2000 + Fraction(800, 6)
    assert outcome.by_group["preschool"].cost_per_child == Fraction(800, 6)
