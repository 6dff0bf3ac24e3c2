"""The CCA unit and amount rules of the feed spec (specs/cca-attendance-feed.md), in one place.

Everything here is plain computation on values handed in: `queries.period_result` loads a
provider's rows and calls `compute_period`, and the tests call it with hand-made values. Nothing
else in the code base counts units or prices them.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils import timezone

from ccms.core.dates import age_in_months
from ccms.core.money import to_cents
from ccms.subsidy.periods import Period

MINUTES_PER_UNIT = 300
ZERO = Decimal("0.00")


class ErrorCode(StrEnum):
    MISSING_CHECK_OUT = "missing_check_out"
    OVERLAPPING_PAIRS = "overlapping_pairs"
    OUTSIDE_AUTHORIZATION = "outside_authorization"
    OVER_AUTHORIZATION = "over_authorization"
    MISSING_CHILD_ID = "missing_child_id"
    MISSING_PROVIDER_ID = "missing_provider_id"


# Errors that stop a period from being submitted: the state cannot match or count such records.
# The others are listed in the feed and cost units (a day outside the authorization, units above
# it), which is what the state would do with them anyway.
BLOCKING = frozenset(
    {
        ErrorCode.MISSING_CHECK_OUT,
        ErrorCode.OVERLAPPING_PAIRS,
        ErrorCode.MISSING_CHILD_ID,
        ErrorCode.MISSING_PROVIDER_ID,
    }
)


class AgeGroup(StrEnum):
    INFANT_TODDLER = "infant_toddler"
    PRESCHOOL = "preschool"
    SCHOOL_AGE = "school_age"


AGE_GROUP_LABELS = {
    AgeGroup.INFANT_TODDLER: "Infant / toddler",
    AgeGroup.PRESCHOOL: "Preschool",
    AgeGroup.SCHOOL_AGE: "School age",
}


# Inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """One check-in/check-out pair on its service day; `check_out` is None while open."""

    service_date: date
    check_in: datetime
    check_out: datetime | None
    presence_id: int | None = None


@dataclass(frozen=True)
class Terms:
    """The child's CCA authorization as it applies to the period."""

    start: date
    end: date
    units_per_period: int
    private_rate: Decimal
    special_needs: bool = False
    age_group_override: str = ""
    fee_level: str = ""
    difference_agreement_signed_on: date | None = None
    authorization_id: int | None = None
    # Further authorizations of the child that overlap the period (a renewal starting inside
    # it): their days count as authorized too.
    also_authorized: tuple[tuple[date, date], ...] = ()

    def covers(self, day: date) -> bool:
        ranges = ((self.start, self.end), *self.also_authorized)
        return any(start <= day <= end for start, end in ranges)


@dataclass(frozen=True)
class ChildRecord:
    key: str
    first_name: str
    last_name: str
    birth_date: date
    family_id: int | str
    kindertrack_child_id: str
    terms: Terms
    pairs: tuple[Pair, ...] = ()
    absences: dict[date, str] = field(default_factory=dict)
    child_id: int | None = None


@dataclass(frozen=True)
class Rules:
    """What is in force for the provider on the period's first day."""

    provider_key: str
    kindertrack_provider_id: str
    period: Period
    tz: tzinfo
    # (age group, special needs) -> the table rate for the provider's type and IQ4K level
    rates: dict[tuple[str, bool], Decimal]
    # fee level -> fee per unit for 1, 2, 3+ children of the family with an authorization
    fees: dict[str, tuple[Decimal, Decimal, Decimal]]
    max_units_per_day: int = 2
    # Days before this one are over: an open pair on them is a missing check-out. An open pair
    # today is a child still in care.
    today: date | None = None


# Results ------------------------------------------------------------------------------------


@dataclass
class Day:
    date: date
    pairs: list[tuple[str, str | None]]
    minutes: int
    units: int
    absence_reason: str | None
    presence_ids: list[int] = field(default_factory=list)
    authorized: bool = True
    has_error: bool = False


@dataclass
class FeedError:
    code: ErrorCode
    message: str
    child_key: str | None = None
    date: date | None = None
    child_id: int | None = None
    presence_id: int | None = None
    authorization_id: int | None = None

    @property
    def blocking(self) -> bool:
        return self.code in BLOCKING


@dataclass
class Problem:
    """Something outside the feed's error codes that still stops a submission."""

    code: str
    message: str
    child_id: int | None = None
    family_id: int | str | None = None
    authorization_id: int | None = None


@dataclass
class ChildResult:
    record: ChildRecord
    age_group: str
    days: list[Day]
    units_attended: int
    units_billable: int
    table_rate: Decimal
    state_rate: Decimal
    fee_per_unit: Decimal = ZERO
    family_fee: Decimal = ZERO
    state_amount: Decimal = ZERO
    family_difference: Decimal = ZERO
    pays_family_fee: bool = False

    @property
    def age_group_label(self) -> str:
        return AGE_GROUP_LABELS.get(self.age_group, self.age_group)

    @property
    def units_authorized(self) -> int:
        return self.record.terms.units_per_period

    @property
    def private_rate(self) -> Decimal:
        return self.record.terms.private_rate

    @property
    def absence_days(self) -> int:
        return sum(1 for day in self.days if day.absence_reason)


