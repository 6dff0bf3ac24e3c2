"""Synthetic alliances at any scale, deterministic by seed, for benchmarks and load tests.

Rows are written with bulk_create for speed, so they carry no history records: seeded data is
not anyone's change to audit. Every enrollment has a private-pay price (by classroom and
schedule), so billing runs have something to bill."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.apps import apps
from django.db import connection, transaction
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
# Weekly private-pay tuition of a full week, by the youngest age a classroom serves (months);
# a part-time (three-day) schedule pays 60%. Multiples of $3, so a monthly price (x 52/12)
# is a whole number of cents.
WEEKLY_TUITION = {0: Decimal(318), 18: Decimal(291), 36: Decimal(258), 48: Decimal(240)}
SCHOOL_AGE_TUITION = Decimal(165)
HOME_TUITION = Decimal(201)
PART_TIME = Decimal("0.60")
FIRST = ["Ava", "Liam", "Mia", "Noah", "Emma", "Owen", "Zoe", "Leo", "Ivy", "Eli", "Nora", "Max"]
LAST = ["Garcia", "Nguyen", "Olson", "Smith", "Larson", "Meyer", "Lopez", "Kim", "Ahmed", "Clark"]


@dataclass
class SeedResult:
    alliance: Alliance
    providers: int
    children: int
    enrollments: int
    attendance_rows: int
    large_center: Provider | None = None


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
    large_center: int = 0,
) -> SeedResult:
    """Create (or replace) the alliance `seed-<seed>` with the given numbers. With
    `large_center`, one more center with that many children enrolled and priced (no attendance
    history), the size of a billing run that the billing benchmark measures."""
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
    rooms_by_id = {room.pk: room for room in rooms}
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
                days=days,
                fte=Decimal("1.00") if days == "MTWRF" else PART_TIME,
                tuition_amount=weekly_tuition(rooms_by_id[k.classroom_id], days),
                tuition_frequency="weekly",
            )
            for k in kids
            for days in ["MTWRF" if rng.random() < 0.8 else "MWF"]
        ),
        batch_size=2000,
    )
    rows = _attendance_history(rng, kids, provider_rows, start, today, progress)
    large = None
    if large_center:
        large = _large_center(rng, alliance, large_center, providers, start, today)
    return SeedResult(
        alliance,
        providers + (1 if large else 0),
        children + large_center,
        len(enrollments) + large_center,
        rows,
        large,
    )


def weekly_tuition(room: Classroom, days: str) -> Decimal:
    """The weekly private-pay price of a child in the classroom on the schedule."""
    if room.max_age_months >= 144 and room.min_age_months == 0:
        price = HOME_TUITION
    elif room.min_age_months >= 60:
        price = SCHOOL_AGE_TUITION
    else:
        price = WEEKLY_TUITION[max(a for a in WEEKLY_TUITION if a <= room.min_age_months)]
    if days != "MTWRF":
        price = 3 * (price * PART_TIME / 3).to_integral_value()
    return price.quantize(Decimal("0.01"))


def _large_center(rng, alliance, children: int, number: int, start: date, today: date):
    """One center with `children` enrolled children in as many classrooms as it takes: one
    family in five has two children, everyone is picked up by 17:30."""
    provider = Provider.objects.create(
        alliance=alliance,
        slug=f"{alliance.slug}-large",
        name="Seeded large center",
        kind="center",
        county="Polk",
        kindertrack_provider_id=f"{10000 + number:05d}",
    )
    site = Site.objects.create(provider=provider, name="Main site")
    per_group = sum(cap for *_, cap in CENTER_ROOMS)
    rooms = Classroom.objects.bulk_create(
        Classroom(
            provider=provider,
            site=site,
            name=f"{name} {group + 1}",
            key=f"room-{group}-{n}",
            min_age_months=low,
            max_age_months=high,
            licensed_capacity=cap,
        )
        for group in range(-(-children // per_group))
        for n, (name, low, high, cap) in enumerate(CENTER_ROOMS)
    )
    seats = [room for room in rooms for _ in range(room.licensed_capacity)][:children]
    families, kids = [], []
    last = ""
    for n, room in enumerate(seats):
        if n % 5 != 1:  # the child after the first of five is a sibling
            last = rng.choice(LAST)
            families.append(Family(provider=provider, key=f"lf{n}", name=f"{last} family"))
        family = families[-1]
        months_old = rng.randint(
            room.min_age_months, min(room.max_age_months, room.min_age_months + 20)
        )
        kids.append(
            Child(
                provider=provider,
                family=family,
                classroom=room,
                key=f"lc{n}",
                first_name=rng.choice(FIRST),
                last_name=last,
                birth_date=add_months(today, -months_old),
            )
        )
    Family.objects.bulk_create(families, batch_size=2000)
    Guardian.objects.bulk_create(
        (
            Guardian(
                provider=provider,
                family=f,
                key=f"g{f.key}",
                first_name=rng.choice(FIRST),
                last_name=f.name.split()[0],
            )
            for f in families
        ),
        batch_size=2000,
    )
    for kid in kids:
        kid.family_id = kid.family.pk
    Child.objects.bulk_create(kids, batch_size=2000)
    rooms_by_id = {room.pk: room for room in rooms}
    Enrollment.objects.bulk_create(
        (
            Enrollment(
                provider=provider,
                child=k,
                classroom_id=k.classroom_id,
                start_date=start,
                days=days,
                daily_end=time(17, 30),
                fte=Decimal("1.00") if days == "MTWRF" else PART_TIME,
                tuition_amount=weekly_tuition(rooms_by_id[k.classroom_id], days),
                tuition_frequency="weekly",
            )
            for k in kids
            for days in ["MTWRF" if rng.random() < 0.8 else "MWF"]
        ),
        batch_size=2000,
    )
    return provider


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
    delete_billing(provider_ids)
    for model in (Presence, Absence, Enrollment, Guardian, Child, Family):
        model.objects.filter(provider_id__in=provider_ids).delete()
    Membership.objects.filter(provider_id__in=provider_ids).delete()
    User.objects.filter(email__endswith=f"@{alliance.slug}.bench").delete()
    for name in ("Expense", "BudgetLine"):  # they keep their classroom (PROTECT)
        apps.get_model("insights", name).objects.filter(provider_id__in=provider_ids).delete()
    Classroom.objects.filter(provider_id__in=provider_ids).delete()
    Site.objects.filter(provider_id__in=provider_ids).delete()
    Provider.objects.filter(pk__in=provider_ids).delete()
    alliance.delete()


def delete_billing(provider_ids) -> None:
    """Delete every billing row of synthetic or test providers, ledger included.

    Never for a real provider: its ledger is append-only, and on PostgreSQL a trigger refuses
    to delete an entry. This lifts the trigger inside one transaction (DDL is transactional
    there, so no other session ever sees it lifted). Rows are deleted by plain DELETE
    statements with the foreign keys between billing rows (many PROTECT) checked once all of
    them are gone; PostgreSQL alters a table only when no such check is pending."""
    provider_ids = list(provider_ids)
    if not provider_ids:
        return
    models = [
        model
        for model in apps.get_app_config("billing").get_models()
        if any(f.name == "provider" for f in model._meta.concrete_fields)
    ]
    table = connection.ops.quote_name("billing_ledgerentry")
    trigger = "billing_ledger_append_only"
    with transaction.atomic(), connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for model in models:
            model.objects.filter(provider_id__in=provider_ids)._raw_delete(connection.alias)
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
            # Back to Django's default: foreign keys checked at commit.
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


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
