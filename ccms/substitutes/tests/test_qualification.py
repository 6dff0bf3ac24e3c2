"""Who qualifies for a request: active, every required credential valid on the day, and not booked
on an overlapping shift. Table-driven on unsaved rows: the rules need no database."""

from datetime import date, time
from decimal import Decimal

import pytest

from ccms.substitutes.models import CoverRequest, CoverStatus, Credential, Substitute
from ccms.substitutes.queries import qualification_problems
from ccms.tenancy.models import Classroom, Provider

DAY = date(2026, 3, 10)
CHICAGO = Provider(pk=1, name="Sunrise", timezone="America/Chicago")
DENVER = Provider(pk=2, name="Mountain Kids", timezone="America/Denver")


def cover(start=(9, 0), end=(15, 0), *, provider=CHICAGO, pk=100, day=DAY):
    return CoverRequest(
        pk=pk,
        provider=provider,
        classroom=Classroom(name="Toddlers"),
        date=day,
        start=time(*start),
        end=time(*end),
        required_kinds=["cpr", "record_check"],
        status=CoverStatus.FILLED,
    )


def credential(kind, issued=date(2025, 1, 1), expires=date(2027, 1, 1)):
    return Credential(kind=kind, issued_on=issued, expires_on=expires)


HELD = [credential("cpr"), credential("record_check")]

CASES = [
    # (name, active, credentials, bookings, expected problem or None)
    ("holds everything", True, HELD, [], None),
    ("inactive", False, HELD, [], "not active"),
    ("missing a credential", True, [credential("cpr")], [], "No Record check"),
    (
        "expired the day before",
        True,
        [credential("cpr", expires=date(2026, 3, 9)), credential("record_check")],
        [],
        "CPR (infant, child and adult) expired on Mar 9, 2026",
    ),
    (
        "expires on the day itself",
        True,
        [credential("cpr", expires=DAY), credential("record_check")],
        [],
        None,
    ),
    (
        "no expiry date",
        True,
        [credential("cpr", expires=None), credential("record_check", expires=None)],
        [],
        None,
    ),
    (
        "issued after the day",
        True,
        [credential("cpr", issued=date(2026, 3, 11)), credential("record_check")],
        [],
        "not valid until Mar 11, 2026",
    ),
    ("overlapping booking", True, HELD, [cover((14, 0), (18, 0), pk=7)], "Already booked"),
    ("booking ending as this starts", True, HELD, [cover((6, 0), (9, 0), pk=7)], None),
    ("booking the day before", True, HELD, [cover(pk=7, day=date(2026, 3, 9))], None),
    (
        # 8:00 in Denver is 9:00 in Chicago: the shifts overlap by an hour.
        "overlap across time zones",
        True,
        HELD,
        [cover((7, 0), (8, 30), provider=DENVER, pk=7)],
        "Already booked at Mountain Kids",
    ),
    ("the request itself is no clash", True, HELD, [cover()], None),
]


@pytest.mark.parametrize(
    ("active", "credentials", "bookings", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_qualification_rules(active, credentials, bookings, expected):
    substitute = Substitute(name="Jordan", is_active=active, hourly_rate=Decimal("20"))
    problems = qualification_problems(
        substitute, cover(), credentials=credentials, bookings=bookings
    )
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems


def test_a_cancelled_booking_is_no_clash():
    cancelled = cover((9, 0), (15, 0), pk=7)
    cancelled.status = CoverStatus.CANCELLED
    substitute = Substitute(name="Jordan", is_active=True, hourly_rate=Decimal("20"))
    assert qualification_problems(substitute, cover(), credentials=HELD, bookings=[cancelled]) == []
