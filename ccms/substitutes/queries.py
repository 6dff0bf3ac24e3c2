"""Reads of the substitute pool: who qualifies for a request, the requests a substitute may
accept, a substitute's shifts, and the pool with its credentials' expiry.

Qualified = active, holding every required credential valid on the day, and not booked on
another shift that overlaps."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from ccms.substitutes.models import (
    EXPIRY_WARNING_DAYS,
    CoverRequest,
    CoverStatus,
    Credential,
    CredentialKind,
    Substitute,
)
from ccms.tenancy.models import Alliance, Provider, User

BOOKED = (CoverStatus.FILLED, CoverStatus.COMPLETED)
KIND_LABELS = dict(CredentialKind.choices)


def qualification_problems(
    substitute: Substitute,
    cover: CoverRequest,
    *,
    credentials: Iterable[Credential],
    bookings: Iterable[CoverRequest],
) -> list[str]:
    """Why `substitute` may not take `cover`, in words; empty when they qualify."""
    problems = []
    if not substitute.is_active:
        problems.append(f"{substitute.name} is not active in the pool.")
    held = {c.kind: c for c in credentials}
    for kind in cover.required_kinds:
        label = KIND_LABELS.get(kind, kind)
        credential = held.get(kind)
        if credential is None:
            problems.append(f"No {label} on file.")
        elif credential.expires_on is not None and credential.expires_on < cover.date:
            problems.append(f"{label} expired on {day_label(credential.expires_on)}.")
        elif not credential.valid_on(cover.date):
            problems.append(f"{label} is not valid until {day_label(credential.issued_on)}.")
    for shift in bookings:
        if shift.pk != cover.pk and shift.status in BOOKED and shift.overlaps(cover):
            problems.append(
                f"Already booked at {shift.provider.name} from "
                f"{clock(shift.start)} to {clock(shift.end)}."
            )
    return problems


def day_label(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def clock(moment: time) -> str:
    """7:30 a.m., as the pages and e-mails write a time."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'a.m.' if moment.hour < 12 else 'p.m.'}"


def _bookings(substitute_ids: list[int], days: set[date]) -> dict[int, list[CoverRequest]]:
    """Each substitute's shifts near the days (a day either side: time zones differ)."""
    if not substitute_ids or not days:
        return {}
    near = {d + timedelta(days=n) for d in days for n in (-1, 0, 1)}
    rows = CoverRequest.objects.filter(
        accepted_by_id__in=substitute_ids, status__in=BOOKED, date__in=near
    ).select_related("provider")
    found: dict[int, list[CoverRequest]] = defaultdict(list)
    for row in rows:
        found[row.accepted_by_id].append(row)
    return found


def problems_for(substitute: Substitute, cover: CoverRequest) -> list[str]:
    credentials = list(substitute.credentials.all())
    bookings = _bookings([substitute.pk], {cover.date}).get(substitute.pk, [])
    return qualification_problems(substitute, cover, credentials=credentials, bookings=bookings)


def qualified_substitutes(cover: CoverRequest) -> list[Substitute]:
    """The active substitutes of the provider's alliance who may take `cover`."""
    pool = list(
        Substitute.objects.filter(alliance_id=cover.provider.alliance_id, is_active=True)
        .select_related("user")
        .prefetch_related("credentials")
    )
    bookings = _bookings([s.pk for s in pool], {cover.date})
    return [
        s
        for s in pool
        if not qualification_problems(
            s, cover, credentials=s.credentials.all(), bookings=bookings.get(s.pk, [])
        )
    ]


def upcoming_open(alliance: Alliance, now: datetime | None = None) -> list[CoverRequest]:
    """Open requests of the alliance's members that have not ended yet, soonest first."""
    now = now or timezone.now()
    rows = (
        CoverRequest.objects.filter(
            provider__alliance=alliance,
            status=CoverStatus.OPEN,
            date__gte=(now - timedelta(days=1)).date(),
        )
        .select_related("provider", "classroom__site")
        .order_by("date", "start", "pk")
    )
    return [r for r in rows if r.ends_at > now]


