"""The demo's substitute pool: three substitutes (sub@prairie.demo signs in as one of them), their
credentials with one expiring soon and one expired, an open request at Sunrise tomorrow, a shift
booked later this week, and a shift last week completed and billed to Sunrise's hub account."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from django.utils import timezone

from ccms.alliance.members import membership_of
from ccms.alliance.models import AllianceMember
from ccms.core.services import save_audited
from ccms.substitutes import services
from ccms.substitutes.models import (
    BASELINE_KINDS,
    CoverRequest,
    CoverStatus,
    CredentialKind,
)
from ccms.tenancy.models import Alliance, Provider, User

# The alliance demo records the memberships; this date matches it.
JOINED = date(2025, 7, 1)
K = CredentialKind

# (e-mail, name, phone, rate, [(kind, number, issued days ago, expires in days or None)])
SUBSTITUTES = [
    (
        "sub@prairie.demo",
        "Jordan Ellis",
        "515-555-0142",
        "24.00",
        [
            (K.RECORD_CHECK, "RC-2291-04", 300, 1525),
            (K.MANDATORY_REPORTER, "MR-88213", 210, 885),
            (K.CPR, "AHA-557120", 120, 610),
            (K.FIRST_AID, "AHA-557121", 120, 610),
            (K.HEALTH_SAFETY, "ESS-30419", 400, 1425),
        ],
    ),
    (
        "maya.torres@prairie.demo",
        "Maya Torres",
        "515-555-0178",
        "26.50",
        [
            (K.RECORD_CHECK, "RC-1877-12", 500, 1325),
            (K.MANDATORY_REPORTER, "MR-70422", 500, 595),
            (K.CPR, "ARC-19920", 718, 12),
            (K.FIRST_AID, "ARC-19921", 718, 12),
            (K.SAFE_SLEEP, "SS-4410", 90, None),
            (K.CDA, "CDA-7731903", 900, 195),
        ],
    ),
    (
        "sam.okafor@prairie.demo",
        "Sam Okafor",
        "641-555-0119",
        "22.00",
        [
            (K.RECORD_CHECK, "RC-3302-07", 1000, 825),
            (K.MANDATORY_REPORTER, "MR-51007", 1115, -20),
            (K.CPR, "NSC-88410", 200, 530),
            (K.FIRST_AID, "NSC-88411", 200, 530),
        ],
    ),
]

# (provider, classroom, days from today (a weekday after tomorrow), from, to, credentials beyond
# the baseline, notes, director)
REQUESTS = {
    "sunrise": (
        "sunrise",
        "Toddlers",
        1,
        (7, 0),
        (12, 30),
        [],
        "Park in the east lot and ask for Dana at the front desk.",
        "director@sunrise.demo",
    ),
    "west": ("sunrise-west", "Preschool", 3, (12, 0), (17, 30), [], "", "director@sunrise.demo"),
    # Only Maya has safe sleep training: Jordan does not see this one.
    "infants": (
        "little-oaks",
        "Infants",
        2,
        (8, 0),
        (16, 0),
        [K.SAFE_SLEEP],
        "Infant room.",
        "director@littleoaks.demo",
    ),
    # Taken by Jordan.
    "booked": (
        "cedar-valley",
        "Preschool",
        2,
        (7, 0),
        (11, 30),
        [],
        "",
        "director@cedarvalley.demo",
    ),
}


def load_substitutes_demo(today: date) -> None:
    alliance = Alliance.objects.get(slug="prairie")
    director = User.objects.get(email="director@sunrise.demo")
    hub = User.objects.get(email="hub@prairie.demo")
    providers = {p.slug: p for p in Provider.objects.filter(alliance=alliance)}
    _ensure_members(alliance, providers.values(), today)
    pool = {}
    for email, name, phone, rate, credentials in SUBSTITUTES:
        substitute = services.add_substitute(
            alliance=alliance,
            name=name,
            email=email,
            phone=phone,
            hourly_rate=Decimal(rate),
            actor=hub,
        )
        for kind, number, issued_ago, expires_in in credentials:
            services.save_credential(
                substitute=substitute,
                kind=kind,
                number=number,
                issued_on=today - timedelta(days=issued_ago),
                expires_on=None if expires_in is None else today + timedelta(days=expires_in),
                actor=hub,
            )
        pool[email] = substitute
    jordan = pool["sub@prairie.demo"]
    baseline = [k.value for k in BASELINE_KINDS]

    requests = {}
    for key, (slug, room, days, begin, finish, extra, notes, email) in REQUESTS.items():
        requests[key] = services.request_cover(
            provider=providers[slug],
            classroom=providers[slug].classrooms.get(name=room),
            on=today + timedelta(days=1) if days == 1 else _weekday(today + timedelta(days=days)),
            start=time(*begin),
            end=time(*finish),
            required_kinds=[*baseline, *extra],
            notes=notes,
            actor=User.objects.get(email=email),
        )
    services.accept_cover(cover_id=requests["booked"].pk, substitute=jordan, actor=jordan.user)
    # Last week: Jordan covered Sunrise's Threes; the director confirmed 7.5 hours, billed.
    last_week = _weekday(today - timedelta(days=7), step=-1)
    sunrise = providers["sunrise"]
    worked = CoverRequest(
        provider=sunrise,
        classroom=sunrise.classrooms.get(name="Threes"),
        date=last_week,
        start=time(8, 0),
        end=time(15, 30),
        required_kinds=baseline,
        requested_by=director,
        requested_at=timezone.now() - timedelta(days=9),
        status=CoverStatus.FILLED,
        accepted_by=jordan,
        accepted_at=timezone.now() - timedelta(days=9),
        hourly_rate=jordan.hourly_rate,
    )
    save_audited(worked, actor=director, reason="Cover requested")
    services.confirm_hours(cover=worked, hours=Decimal("7.5"), actor=director)


def _weekday(day: date, step: int = 1) -> date:
    """The day, or the nearest weekday in the direction of `step`: centers close at weekends."""
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


def _ensure_members(alliance, providers, today: date) -> None:
    """Cover is billed to members: make sure each demo provider is one (the alliance demo
    usually has made the same rows already)."""
    for provider in providers:
        if membership_of(provider, today) is None and not provider.alliance_memberships.exists():
            AllianceMember.objects.create(alliance=alliance, provider=provider, joined_on=JOINED)