@dataclass
class PeriodResult:
    rules: Rules
    children: list[ChildResult]
    errors: list[FeedError]
    problems: list[Problem] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return self.rules.period

    @property
    def blocking_errors(self) -> list[FeedError]:
        return [error for error in self.errors if error.blocking]

    @property
    def has_attendance(self) -> bool:
        """Whether any child has a day recorded (a pair or an absence) in the period."""
        return any(child.days for child in self.children)

    @property
    def submittable(self) -> bool:
        return self.has_attendance and not self.blocking_errors and not self.problems

    @property
    def units_billable(self) -> int:
        return sum(c.units_billable for c in self.children)

    @property
    def state_amount(self) -> Decimal:
        return sum((c.state_amount for c in self.children), ZERO)

    @property
    def family_fee(self) -> Decimal:
        return sum((c.family_fee for c in self.children), ZERO)

    @property
    def family_difference(self) -> Decimal:
        return sum((c.family_difference for c in self.children), ZERO)

    def errors_of(self, child: ChildResult) -> list[FeedError]:
        return [e for e in self.errors if e.child_key == child.record.key]


# The rules ----------------------------------------------------------------------------------


def day_units(minutes: int, max_units_per_day: int) -> int:
    """A half-day unit is a block of up to 5 hours; part of a block pays a whole unit."""
    return min(math.ceil(minutes / MINUTES_PER_UNIT), max_units_per_day)