def open_requests_for(substitute: Substitute, now: datetime | None = None) -> list[CoverRequest]:
    """The open requests `substitute` qualifies for."""
    if not substitute.is_active:
        return []
    rows = upcoming_open(substitute.alliance, now)
    credentials = list(substitute.credentials.all())
    bookings = _bookings([substitute.pk], {r.date for r in rows}).get(substitute.pk, [])
    return [
        r
        for r in rows
        if not qualification_problems(substitute, r, credentials=credentials, bookings=bookings)
    ]


def shifts_of(substitute: Substitute) -> QuerySet[CoverRequest]:
    return (
        CoverRequest.objects.filter(accepted_by=substitute)
        .exclude(status=CoverStatus.OPEN)
        .select_related("provider", "classroom__site")
        .order_by("-date", "-start")
    )


def substitute_of(user: User, alliance: Alliance) -> Substitute:
    """The signed-in substitute's own record in the alliance's pool (404 without one)."""
    found = Substitute.objects.filter(alliance=alliance, user=user).first()
    if found is None:
        raise Http404("You are not in this alliance's substitute pool.")
    return found


# The pool, for the hub ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialState:
    credential: Credential
    state: str  # ok, expiring or expired
    label: str


def credential_state(credential: Credential, today: date) -> CredentialState:
    expires = credential.expires_on
    if expires is None:
        return CredentialState(credential, "ok", "No expiry")
    when = day_label(expires)
    if expires < today:
        return CredentialState(credential, "expired", f"Expired {when}")
    if expires <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return CredentialState(credential, "expiring", f"Expires {when}")
    return CredentialState(credential, "ok", f"Until {when}")


@dataclass(frozen=True)
class PoolRow:
    substitute: Substitute
    credentials: list[CredentialState]
    upcoming: int

    @property
    def warnings(self) -> int:
        return sum(1 for c in self.credentials if c.state != "ok")


def pool(alliance: Alliance, today: date) -> list[PoolRow]:
    substitutes = Substitute.objects.filter(alliance=alliance).prefetch_related(
        Prefetch("credentials", queryset=Credential.objects.order_by("kind"))
    )
    upcoming: dict[int, int] = defaultdict(int)
    for sub_id in CoverRequest.objects.filter(
        provider__alliance=alliance, status=CoverStatus.FILLED, date__gte=today
    ).values_list("accepted_by_id", flat=True):
        upcoming[sub_id] += 1
    return [
        PoolRow(s, [credential_state(c, today) for c in s.credentials.all()], upcoming[s.pk])
        for s in substitutes
    ]


def pool_summary(rows: list[PoolRow]) -> dict[str, int]:
    states = [c.state for row in rows if row.substitute.is_active for c in row.credentials]
    return {
        "active": sum(1 for row in rows if row.substitute.is_active),
        "expiring": states.count("expiring"),
        "expired": states.count("expired"),
    }


def alliance_requests(alliance: Alliance, status: str = "") -> QuerySet[CoverRequest]:
    """Every member's requests (a named cross-provider read for the hub), newest day first."""
    rows = CoverRequest.objects.filter(provider__alliance=alliance)
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("provider", "classroom", "accepted_by", "billed_entry").order_by(
        "-date", "-start"
    )


def provider_requests(provider: Provider) -> QuerySet[CoverRequest]:
    return (
        CoverRequest.objects.filter(provider=provider)
        .select_related("classroom", "accepted_by", "billed_entry")
        .order_by("-date", "-start")
    )


def cover_of(provider: Provider, cover_id: int) -> CoverRequest:
    """A request named in the URL, of this provider only (404 alike for missing and not yours)."""
    found = (
        CoverRequest.objects.filter(provider=provider, pk=cover_id)
        .select_related("provider", "classroom__site", "accepted_by", "billed_entry")
        .first()
    )
    if found is None:
        raise Http404("No such cover request.")
    return found


def substitute_in(alliance: Alliance, substitute_id: int) -> Substitute:
    found = Substitute.objects.filter(alliance=alliance, pk=substitute_id).first()
    if found is None:
        raise Http404("No such substitute.")
    return found


def credential_in(substitute: Substitute, credential_id: int) -> Credential:
    found = Credential.objects.filter(substitute=substitute, pk=credential_id).first()
    if found is None:
        raise Http404("No such credential.")
    return found
