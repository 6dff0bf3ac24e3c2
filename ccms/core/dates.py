"""Dates and time zones: service days are local dates in the provider's time zone."""

import calendar
from datetime import date, timedelta

from django.utils import timezone


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_in_months(birth_date: date, on: date) -> int:
    months = (on.year - birth_date.year) * 12 + on.month - birth_date.month
    if on.day < birth_date.day:
        months -= 1
    return months


def provider_today(provider) -> date:
    """Today's service day where the provider is."""
    return timezone.localtime(timezone.now(), provider.tz).date()


def week_starts(first: date, weeks: int) -> list[date]:
    """The Monday of `first`'s week and the `weeks` Mondays after it."""
    monday = first - timedelta(days=first.weekday())
    return [monday + timedelta(weeks=n) for n in range(weeks + 1)]
