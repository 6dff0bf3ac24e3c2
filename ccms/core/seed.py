"""Synthetic alliances at any scale, deterministic by seed, for benchmarks and load tests.

Rows are written with bulk_create for speed, so they carry no history records: seeded data is
not anyone's change to audit."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ccms.attendance.models import Absence, Method, Presence
from ccms.core.dates import add_months
from ccms.enrollment.models import Enrollment
from ccms.families.models import Child, Family, Guardian
from ccms.tenancy.models import Alliance, Classroom, Membership, Provider, Role, Site, User

CENTER_ROOMS = [
    ("Infants", 0, 17, 8),
    ("Toddlers", 18, 35, 14),
    ("Threes", 36, 47, 20),
    ("Pre-K", 48, 71, 24),
    ("School Age", 60, 144, 30),
]
HOME_ROOMS = [("Home", 0, 144, 12)]
FIRST = ["Ava", "Liam", "Mia", "Noah", "Emma", "Owen", "Zoe", "Leo", "Ivy", "Eli", "Nora", "Max"]
LAST = ["Garcia", "Nguyen", "Olson", "Smith", "Larson", "Meyer", "Lopez", "Kim", "Ahmed", "Clark"]


@dataclass
class SeedResult:
    alliance: Alliance
    providers: int
    children: int
    enrollments: int
    attendance_rows: int


def alliance_slug(seed: int) -> str:
    return f"seed-{seed}"


@transaction.atomic
def seed_alliance(
    *,
    providers: int,
    children: int,
    months: int,
    seed: int,
    today: date | None = None,
    progress=None,
) -> SeedResult:
    """Create (or replace) the alliance `seed-<seed>` with the given numbers."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    slug = alliance_slug(seed)
    old = Alliance.objects.filter(slug=slug).first()
    if old is not None:
        _delete(old)
    alliance = Alliance.objects.create(name=f"Seeded alliance {seed}", slug=slug)
    provider_rows = Provider.objects.bulk_create(
        Provider(
            alliance=alliance,
            slug=f"{slug}-p{i:04d}",
            name=f"Seeded provider {i}",
            kind="center" if i % 3 else rng.choice(["cdh_b", "cdh_c", "child_care_home"]),
            county=rng.choice(["Polk", "Story", "Linn", "Scott", "Johnson", "Black Hawk"]),
            kindertrack_provider_id=f"{10000 + i:05d}",
        )
        for i in range(providers)
    )
    sites = Site.objects.bulk_create(Site(provider=p, name="Main site") for p in provider_rows)
    rooms = Classroom.objects.bulk_create(
        Classroom(
            provider=p,
            site=s,
            name=name,
            key=f"room-{n}",
            min_age_months=low,
            max_age_months=high,
            licensed_capacity=cap,
        )
        for p, s in zip(provider_rows, sites, strict=True)
        for n, (name, low, high, cap) in enumerate(
            CENTER_ROOMS if p.kind == "center" else HOME_ROOMS
        )
    )
    rooms_by_provider: dict[int, list[Classroom]] = {}
    for room in rooms:
        rooms_by_provider.setdefault(room.provider_id, []).append(room)
    families, kids, guardians = [], [], []
    for n in range(children):
        provider = provider_rows[n % providers]
        room = rng.choice(rooms_by_provider[provider.pk])
        last = rng.choice(LAST)
        family = Family(provider=provider, key=f"f{n}", name=f"{last} family")
        families.append(family)
        months_old = rng.randint(
            room.min_age_months, min(room.max_age_months, room.min_age_months + 20)
        )
        kids.append(
            Child(
                provider=provider,
                family=family,
                classroom=room,
                key=f"c{n}",
                first_name=rng.choice(FIRST),
                last_name=last,
                birth_date=add_months(today, -months_old),
            )
        )
    Family.objects.bulk_create(families, batch_size=2000)
    for kid in kids:
        kid.family_id = kid.family.pk
        guardians.append(
            Guardian(
                provider_id=kid.provider_id,
                family_id=kid.family_id,
                key=f"g{kid.key}",
                first_name=rng.choice(FIRST),
                last_name=kid.last_name,
            )
        )
    Guardian.objects.bulk_create(guardians, batch_size=2000)
    Child.objects.bulk_create(kids, batch_size=2000)
    start = add_months(today, -months)
    enrollments = Enrollment.objects.bulk_create(
        (
            Enrollment(
                provider_id=k.provider_id,
                child=k,
                classroom_id=k.classroom_id,
                start_date=start,
                days="MTWRF" if rng.random() < 0.8 else "MWF",
                fte=Decimal("1.00"),
                tuition_amount=Decimal("245.00"),
                tuition_frequency="weekly",
            )
            for k in kids
        ),
        batch_size=2000,
    )
    for enrollment in enrollments:
        if enrollment.days == "MWF":
            enrollment.fte = Decimal("0.60")
    Enrollment.objects.bulk_update(enrollments, ["fte"], batch_size=2000)
    rows = _attendance_history(rng, kids, provider_rows, start, today, progress)
    return SeedResult(alliance, providers, children, len(enrollments), rows)