def pair_minutes(check_in: datetime, check_out: datetime) -> int:
    """Whole minutes between the two clock readings as shown (HH:MM), across any clock change."""
    start = check_in.astimezone(UTC).replace(second=0, microsecond=0)
    end = check_out.astimezone(UTC).replace(second=0, microsecond=0)
    return int((end - start).total_seconds() // 60)


def projected_units(used: int, period: Period, today: date) -> int:
    """The units a child will have used by the period's end at the pace of its weekdays so
    far (today not counted: the day is not over)."""
    weekdays = [d for d in period.days if d.weekday() < 5]
    past = sum(1 for d in weekdays if d < today)
    if past == 0 or past >= len(weekdays):
        return used
    return math.ceil(used * len(weekdays) / past)


def age_group(birth_date: date, on: date, override: str = "") -> str:
    if override:
        return override
    months = age_in_months(birth_date, on)
    if months < 36:
        return AgeGroup.INFANT_TODDLER
    if months < 72:
        return AgeGroup.PRESCHOOL
    return AgeGroup.SCHOOL_AGE


def table_rate(rules: Rules, group: str, special_needs: bool) -> Decimal:
    rate = rules.rates.get((group, special_needs))
    if rate is None and special_needs:
        # The tables list special-needs rates only for some provider types; elsewhere the basic
        # rate applies until a table with one is loaded.
        rate = rules.rates.get((group, False))
    if rate is None:
        raise ValidationError(
            f"The CCA rate table in force on {rules.period.start:%Y-%m-%d} has no rate for "
            f"{group.replace('_', ' ')} children at this provider; add a rate table that has one."
        )
    return rate


def fee_per_unit(rules: Rules, level: str, children: int) -> Decimal:
    row = rules.fees.get(level)
    if row is None:
        return ZERO
    return row[min(children, 3) - 1]


def compute_period(rules: Rules, records: list[ChildRecord]) -> PeriodResult:
    """Units and amounts of every child with an authorization overlapping the period."""
    errors: list[FeedError] = []
    problems: list[Problem] = []
    if not re.fullmatch(r"\d{5}", rules.kindertrack_provider_id or ""):
        errors.append(
            FeedError(
                ErrorCode.MISSING_PROVIDER_ID,
                "The provider has no 5-digit KinderTrack provider ID",
            )
        )
    ordered = sorted(
        records, key=lambda r: (r.last_name.casefold(), r.first_name.casefold(), r.key)
    )
    children = []
    for record in ordered:
        result, child_errors = _child(rules, record)
        children.append(result)
        errors.extend(child_errors)
    problems.extend(_family_fees(rules, children))
    for child in children:
        _amounts(rules, child)
    return PeriodResult(rules, children, errors, problems)


def _child(rules: Rules, record: ChildRecord) -> tuple[ChildResult, list[FeedError]]:
    terms, period = record.terms, rules.period
    errors: list[FeedError] = []

    def error(code: ErrorCode, message: str, day: date | None = None, presence_id=None):
        errors.append(
            FeedError(
                code,
                message,
                child_key=record.key,
                date=day,
                child_id=record.child_id,
                presence_id=presence_id,
                authorization_id=terms.authorization_id,
            )
        )

    if not re.fullmatch(r"\d{6}", record.kindertrack_child_id or ""):
        error(ErrorCode.MISSING_CHILD_ID, "No 6-digit KinderTrack child ID")
    pairs_by_day: dict[date, list[Pair]] = defaultdict(list)
    for pair in record.pairs:
        if period.contains(pair.service_date):
            pairs_by_day[pair.service_date].append(pair)
    absences = {d: reason for d, reason in record.absences.items() if period.contains(d)}
    days = []
    for day in sorted(set(pairs_by_day) | set(absences)):
        pairs = sorted(pairs_by_day.get(day, []), key=lambda p: p.check_in)
        entry = Day(
            date=day,
            pairs=[
                (_clock(p.check_in, rules.tz), _clock_or_none(p.check_out, rules.tz)) for p in pairs
            ],
            minutes=0,
            units=0,
            absence_reason=None if pairs else absences.get(day),
            presence_ids=[p.presence_id for p in pairs if p.presence_id is not None],
            authorized=terms.covers(day),
        )
        closed = [p for p in pairs if p.check_out is not None]
        entry.minutes = sum(pair_minutes(p.check_in, p.check_out) for p in closed)
        for pair in pairs:
            over = rules.today is None or day < rules.today
            if pair.check_out is None and over:
                entry.has_error = True
                error(
                    ErrorCode.MISSING_CHECK_OUT,
                    f"Check-in at {_clock(pair.check_in, rules.tz)} has no check-out",
                    day,
                    pair.presence_id,
                )
        clash = _overlap(closed)
        if clash is not None:
            entry.has_error = True
            first, second = clash
            error(
                ErrorCode.OVERLAPPING_PAIRS,
                f"Pairs {_span(first, rules.tz)} and {_span(second, rules.tz)} overlap",
                day,
                second.presence_id,
            )
        if not entry.authorized:
            error(
                ErrorCode.OUTSIDE_AUTHORIZATION,
                f"{'Absent' if entry.absence_reason else 'In care'} on a day outside the "
                f"authorization ({terms.start:%Y-%m-%d} to {terms.end:%Y-%m-%d})",
                day,
            )
        if entry.authorized and not entry.has_error and not entry.absence_reason:
            entry.units = day_units(entry.minutes, rules.max_units_per_day)
        days.append(entry)
    attended = sum(day.units for day in days)
    if attended > terms.units_per_period:
        unpaid = attended - terms.units_per_period
        error(
            ErrorCode.OVER_AUTHORIZATION,
            f"{attended} units attended, {terms.units_per_period} authorized: {unpaid} "
            f"unit{'s' if unpaid != 1 else ''} will not be paid",
        )
    group = age_group(record.birth_date, period.start, terms.age_group_override)
    rate = table_rate(rules, group, terms.special_needs)
    result = ChildResult(
        record=record,
        age_group=group,
        days=days,
        units_attended=attended,
        units_billable=min(attended, terms.units_per_period),
        table_rate=rate,
        state_rate=min(terms.private_rate, rate),
    )
    child_level = [e for e in errors if e.date is None]
    return result, child_level + [e for e in errors if e.date is not None]


def _family_fees(rules: Rules, children: list[ChildResult]) -> list[Problem]:
    """The fee is charged on the family's child with the most billable units (ties: the
    oldest), at the rate for the number of the family's children with an authorization."""
    problems = []
    families: dict[int | str, list[ChildResult]] = defaultdict(list)
    for child in children:
        families[child.record.family_id].append(child)
    for members in families.values():
        payer = min(members, key=lambda c: (-c.units_billable, c.record.birth_date, c.record.key))
        level = payer.record.terms.fee_level
        if not level:
            problems.append(
                Problem(
                    "missing_fee_level",
                    f"{payer.record.first_name} {payer.record.last_name}'s family has no CCA fee "
                    "level; set it on the family or on the authorization",
                    child_id=payer.record.child_id,
                    family_id=payer.record.family_id,
                    authorization_id=payer.record.terms.authorization_id,
                )
            )
        payer.pays_family_fee = True
        payer.fee_per_unit = fee_per_unit(rules, level, len(members))
        payer.family_fee = to_cents(payer.fee_per_unit * payer.units_billable)
    return problems


def _amounts(rules: Rules, child: ChildResult) -> None:
    terms, units = child.record.terms, child.units_billable
    child.state_amount = max(ZERO, to_cents(child.state_rate * units) - child.family_fee)
    signed = terms.difference_agreement_signed_on
    if signed is not None and signed <= rules.period.start:
        child.family_difference = to_cents((terms.private_rate - child.state_rate) * units)
    else:
        child.family_difference = ZERO


def _overlap(closed: list[Pair]) -> tuple[Pair, Pair] | None:
    """The first two pairs of a day that share a moment, in check-in order."""
    latest: Pair | None = None
    for pair in closed:
        if latest is not None and pair.check_in < latest.check_out:
            return latest, pair
        if latest is None or pair.check_out > latest.check_out:
            latest = pair
    return None


def _clock(moment: datetime, tz: tzinfo) -> str:
    return f"{timezone.localtime(moment, tz):%H:%M}"


def _clock_or_none(moment: datetime | None, tz: tzinfo) -> str | None:
    return None if moment is None else _clock(moment, tz)


def _span(pair: Pair, tz: tzinfo) -> str:
    return f"{_clock(pair.check_in, tz)}–{_clock(pair.check_out, tz)}"
