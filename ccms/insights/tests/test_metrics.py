"""Every definition of the Iron Triangle metrics spec on small cases computed by hand. The rows
are built in memory (see factories.py); the database side is tested in test_metrics_db.py."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from ccms.insights.metrics import (
    Figures,
    TargetValues,
    as_json,
    combine,
    compute,
    operating_days,
    round_half_up,
)
from ccms.insights.tests.factories import (
    CCA,
    FAMILY,
    FAMILY_2,
    OTHER,
    charge,
    cost,
    entry,
    month_rows,
    payment,
    placement,
    room,
)

OCT = date(2026, 10, 1)


def shown(rows):
    return as_json(compute(rows))


# Operating days ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "closures", "expected"),
    [
        ((2026, 10), [], 22),
        ((2026, 10), [date(2026, 10, 5)], 21),  # a Monday closed
        ((2026, 10), [date(2026, 10, 3)], 22),  # a Saturday closure changes nothing
        ((2026, 2), [], 20),
        ((2026, 11), [date(2026, 11, 26), date(2026, 11, 27)], 19),  # Thanksgiving
    ],
)
def test_operating_days_are_weekdays_minus_closures(month, closures, expected):
    assert shown(month_rows(month=month, closures=closures))["operating_days"] == expected
    first = date(*month, 1)
    assert len(operating_days(first, date(*month, 28), closures)) <= expected


# FTE enrolled ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("placements", "closures", "expected"),
    [
        ([placement(1, date(2026, 1, 5))], [], "1.00"),
        # starts Thursday the 15th: 12 of 22 operating days
        ([placement(1, date(2026, 10, 15))], [], "0.55"),
        # ends (inclusive) Friday the 9th: 7 of 22 days
        ([placement(1, date(2026, 1, 5), date(2026, 10, 9))], [], "0.32"),
        # one week in the middle: 5 of 22
        ([placement(1, date(2026, 10, 12), date(2026, 10, 16))], [], "0.23"),
        # starts on a Saturday: counts from Monday the 5th, 20 of 22
        ([placement(1, date(2026, 10, 3))], [], "0.91"),
        # a part-time schedule
        ([placement(1, date(2026, 9, 1), fte="0.60")], [], "0.60"),
        # ended before the month, or starts after it
        ([placement(1, date(2026, 1, 5), date(2026, 9, 30))], [], "0.00"),
        ([placement(1, date(2026, 11, 2))], [], "0.00"),
        # a closed day is not an operating day: 11 of 21
        ([placement(1, date(2026, 10, 15))], [date(2026, 10, 15)], "0.52"),
        # two children, full and half time
        (
            [placement(1, date(2026, 9, 1)), placement(1, date(2026, 9, 1), fte="0.50", child=7)],
            [],
            "1.50",
        ),
    ],
)
def test_fte_enrolled_is_the_mean_over_operating_days(placements, closures, expected):
    assert shown(month_rows(placements=placements, closures=closures))["fte_enrolled"] == expected


def test_fte_is_also_given_per_classroom_and_age_group():
    rows = month_rows(
        rooms=[room(1, min_age=0), room(2, min_age=36), room(3, min_age=60)],
        placements=[
            placement(1, date(2026, 9, 1)),
            placement(2, date(2026, 9, 1)),
            placement(2, date(2026, 10, 15), child=9),
            placement(3, date(2026, 9, 1), fte="0.50"),
        ],
    )
    data = shown(rows)
    assert data["by_classroom"]["room-2"]["fte_enrolled"] == "1.55"
    assert {g: v["fte_enrolled"] for g, v in data["by_age_group"].items()} == {
        "infant_toddler": "1.00",
        "preschool": "1.55",
        "school_age": "0.50",
    }


# Capacities, efficiency and vacancies ------------------------------------------------------------


def test_capacity_efficiency_and_vacancies_floored_per_classroom():
    rows = month_rows(
        rooms=[room(1, licensed=10, staffed=8), room(2, licensed=12)],
        placements=[placement(1, date(2026, 9, 1), child=c) for c in range(9)]
        + [placement(2, date(2026, 9, 1), child=100 + c) for c in range(6)],
    )
    data = shown(rows)
    assert data["licensed_capacity"] == 22
    assert data["staffed_capacity"] == 20
    assert data["fte_enrolled"] == "15.00"
    assert data["enrollment_efficiency_licensed"] == "0.6818"
    assert data["enrollment_efficiency_staffed"] == "0.7500"
    # room 1 is over its staffed capacity: 0 vacancies there, not -1; room 2 has 6
    assert data["vacancies"] == "6.00"
    assert data["by_classroom"]["room-1"]["vacancies"] == "0.00"


def test_efficiency_is_empty_without_capacity():
    data = shown(month_rows(rooms=[]))
    assert data["enrollment_efficiency_licensed"] is None
    assert data["enrollment_efficiency_staffed"] is None
    assert data["status"]["enrollment"] is None


# Billed and collected ----------------------------------------------------------------------------


def billing_month():
    return [
        charge(FAMILY, date(2026, 9, 1), "800.00"),  # older, open: FIFO pays it first
        charge(FAMILY, date(2026, 10, 1), "800.00"),
        charge(CCA, date(2026, 10, 15), "400.00"),
        charge(OTHER, date(2026, 10, 20), "100.00"),
        charge(FAMILY, date(2026, 11, 1), "800.00"),  # next month: not billed in October
        payment(FAMILY, date(2026, 10, 10), "1000.00"),  # 800 to September, 200 to October
        entry(FAMILY, "credit", date(2026, 10, 20), "100.00"),  # a credit counts as collected
        payment(FAMILY, date(2026, 11, 30), "600.00"),  # after as_of: not counted
        payment(CCA, date(2026, 11, 12), "400.00"),
    ]


def test_billed_per_payer_is_the_months_charges():
    data = shown(month_rows(entries=billing_month()))
    assert data["billed"] == {
        "family": "800.00",
        "cca": "400.00",
        "other": "100.00",
        "total": "1300.00",
    }


def test_collected_is_the_fifo_cover_of_the_months_charges_as_of_the_day():
    data = shown(month_rows(entries=billing_month()))
    assert data["collected"] == {
        "family": "300.00",
        "cca": "400.00",
        "other": "0.00",
        "total": "700.00",
    }
    assert data["fee_collection_rate"] == {
        "family": "0.3750",
        "cca": "1.0000",
        "other": "0.0000",
        "total": "0.5385",
    }


def test_a_later_as_of_counts_the_later_payment():
    data = shown(month_rows(entries=billing_month(), as_of=date(2026, 12, 1)))
    # the 600 of Nov 30 covers the rest of October's 800 (500 left) first
    assert data["collected"]["family"] == "800.00"


def test_collection_rate_is_empty_when_nothing_was_billed():
    data = shown(month_rows(entries=[charge(FAMILY, date(2026, 10, 1), "100.00")]))
    assert data["fee_collection_rate"]["cca"] is None
    assert data["fee_collection_rate"]["family"] == "0.0000"
    empty = shown(month_rows())
    assert empty["fee_collection_rate"] == {
        "family": None,
        "cca": None,
        "other": None,
        "total": None,
    }
    assert empty["bad_debt_rate"] is None
    assert empty["status"]["fee_collection"] is None


def test_payments_apply_to_their_own_payers_charges_only():
    entries = [
        charge(FAMILY, date(2026, 10, 1), "500.00"),
        charge(FAMILY_2, date(2026, 10, 1), "500.00"),
        payment(FAMILY_2, date(2026, 10, 5), "900.00"),  # 400 left over stays unapplied
    ]
    data = shown(month_rows(entries=entries))
    assert data["collected"]["family"] == "500.00"
    assert data["fee_collection_rate"]["family"] == "0.5000"


def test_reversed_charges_and_payments_cancel_when_reversed_by_the_day():
    first = charge(FAMILY, date(2026, 10, 1), "500.00")
    second = charge(FAMILY, date(2026, 10, 2), "300.00")
    paid = payment(FAMILY, date(2026, 10, 5), "300.00")
    entries = [
        first,
        second,
        paid,
        entry(FAMILY, "reversal", date(2026, 10, 3), "500.00", reverses=first.pk),
        entry(FAMILY, "reversal", date(2026, 10, 20), "300.00", reverses=paid.pk),  # NSF
    ]
    data = shown(month_rows(entries=entries))
    assert data["billed"]["family"] == "300.00"
    assert data["collected"]["family"] == "0.00"
    late = [*entries[:3], entry(FAMILY, "reversal", date(2026, 12, 1), "500.00", reverses=first.pk)]
    assert shown(month_rows(entries=late))["billed"]["family"] == "800.00"


# Bad debt ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "written_off", "rate"),
    [
        # a write-off closes the charge it names
        (
            lambda: [
                (c := charge(FAMILY, date(2026, 10, 1), "500.00")),
                payment(FAMILY, date(2026, 10, 5), "300.00"),
                entry(FAMILY, "write_off", date(2026, 11, 1), "200.00", applies_to=c.pk),
            ],
            "200.00",
            "0.4000",
        ),
        # unnamed, it closes the oldest open charge first (September's 100), then October's
        (
            lambda: [
                charge(FAMILY, date(2026, 9, 1), "100.00"),
                charge(FAMILY, date(2026, 10, 1), "500.00"),
                entry(FAMILY, "write_off", date(2026, 11, 1), "150.00"),
            ],
            "50.00",
            "0.1000",
        ),
        # named, it skips the older open charge
        (
            lambda: [
                charge(FAMILY, date(2026, 9, 1), "100.00"),
                (c := charge(FAMILY, date(2026, 10, 1), "500.00")),
                entry(FAMILY, "write_off", date(2026, 11, 1), "150.00", applies_to=c.pk),
            ],
            "150.00",
            "0.3000",
        ),
        # written off after as_of: not yet
        (
            lambda: [
                (c := charge(FAMILY, date(2026, 10, 1), "500.00")),
                entry(FAMILY, "write_off", date(2026, 12, 1), "500.00", applies_to=c.pk),
            ],
            "0.00",
            "0.0000",
        ),
    ],
)
def test_bad_debt_is_what_was_written_off_of_the_months_charges(entries, written_off, rate):
    data = shown(month_rows(entries=entries()))
    assert data["written_off"]["total"] == written_off
    assert data["bad_debt_rate"] == rate


# Aging -------------------------------------------------------------------------------------------


def test_aging_buckets_open_charges_by_days_since_the_charge_on_as_of():
    entries = [
        charge(FAMILY, date(2026, 8, 15), "50.00"),  # 106 days
        charge(FAMILY, date(2026, 8, 31), "60.00"),  # 90 days
        charge(FAMILY, date(2026, 9, 30), "10.00"),  # 60 days
        charge(FAMILY, date(2026, 10, 1), "200.00"),  # 59 days
        charge(CCA, date(2026, 10, 30), "31.00"),  # 30 days
        charge(FAMILY, date(2026, 11, 15), "80.00"),  # 14 days
        charge(FAMILY, date(2026, 12, 1), "999.00"),  # after as_of: not yet due
        payment(FAMILY, date(2026, 11, 1), "25.00"),  # half of the oldest
    ]
    data = shown(month_rows(entries=entries))
    assert data["aging"] == {
        "0-30": "111.00",
        "31-60": "210.00",
        "61-90": "60.00",
        "90+": "25.00",
    }
    assert data["aging_by_payer"]["cca"]["0-30"] == "31.00"
    assert data["aging_by_payer"]["family"]["0-30"] == "80.00"


# Expenses and cost per child ---------------------------------------------------------------------


def test_expenses_split_into_fixed_and_variable():
    rows = month_rows(
        rooms=[room(1), room(2)],
        costs=[
            cost("personnel", "10000.00", classroom=1),
            cost("per_child", "2000.00"),
            cost("per_classroom", "1000.00", classroom=2),
            cost("site", "3000.00"),
            cost("admin", "1000.00"),
        ],
    )
    data = shown(rows)
    assert data["expenses"] == "17000.00"
    assert data["expenses_variable"] == "2000.00"
    assert data["expenses_fixed"] == "15000.00"
    assert data["cost_per_child"] is None  # no FTE enrolled


def age_group_month(costs=(), entries=()):
    return month_rows(
        rooms=[room(1, min_age=0), room(2, min_age=36)],
        placements=[placement(1, date(2026, 9, 1), child=101 + n) for n in range(4)]
        + [placement(2, date(2026, 9, 1), child=201 + n) for n in range(10)],
        costs=costs,
        entries=entries,
    )


def test_cost_per_child_overall_and_by_age_group():
    data = shown(
        age_group_month(
            costs=[
                cost("personnel", "6000.00", classroom=1),
                cost("per_classroom", "2000.00", classroom=2),
                cost("site", "2800.00"),
                cost("per_child", "1400.00"),
            ]
        )
    )
    assert data["fte_enrolled"] == "14.00"
    assert data["cost_per_child"] == "871.43"  # 12200 / 14
    # direct costs stay with the classroom's age group; 4200 shared is 300 per FTE
    assert data["by_age_group"]["infant_toddler"]["cost_per_child"] == "1800.00"
    assert data["by_age_group"]["preschool"]["cost_per_child"] == "500.00"


def test_revenue_per_child_overall_and_by_the_childs_classroom():
    entries = [charge(FAMILY, date(2026, 10, 1), "1300.00", child=101 + n) for n in range(4)]
    entries += [charge(CCA, date(2026, 10, 1), "900.00", child=201 + n) for n in range(10)]
    entries += [
        charge(FAMILY, date(2026, 10, 2), "1000.00"),  # no child: shared by FTE
        charge(FAMILY, date(2026, 10, 2), "400.00", child=999),  # a child not enrolled: shared
    ]
    data = shown(age_group_month(entries=entries))
    assert data["revenue_per_child"] == "1114.29"  # 15600 / 14
    assert data["by_age_group"]["infant_toddler"]["revenue_per_child"] == "1400.00"
    assert data["by_age_group"]["preschool"]["revenue_per_child"] == "1000.00"


def test_a_charge_goes_to_the_classroom_the_child_was_in_on_its_date():
    rows = month_rows(
        rooms=[room(1, min_age=0), room(2, min_age=36)],
        placements=[
            placement(1, date(2026, 1, 5), date(2026, 10, 14), child=5),
            placement(2, date(2026, 10, 15), child=5),
            placement(2, date(2026, 9, 1), child=6),
        ],
        entries=[
            charge(FAMILY, date(2026, 10, 1), "700.00", child=5),
            charge(FAMILY, date(2026, 10, 16), "300.00", child=5),
        ],
    )
    figures = compute(rows)
    assert figures.revenue_by_group["infant_toddler"] == 700
    assert figures.revenue_by_group["preschool"] == 300


# Break-even and net income -----------------------------------------------------------------------


def break_even_month(billed="10000.00", variable="2000.00", fixed="6000.00", fte_children=10):
    return month_rows(
        rooms=[room(1, licensed=20)],
        placements=[placement(1, date(2026, 9, 1), child=n) for n in range(fte_children)],
        entries=[charge(FAMILY, date(2026, 10, 1), billed)] if billed else [],
        costs=[cost("per_child", variable), cost("site", fixed)],
    )


@pytest.mark.parametrize(
    ("month", "break_even_fte", "break_even_enrollment", "net_income"),
    [
        # 6000 / (1000 - 200) = 7.5 FTE; 7.5 / 20 licensed
        (break_even_month(), "7.50", "0.3750", "2000.00"),
        # revenue per child 1000 less variable 300 per child: 6000 / 700
        (break_even_month(variable="3000.00"), "8.57", "0.4286", "1000.00"),
        # variable cost per child equals revenue per child: no break-even
        (break_even_month(billed="2000.00"), None, None, "-6000.00"),
        # no FTE enrolled: no break-even
        (break_even_month(fte_children=0), None, None, "2000.00"),
    ],
)
def test_break_even_fte_and_enrollment(month, break_even_fte, break_even_enrollment, net_income):
    data = shown(month)
    assert data["break_even_fte"] == break_even_fte
    assert data["break_even_enrollment"] == break_even_enrollment
    assert data["net_income"] == net_income


def test_net_income_is_billed_less_written_off_less_expenses():
    c = charge(FAMILY, date(2026, 10, 1), "1000.00")
    rows = month_rows(
        entries=[c, entry(FAMILY, "write_off", date(2026, 11, 2), "100.00", applies_to=c.pk)],
        costs=[cost("site", "1500.00")],
    )
    assert shown(rows)["net_income"] == "-600.00"


# Status ------------------------------------------------------------------------------------------


def figures(**values) -> Figures:
    made = Figures(label="x", month=OCT, as_of=date(2026, 11, 29), targets=TargetValues())
    for name, value in values.items():
        setattr(made, name, value)
    return made


@pytest.mark.parametrize(
    ("fte", "expected"),
    [("19.00", "green"), ("18.99", "yellow"), ("17.00", "yellow"), ("16.99", "red")],
)
def test_enrollment_status_against_staffed_capacity(fte, expected):
    made = figures(fte_enrolled=Fraction(Decimal(fte)), staffed_capacity=20)
    assert made.status["enrollment"] == expected


@pytest.mark.parametrize(
    ("collected", "expected"),
    [("98.00", "green"), ("97.99", "yellow"), ("97.00", "yellow"), ("96.99", "red")],
)
def test_fee_collection_status(collected, expected):
    made = figures(
        billed={"family": Decimal("100.00"), "cca": Decimal(0), "other": Decimal(0)},
        collected={"family": Decimal(collected), "cca": Decimal(0), "other": Decimal(0)},
    )
    assert made.status["fee_collection"] == expected


@pytest.mark.parametrize(
    ("billed", "expected"),
    [("1000.00", "green"), ("1200.00", "green"), ("950.00", "yellow"), ("949.99", "red")],
)
def test_cost_coverage_status(billed, expected):
    made = figures(
        fte_enrolled=Fraction(1),
        billed={"family": Decimal(billed), "cca": Decimal(0), "other": Decimal(0)},
        expenses=Decimal("1000.00"),
    )
    assert made.status["cost_coverage"] == expected


def test_targets_are_configurable():
    made = figures(fte_enrolled=Fraction(18), staffed_capacity=20)
    assert made.status["enrollment"] == "yellow"
    made.targets = TargetValues(enrollment_green=Decimal("0.90"))
    assert made.status["enrollment"] == "green"


# Rounding and the JSON ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(1, 8), 2, "0.13"),  # half-up, not half-even
        (Fraction(-1, 8), 2, "-0.13"),
        (Fraction(12345, 100000), 4, "0.1235"),
        (Fraction(2, 3), 4, "0.6667"),
        (Fraction(0), 2, "0.00"),
        (Decimal("41.5"), 2, "41.50"),
    ],
)
def test_figures_are_rounded_half_up_only_when_shown(value, places, expected):
    assert str(round_half_up(value, places)) == expected


def test_json_has_the_spec_keys_and_formats():
    entries = [charge(FAMILY, date(2026, 10, 1), "1000.00", child=100)]
    data = shown(month_rows(placements=[placement(1, date(2026, 9, 1))], entries=entries))
    spec_keys = [
        "provider",
        "month",
        "as_of",
        "operating_days",
        "fte_enrolled",
        "licensed_capacity",
        "staffed_capacity",
        "enrollment_efficiency_licensed",
        "enrollment_efficiency_staffed",
        "vacancies",
        "billed",
        "collected",
        "fee_collection_rate",
        "bad_debt_rate",
        "aging",
        "expenses",
        "cost_per_child",
        "revenue_per_child",
        "break_even_fte",
        "break_even_enrollment",
        "net_income",
        "by_age_group",
        "status",
    ]
    assert list(data)[: len(spec_keys)] == spec_keys
    assert data["provider"] == "sunrise"
    assert data["month"] == "2026-10" and data["as_of"] == "2026-11-29"
    assert data["licensed_capacity"] == 10 and isinstance(data["licensed_capacity"], int)
    assert data["billed"]["total"] == "1000.00"
    assert data["enrollment_efficiency_licensed"] == "0.1000"
    assert data["aging"] == {"0-30": "0.00", "31-60": "1000.00", "61-90": "0.00", "90+": "0.00"}
    assert data["by_age_group"] == {
        "preschool": {
            "fte_enrolled": "1.00",
            "cost_per_child": "0.00",
            "revenue_per_child": "1000.00",
            "staffed_capacity": 10,
            "vacancies": "9.00",
        }
    }
    assert set(data["status"]) == {"enrollment", "fee_collection", "cost_coverage"}


# The alliance total ------------------------------------------------------------------------------


def test_alliance_total_adds_providers_and_takes_ratios_of_the_sums():
    one = compute(
        month_rows(
            rooms=[room(1, licensed=10)],
            placements=[placement(1, date(2026, 9, 1), child=n) for n in range(8)],
            entries=[
                charge(FAMILY, date(2026, 10, 1), "1000.00"),
                payment(FAMILY, date(2026, 10, 2), "1000.00"),
            ],
            costs=[cost("site", "900.00")],
        )
    )
    two = compute(
        month_rows(
            rooms=[room(1, licensed=30, min_age=0)],
            placements=[placement(1, date(2026, 9, 1), child=n) for n in range(12)],
            entries=[charge(CCA, date(2026, 10, 1), "3000.00")],
            costs=[cost("personnel", "1200.00", classroom=1)],
        )
    )
    total = combine("alpha", [one, two], OCT, date(2026, 11, 29), TargetValues())
    data = as_json(total, key="alliance")
    assert data["alliance"] == "alpha" and data["providers"] == 2
    assert data["fte_enrolled"] == "20.00"
    assert data["licensed_capacity"] == 40
    assert data["enrollment_efficiency_licensed"] == "0.5000"
    assert data["billed"]["total"] == "4000.00"
    assert data["fee_collection_rate"]["total"] == "0.2500"
    assert data["cost_per_child"] == "105.00"  # 2100 / 20
    assert data["by_age_group"]["infant_toddler"]["cost_per_child"] == "100.00"
    assert data["by_age_group"]["preschool"]["cost_per_child"] == "112.50"
    assert data["operating_days"] is None
