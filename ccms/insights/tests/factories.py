"""Small hand-made months for the metrics tests: rows built in memory, so each definition of the
spec is checked on a case one can compute by hand, without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ccms.insights.metrics import Cost, Entry, MonthRows, Placement, TargetValues
from ccms.tenancy.models import Classroom, Provider

OCTOBER = (2026, 10)  # 22 weekdays; the 1st is a Thursday
FAMILY, CCA, OTHER, FAMILY_2 = 1, 2, 3, 4
PAYER_OF_ACCOUNT = {FAMILY: "family", CCA: "cca", OTHER: "other", FAMILY_2: "family"}


def room(pk: int, min_age: int = 36, licensed: int = 10, staffed: int | None = None, key=None):
    return Classroom(
        pk=pk,
        provider_id=1,
        key=key or f"room-{pk}",
        name=f"Room {pk}",
        min_age_months=min_age,
        max_age_months=min_age + 11,
        licensed_capacity=licensed,
        staffed_capacity=staffed,
    )


def placement(room_id: int, start: date, end: date | None = None, fte="1.00", child=None):
    return Placement(room_id * 100 if child is None else child, room_id, start, end, Decimal(fte))


_next_pk = [1000]


def entry(account, kind, on, amount, *, child=None, reverses=None, applies_to=None, pk=None):
    if pk is None:
        _next_pk[0] += 1
        pk = _next_pk[0]
    return Entry(pk, account, child, kind, on, Decimal(amount), reverses, applies_to)


def charge(account, on, amount, **kw):
    return entry(account, "charge", on, amount, **kw)


def payment(account, on, amount, **kw):
    return entry(account, "payment", on, amount, **kw)


def cost(category, amount, classroom=None):
    return Cost(category, classroom, Decimal(amount))


def month_rows(
    *,
    month=OCTOBER,
    as_of=date(2026, 11, 29),
    rooms=None,
    closures=(),
    placements=(),
    entries=(),
    costs=(),
    targets=None,
) -> MonthRows:
    import calendar

    year, number = month
    rooms = list(rooms if rooms is not None else [room(1)])
    return MonthRows(
        provider=Provider(pk=1, slug="sunrise", alliance_id=1),
        first=date(year, number, 1),
        last=date(year, number, calendar.monthrange(year, number)[1]),
        as_of=as_of,
        rooms=rooms,
        staffed={
            r.pk: min(r.staffed_capacity or r.licensed_capacity, r.licensed_capacity) for r in rooms
        },
        closures=list(closures),
        placements=list(placements),
        payer_of_account=dict(PAYER_OF_ACCOUNT),
        entries=list(entries),
        costs=list(costs),
        targets=targets or TargetValues(),
    )
