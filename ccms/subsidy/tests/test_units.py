"""The unit and amount rules of the feed spec, case by case (no database)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ccms.subsidy import feed
from ccms.subsidy.periods import Period
from ccms.subsidy.units import (
    ChildRecord,
    ErrorCode,
    Pair,
    Rules,
    Terms,
    age_group,
    compute_period,
    day_units,
    pair_minutes,
)

TZ = ZoneInfo("America/Chicago")
PERIOD = Period(date(2026, 10, 4), date(2026, 10, 17), "biweekly")
MON, TUE, WED = date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7)
D = Decimal
# Licensed center, no IQ4K level (DOMAIN.md).
RATES = {
    ("infant_toddler", False): D("25.66"),
    ("preschool", False): D("19.50"),
    ("school_age", False): D("16.50"),
    ("infant_toddler", True): D("51.94"),
    ("preschool", True): D("30.43"),
    ("school_age", True): D("30.34"),
}
FEES = {
    "A": (D("0.00"), D("0.00"), D("0.00")),
    "B": (D("0.20"), D("0.45"), D("0.70")),
    "C": (D("0.45"), D("0.70"), D("0.95")),
    "AA": (D("6.45"), D("6.70"), D("6.95")),
}


def at(day: date, clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def pair(day: date, start: str, end: str | None, pk: int | None = None) -> Pair:
    return Pair(day, at(day, start), at(day, end) if end else None, pk)


def rules(**changes) -> Rules:
    values = {
        "provider_key": "sunrise",
        "kindertrack_provider_id": "12345",
        "period": PERIOD,
        "tz": TZ,
        "rates": RATES,
        "fees": FEES,
        "max_units_per_day": 2,
        "today": date(2026, 10, 20),
    }
    values.update(changes)
    return Rules(**values)


def child(key="c1", *, pairs=(), absences=None, **terms) -> ChildRecord:
    family = terms.pop("family", 1)
    birth = terms.pop("birth_date", date(2023, 2, 1))
    ktid = terms.pop("kindertrack_child_id", "123456")
    last = terms.pop("last_name", "Lopez")
    values = {
        "start": date(2026, 1, 1),
        "end": date(2026, 12, 31),
        "units_per_period": 20,
        "private_rate": D("22.00"),
        "fee_level": "B",
        "authorization_id": 7,
    }
    values.update(terms)
    return ChildRecord(
        key=key,
        first_name=key.capitalize(),
        last_name=last,
        birth_date=birth,
        family_id=family,
        kindertrack_child_id=ktid,
        terms=Terms(**values),
        pairs=tuple(pairs),
        absences=absences or {},
        child_id=hash(key) % 1000,
    )


def one(record: ChildRecord, **rule_changes):
    result = compute_period(rules(**rule_changes), [record])
    return result, result.children[0]


def codes(result) -> list[tuple[str, str | None, date | None]]:
    return [(str(e.code), e.child_key, e.date) for e in result.errors]


# The example of the spec, field for field ----------------------------------------------------


def test_the_spec_example_child_comes_out_as_written():
    record = ChildRecord(
        key="c1",
        first_name="Ava",
        last_name="Lopez",
        birth_date=date(2023, 2, 1),
        family_id=1,
        kindertrack_child_id="123456",
        terms=Terms(
            start=date(2026, 1, 1),
            end=date(2026, 12, 31),
            units_per_period=20,
            private_rate=D("22.00"),
            fee_level="B",
        ),
        pairs=(pair(MON, "07:30", "12:10"),),
    )
    result = compute_period(rules(), [record])
    assert feed.feed_json(result)["children"] == [
        {
            "child_key": "c1",
            "kindertrack_child_id": "123456",
            "first_name": "Ava",
            "last_name": "Lopez",
            "birth_date": "2023-02-01",
            "age_group": "preschool",
            "special_needs": False,
            "days": [
                {
                    "date": "2026-10-05",
                    "pairs": [["07:30", "12:10"]],
                    "minutes": 280,
                    "units": 1,
                    "absence_reason": None,
                }
            ],
            "units_attended": 1,
            "units_authorized": 20,
            "units_billable": 1,
            "private_rate": "22.00",
            "table_rate": "19.50",
            "state_rate": "19.50",
            "family_fee": "0.20",
            "state_amount": "19.30",
            "family_difference": "0.00",
        }
    ]
    assert feed.feed_json(result)["totals"] == {
        "units_billable": 1,
        "state_amount": "19.30",
        "family_fee": "0.20",
    }


# Minutes and units of a day ------------------------------------------------------------------


@pytest.mark.parametrize(
    "pairs, minutes, units",
    [
        ([("07:30", "12:10")], 280, 1),  # the spec's example
        ([("07:00", "12:00")], 300, 1),  # exactly 5 hours: one unit
        ([("07:00", "12:01")], 301, 2),  # one minute more starts the second block
        ([("07:00", "11:59")], 299, 1),
        ([("15:00", "15:01")], 1, 1),  # part of a block pays a whole unit
        ([("15:00", "17:00")], 120, 1),  # 3 p.m. to 5 p.m. is one unit (DOMAIN.md)
        ([("07:00", "09:30"), ("15:00", "17:30")], 300, 1),  # pairs are summed first
        ([("07:00", "09:31"), ("15:00", "17:30")], 301, 2),
        ([("06:30", "18:00")], 690, 2),  # capped at the maximum per day
        ([("07:00", "08:00"), ("09:00", "10:00"), ("11:00", "12:00")], 180, 1),
    ],
)
def test_a_days_units_come_from_the_sum_of_its_pairs(pairs, minutes, units):
    _, result = one(child(pairs=[pair(MON, a, b) for a, b in pairs]))
    assert (result.days[0].minutes, result.days[0].units) == (minutes, units)
    assert result.units_attended == units


@pytest.mark.parametrize(
    "minutes, max_units, units",
    [(0, 2, 0), (1, 2, 1), (300, 2, 1), (301, 2, 2), (600, 2, 2), (601, 2, 2), (601, 3, 3)],
)
def test_units_are_minutes_over_300_rounded_up_and_capped(minutes, max_units, units):
    assert day_units(minutes, max_units) == units


def test_the_maximum_units_per_day_is_a_setting():
    record = child(pairs=[pair(MON, "06:00", "18:00")])
    assert one(record, max_units_per_day=2)[1].units_attended == 2
    assert one(record, max_units_per_day=3)[1].units_attended == 3


def test_minutes_are_counted_between_the_shown_clock_readings():
    check_in = datetime(2026, 10, 5, 7, 30, 59, tzinfo=TZ)
    check_out = datetime(2026, 10, 5, 12, 10, 1, tzinfo=TZ)
    assert pair_minutes(check_in, check_out) == 280


def test_a_pair_over_the_autumn_clock_change_counts_the_time_really_spent():
    # On Nov 1, 2026 the clocks go back from 02:00 to 01:00: 00:30 to 03:30 is four hours.
    check_in = datetime(2026, 11, 1, 0, 30, tzinfo=TZ)
    check_out = datetime(2026, 11, 1, 3, 30, tzinfo=TZ)
    assert pair_minutes(check_in, check_out) == 240


# Absences, open pairs and days outside the authorization --------------------------------------


def test_an_absence_is_listed_with_its_reason_and_no_units():
    result, c = one(child(pairs=[pair(MON, "08:00", "12:00")], absences={TUE: "sick"}))
    assert [(d.date, d.units, d.absence_reason) for d in c.days] == [
        (MON, 1, None),
        (TUE, 0, "sick"),
    ]
    assert result.errors == []


def test_a_child_still_here_today_is_no_error_yet_and_earns_when_checked_out():
    result, c = one(child(pairs=[pair(MON, "08:00", None, pk=5)]), today=MON)
    assert result.errors == [] and c.days[0].units == 0
    assert c.days[0].pairs == [("08:00", None)]


def test_days_outside_the_authorization_are_listed_with_an_error_and_earn_nothing():
    record = child(
        start=date(2026, 10, 6),
        end=date(2026, 10, 16),
        pairs=[pair(MON, "08:00", "12:00"), pair(TUE, "08:00", "12:00")],
        absences={date(2026, 10, 17): "vacation"},
    )
    result, c = one(record)
    assert [(d.date, d.units) for d in c.days] == [(MON, 0), (TUE, 1), (date(2026, 10, 17), 0)]
    assert codes(result) == [
        ("outside_authorization", "c1", MON),
        ("outside_authorization", "c1", date(2026, 10, 17)),
    ]
    assert c.units_attended == 1


def test_a_renewal_inside_the_period_keeps_both_authorizations_days():
    record = child(
        start=date(2026, 10, 6),
        end=date(2027, 3, 31),
        also_authorized=((date(2026, 4, 1), date(2026, 10, 5)),),
        pairs=[pair(MON, "08:00", "12:00"), pair(TUE, "08:00", "12:00")],
    )
    result, c = one(record)
    assert result.errors == [] and c.units_attended == 2


# Capping by authorization ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorized, attended, billable, over",
    [(20, 4, 4, False), (4, 4, 4, False), (3, 4, 3, True), (1, 4, 1, True)],
)
def test_billable_units_are_capped_by_the_authorization(authorized, attended, billable, over):
    days = [MON, TUE, WED, date(2026, 10, 8)]
    record = child(units_per_period=authorized, pairs=[pair(d, "08:00", "12:00") for d in days])
    result, c = one(record)
    assert (c.units_attended, c.units_authorized, c.units_billable) == (
        attended,
        authorized,
        billable,
    )
    assert (("over_authorization", "c1", None) in codes(result)) is over
    assert c.state_amount == D("19.50") * billable - c.family_fee


# Age groups and rates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "birth, override, group",
    [
        (date(2023, 10, 5), "", "infant_toddler"),  # 35 months on Oct 4, 2026
        (date(2023, 10, 4), "", "preschool"),  # 36 months that day
        (date(2020, 10, 5), "", "preschool"),  # 71 months
        (date(2020, 10, 4), "", "school_age"),  # 72 months
        (date(2020, 10, 4), "preschool", "preschool"),  # the child's record overrides it
    ],
)
def test_the_age_group_is_taken_on_the_periods_first_day(birth, override, group):
    assert age_group(birth, PERIOD.start, override) == group


@pytest.mark.parametrize(
    "private, special, table, state",
    [
        ("22.00", False, "19.50", "19.50"),  # the table rate is lower
        ("18.00", False, "19.50", "18.00"),  # the private rate is lower
        ("40.00", True, "30.43", "30.43"),  # special needs
    ],
)
def test_the_state_rate_is_the_lesser_of_private_and_table_rate(private, special, table, state):
    _, c = one(
        child(private_rate=D(private), special_needs=special, pairs=[pair(MON, "8:00", "9:00")])
    )
    assert (c.table_rate, c.state_rate) == (D(table), D(state))


def test_without_a_special_needs_rate_the_basic_rate_applies():
    home = {k: v for k, v in RATES.items() if not k[1]}
    _, c = one(child(special_needs=True, pairs=[pair(MON, "8:00", "9:00")]), rates=home)
    assert c.table_rate == D("19.50")


# The family fee -------------------------------------------------------------------------------


def test_the_family_fee_is_charged_on_the_child_with_the_most_units_only():
    older = child("ann", family=1, birth_date=date(2021, 1, 1), pairs=[pair(MON, "8:00", "12:00")])
    younger = child(
        "bo",
        family=1,
        birth_date=date(2024, 1, 1),
        pairs=[pair(d, "8:00", "12:00") for d in (MON, TUE, WED)],
    )
    result = compute_period(rules(), [older, younger])
    fees = {c.record.key: (c.fee_per_unit, c.family_fee) for c in result.children}
    # Two children with an authorization: level B is 0.45 a unit, on Bo's 3 units.
    assert fees == {"ann": (D("0.00"), D("0.00")), "bo": (D("0.45"), D("1.35"))}
    bo = next(c for c in result.children if c.record.key == "bo")
    assert bo.state_amount == D("22.00") * 3 - D("1.35")  # private rate < the infant rate


def test_a_tie_on_units_charges_the_fee_on_the_oldest_child():
    older = child("ann", family=1, birth_date=date(2021, 1, 1), pairs=[pair(MON, "8:00", "9:00")])
    younger = child("bo", family=1, birth_date=date(2022, 1, 1), pairs=[pair(MON, "8:00", "9:00")])
    result = compute_period(rules(), [younger, older])
    assert [(c.record.key, c.family_fee) for c in result.children] == [
        ("ann", D("0.45")),
        ("bo", D("0.00")),
    ]


@pytest.mark.parametrize(
    "level, children, per_unit",
    [
        ("A", 1, "0.00"),
        ("A", 3, "0.00"),
        ("B", 1, "0.20"),
        ("B", 2, "0.45"),
        ("B", 3, "0.70"),
        ("B", 4, "0.70"),
        ("AA", 1, "6.45"),
        ("AA", 5, "6.95"),
    ],
)
def test_the_fee_per_unit_follows_the_level_and_the_number_of_children(level, children, per_unit):
    records = [
        child(
            f"k{n}",
            family=1,
            fee_level=level,
            birth_date=date(2021, 1, 1 + n),
            pairs=[pair(MON, "8:00", "9:00")] if n == 0 else [],
        )
        for n in range(children)
    ]
    result = compute_period(rules(), records)
    payer = next(c for c in result.children if c.pays_family_fee)
    assert payer.fee_per_unit == D(per_unit)


def test_families_are_charged_separately():
    result = compute_period(
        rules(),
        [
            child("ann", family=1, pairs=[pair(MON, "8:00", "9:00")]),
            child("cy", family=2, fee_level="C", pairs=[pair(MON, "8:00", "9:00")]),
        ],
    )
    assert sorted(c.family_fee for c in result.children) == [D("0.20"), D("0.45")]


def test_the_state_pays_nothing_below_zero_when_the_fee_is_larger():
    _, c = one(child(fee_level="AA", private_rate=D("5.00"), pairs=[pair(MON, "8:00", "9:00")]))
    assert (c.family_fee, c.state_amount) == (D("6.45"), D("0.00"))


def test_a_missing_fee_level_stops_the_submission_but_is_not_a_feed_error():
    result, c = one(child(fee_level="", pairs=[pair(MON, "8:00", "9:00")]))
    assert result.errors == [] and c.family_fee == D("0.00")
    assert [p.code for p in result.problems] == ["missing_fee_level"]
    assert not result.submittable


# The difference agreement ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "signed, difference",
    [
        (None, "0.00"),
        (date(2026, 9, 1), "5.00"),  # signed before the period: (22.00 - 19.50) x 2 units
        (date(2026, 10, 4), "5.00"),  # signed on the period's first day still counts
        (date(2026, 10, 5), "0.00"),  # signed during the period: not for this one
    ],
)
def test_the_difference_is_owed_only_under_an_agreement_signed_before_care(signed, difference):
    record = child(
        difference_agreement_signed_on=signed,
        pairs=[pair(MON, "8:00", "12:00"), pair(TUE, "8:00", "12:00")],
    )
    _, c = one(record)
    assert c.family_difference == D(difference)


def test_no_difference_when_the_private_rate_is_below_the_table():
    record = child(
        private_rate=D("18.00"),
        difference_agreement_signed_on=date(2026, 1, 1),
        pairs=[pair(MON, "8:00", "12:00")],
    )
    assert one(record)[1].family_difference == D("0.00")


def test_money_rounds_half_up_to_cents_after_each_multiplication():
    fees = {"B": (D("0.125"), D("0.45"), D("0.70"))}
    record = child(pairs=[pair(MON, "8:00", "12:00")])
    _, c = one(record, fees=fees)
    assert c.family_fee == D("0.13")  # 0.125 x 1, half up
    assert c.state_amount == D("19.37")


# Errors ---------------------------------------------------------------------------------------


def test_a_missing_check_out_is_an_error_and_the_day_earns_nothing_until_corrected():
    record = child(pairs=[pair(MON, "07:45", None, pk=11), pair(TUE, "08:00", "12:00")])
    result, c = one(record)
    assert [(e.code, e.date, e.message, e.presence_id) for e in result.errors] == [
        (ErrorCode.MISSING_CHECK_OUT, MON, "Check-in at 07:45 has no check-out", 11)
    ]
    assert [(d.date, d.units) for d in c.days] == [(MON, 0), (TUE, 1)]
    assert not result.submittable


def test_overlapping_pairs_are_an_error_and_the_day_earns_nothing():
    record = child(pairs=[pair(MON, "07:30", "12:00", pk=1), pair(MON, "11:00", "15:00", pk=2)])
    result, c = one(record)
    assert [(e.code, e.message, e.presence_id) for e in result.errors] == [
        (ErrorCode.OVERLAPPING_PAIRS, "Pairs 07:30–12:00 and 11:00–15:00 overlap", 2)
    ]
    assert c.days[0].units == 0 and c.days[0].minutes == 510


def test_pairs_that_touch_do_not_overlap():
    record = child(pairs=[pair(MON, "07:30", "12:00"), pair(MON, "12:00", "15:00")])
    result, c = one(record)
    assert result.errors == [] and c.days[0].units == 2


def test_a_pair_inside_a_long_one_overlaps():
    record = child(
        pairs=[
            pair(MON, "07:00", "17:00"),
            pair(MON, "08:00", "09:00"),
            pair(MON, "10:00", "11:00"),
        ]
    )
    assert codes(one(record)[0]) == [("overlapping_pairs", "c1", MON)]


@pytest.mark.parametrize("ktid", ["", "12345", "1234567", "12a456"])
def test_a_child_without_a_six_digit_kindertrack_id_is_an_error(ktid):
    result, _ = one(child(kindertrack_child_id=ktid))
    assert codes(result) == [("missing_child_id", "c1", None)]
    assert not result.submittable


@pytest.mark.parametrize("provider_id", ["", "1234", "123456"])
def test_a_provider_without_a_five_digit_kindertrack_id_is_an_error(provider_id):
    result, _ = one(child(), kindertrack_provider_id=provider_id)
    assert codes(result) == [("missing_provider_id", None, None)]
    assert result.errors[0].message == "The provider has no 5-digit KinderTrack provider ID"


@pytest.mark.parametrize(
    "code, blocking",
    [
        (ErrorCode.MISSING_CHECK_OUT, True),
        (ErrorCode.OVERLAPPING_PAIRS, True),
        (ErrorCode.MISSING_CHILD_ID, True),
        (ErrorCode.MISSING_PROVIDER_ID, True),
        (ErrorCode.OUTSIDE_AUTHORIZATION, False),
        (ErrorCode.OVER_AUTHORIZATION, False),
    ],
)
def test_which_errors_stop_a_submission(code, blocking):
    from ccms.subsidy.units import FeedError

    assert FeedError(code, "x").blocking is blocking


def test_children_are_sorted_by_last_then_first_name_and_errors_follow_them():
    result = compute_period(
        rules(),
        [
            child("zed", last_name="Adams", kindertrack_child_id=""),
            child("amy", last_name="Young", pairs=[pair(TUE, "9:00", None)]),
            child("bea", last_name="Adams", pairs=[pair(MON, "9:00", None)]),
        ],
    )
    assert [c.record.key for c in result.children] == ["bea", "zed", "amy"]
    assert codes(result) == [
        ("missing_check_out", "bea", MON),
        ("missing_child_id", "zed", None),
        ("missing_check_out", "amy", TUE),
    ]


def test_only_the_periods_days_are_counted():
    record = child(pairs=[pair(date(2026, 10, 3), "8:00", "12:00"), pair(MON, "8:00", "12:00")])
    _, c = one(record)
    assert [d.date for d in c.days] == [MON]
