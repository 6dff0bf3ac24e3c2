"""CCA billing periods: biweekly periods step 14 days from the provider's anchor; monthly periods
are calendar months. A period is named by its first day."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError

from ccms.tenancy.models import BillingPeriod, Provider

BIWEEKLY_DAYS = 14


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    kind: str

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def slug(self) -> str:
        """How URLs and the command line name the period: its first day."""
        return self.start.isoformat()

    @property
    def label(self) -> str:
        if self.kind == BillingPeriod.MONTHLY:
            return f"{self.start:%B %Y}"
        if self.start.year == self.end.year:
            return f"{self.start:%b %-d} – {self.end:%b %-d, %Y}"
        return f"{self.start:%b %-d, %Y} – {self.end:%b %-d, %Y}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _month(start: date) -> Period:
    last = calendar.monthrange(start.year, start.month)[1]
    return Period(start, start.replace(day=last), BillingPeriod.MONTHLY)


def _fortnight(start: date) -> Period:
    return Period(start, start + timedelta(days=BIWEEKLY_DAYS - 1), BillingPeriod.BIWEEKLY)


def period_containing(provider: Provider, day: date) -> Period:
    """The provider's billing period that holds `day`."""
    if provider.cca_billing_period == BillingPeriod.MONTHLY:
        return _month(day.replace(day=1))
    anchor = _anchor(provider)
    steps = (day - anchor).days // BIWEEKLY_DAYS
    return _fortnight(anchor + timedelta(days=steps * BIWEEKLY_DAYS))


def following(provider: Provider, period: Period) -> Period:
    return period_containing(provider, period.end + timedelta(days=1))


def preceding(provider: Provider, period: Period) -> Period:
    return period_containing(provider, period.start - timedelta(days=1))


def period_starting(provider: Provider, start: date) -> Period:
    """The period that begins on `start`; any other day is refused with the nearest starts."""
    period = period_containing(provider, start)
    if period.start == start:
        return period
    later = following(provider, period).start
    if provider.cca_billing_period == BillingPeriod.MONTHLY:
        rule = "monthly periods start on the first of a month"
    else:
        rule = (
            f"biweekly periods start every 14 days from {_anchor(provider):%Y-%m-%d}, the "
            "provider's period anchor"
        )
    raise ValidationError(
        f"{start:%Y-%m-%d} is not the first day of a billing period of {provider.name} "
        f"({rule}); the nearest period starts are {period.start:%Y-%m-%d} and {later:%Y-%m-%d}."
    )


def parse_period(provider: Provider, text: str) -> Period:
    """A period named by its first day, YYYY-MM-DD, as URLs and the command line give it."""
    try:
        start = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValidationError(
            f"“{text}” is not a date; name a billing period by its first day, YYYY-MM-DD."
        ) from None
    return period_starting(provider, start)


def recent_periods(provider: Provider, today: date, count: int) -> list[Period]:
    """The period holding today and the `count - 1` before it, newest first."""
    periods = [period_containing(provider, today)]
    while len(periods) < count:
        periods.append(preceding(provider, periods[-1]))
    return periods


def _anchor(provider: Provider) -> date:
    anchor = provider.cca_period_anchor
    # A provider built in memory (not loaded) still holds the field's string default.
    return date.fromisoformat(anchor) if isinstance(anchor, str) else anchor


def add_business_days(day: date, count: int) -> date:
    """`count` weekdays after `day` (the state pays within 10 business days of a correct bill)."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day
