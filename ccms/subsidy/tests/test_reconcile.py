"""The likely cause of each difference between what was billed and what the state paid, case by
case (no database)."""

from decimal import Decimal

import pytest

from ccms.families.models import Child
from ccms.subsidy.models import SubmissionLine
from ccms.subsidy.periods import add_business_days
from ccms.subsidy.reconcile import Cause, Row, likely_cause

D = Decimal


def line(**changes) -> SubmissionLine:
    values = {
        "units_attended": 10,
        "units_authorized": 20,
        "units_billable": 10,
        "state_rate": D("19.50"),
        "table_rate": D("19.50"),
        "private_rate": D("22.00"),
        "fee_per_unit": D("0.20"),
        "family_fee": D("2.00"),
        "state_amount": D("193.00"),
        "family_difference": D("0.00"),
    }
    values.update(changes)
    return SubmissionLine(**values)


def cause(billed_line, paid, *, any_paid=True):
    billed = billed_line.state_amount if billed_line is not None else None
    row = Row(child=Child(first_name="Ava"), billed=billed, paid=paid, line=billed_line)
    return likely_cause(row, any_paid=any_paid)


@pytest.mark.parametrize(
    "changes, paid, expected",
    [
        ({}, D("193.00"), Cause.MATCHED),
        ({}, D("173.50"), Cause.UNITS),  # one unit (19.50) fewer
        ({}, D("212.50"), Cause.UNITS),  # one unit more
        # all 20 authorized units used and billed; the state paid 2 fewer
        (
            {
                "units_attended": 22,
                "units_billable": 20,
                "state_amount": D("386.00"),
                "family_fee": D("4.00"),
            },
            D("347.00"),
            Cause.UNITS_OVER_AUTHORIZATION,
        ),
        ({}, D("195.00"), Cause.FAMILY_FEE),  # the state charged no fee on this child
        ({}, D("190.50"), Cause.FAMILY_FEE),  # 0.25 a unit more: one fee level higher
        ({}, D("188.00"), Cause.FAMILY_FEE),  # 0.50 a unit: a third child's fee
        ({}, D("186.00"), Cause.RATE),  # 0.70 a unit less: another rate
        ({}, D("192.99"), Cause.UNEXPLAINED),
    ],
)
def test_the_likely_cause_of_a_difference(changes, paid, expected):
    assert cause(line(**changes), paid)[0] == expected


def test_a_child_billed_but_not_paid_while_others_were_is_a_missing_child():
    found, text = cause(line(), None, any_paid=True)
    assert found == Cause.MISSING_CHILD and "check the KinderTrack child ID" in text


def test_before_any_payment_a_billed_child_is_awaiting_payment():
    assert cause(line(), None, any_paid=False)[0] == Cause.AWAITING


def test_a_child_paid_but_not_billed_is_a_missing_child():
    found, text = cause(None, D("40.00"))
    assert found == Cause.MISSING_CHILD and "not in the submitted period" in text


def test_the_explanation_says_how_many_units_and_where_to_look():
    _, text = cause(line(), D("154.00"))
    assert text == (
        "The state paid for 2 units fewer than billed: compare the days with KinderTrack."
    )


@pytest.mark.parametrize(
    "day, count, expected",
    [
        ("2026-03-02", 10, "2026-03-16"),  # Monday + 10 business days
        ("2026-03-06", 1, "2026-03-09"),  # Friday + 1 is Monday
        ("2026-03-07", 10, "2026-03-20"),  # from a Saturday
    ],
)
def test_business_days_skip_weekends(day, count, expected):
    from datetime import date

    assert add_business_days(date.fromisoformat(day), count) == date.fromisoformat(expected)