def _attendance_history(rng, kids, providers, start: date, today: date, progress) -> int:
    """Weekday attendance from `start` to yesterday: one pair a day, about 5% absences."""
    tz = {p.pk: p.tz for p in providers}
    days = [start + timedelta(days=n) for n in range((today - start).days)]
    days = [d for d in days if d.weekday() < 5]
    total = 0
    for index, day in enumerate(days):
        presences, absences = [], []
        for kid in kids:
            if rng.random() < 0.05:
                absences.append(
                    Absence(provider_id=kid.provider_id, child=kid, service_date=day, reason="sick")
                )
                continue
            arrive = datetime.combine(day, time(7, rng.randint(0, 59)), tz[kid.provider_id])
            leave = arrive + timedelta(hours=rng.randint(7, 10), minutes=rng.randint(0, 59))
            presences.append(
                Presence(
                    provider_id=kid.provider_id,
                    child=kid,
                    classroom_id=kid.classroom_id,
                    service_date=day,
                    check_in=arrive,
                    check_out=leave,
                    check_in_method=Method.IMPORT,
                    check_out_method=Method.IMPORT,
                )
            )
        Presence.objects.bulk_create(presences, batch_size=5000)
        Absence.objects.bulk_create(absences, batch_size=5000)
        total += len(presences) + len(absences)
        if progress:
            progress(index + 1, len(days))
    return total


def _delete(alliance: Alliance) -> None:
    provider_ids = list(alliance.providers.values_list("pk", flat=True))
    for model in (Presence, Absence, Enrollment, Guardian, Child, Family):
        model.objects.filter(provider_id__in=provider_ids).delete()
    Membership.objects.filter(provider_id__in=provider_ids).delete()
    User.objects.filter(email__endswith=f"@{alliance.slug}.bench").delete()
    Classroom.objects.filter(provider_id__in=provider_ids).delete()
    Site.objects.filter(provider_id__in=provider_ids).delete()
    Provider.objects.filter(pk__in=provider_ids).delete()
    alliance.delete()


def bench_directors(alliance: Alliance, password: str) -> list[User]:
    """One director per seeded provider, for driving the HTTP benchmarks."""
    from django.contrib.auth.hashers import make_password

    hashed = make_password(password)
    users = User.objects.bulk_create(
        User(email=f"director-{p.slug}@{alliance.slug}.bench", password=hashed)
        for p in alliance.providers.order_by("pk")
    )
    Membership.objects.bulk_create(
        Membership(user=u, role=Role.DIRECTOR, provider=p)
        for u, p in zip(users, alliance.providers.order_by("pk"), strict=True)
    )
    return users
