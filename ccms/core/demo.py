"""The demo alliance: deterministic, so every `ccms demo` shows the same world."""

import random
from datetime import date, timedelta
from decimal import Decimal

from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction

from ccms.alliance.demo import load_alliance_demo
from ccms.billing.demo import load_billing_demo
from ccms.communications.demo import load_communications_demo
from ccms.enrollment.models import Inquiry, Stage
from ccms.enrollment.services import enroll_child, record_inquiry
from ccms.families.models import Child, Family, Guardian
from ccms.insights.demo import load_insights_demo
from ccms.subsidy.demo import load_subsidy_demo
from ccms.substitutes.demo import load_substitutes_demo
from ccms.surveys.demo import load_surveys_demo
from ccms.tenancy import services
from ccms.tenancy.models import MFA_REQUIRED_ROLES, Alliance, Provider, Role, User

DEMO_PASSWORD = "demo"
DEMO_TOTP_CODE = "000000"
# A fixed authenticator secret for the demo's two-factor users (add it to any authenticator app).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ALLIANCE_NAME = "Prairie Shared Services Alliance"
# Dates are relative to the day the demo is loaded, so it always looks current.
TODAY = date.today()  # noqa: DTZ011

# (key, name, kind, city, county, classrooms: (name, min months, max months, capacity, fill))
PROVIDERS = [
    (
        "sunrise",
        "Sunrise Learning Center",
        "center",
        "Des Moines",
        "Polk",
        [
            ("Infants", 0, 17, 8, 7),
            ("Toddlers", 18, 35, 14, 12),
            ("Threes", 36, 47, 20, 17),
            ("Pre-K", 48, 71, 24, 19),
            ("School Age", 60, 144, 30, 21),
        ],
    ),
    (
        "sunrise-west",
        "Sunrise Learning Center West",
        "center",
        "West Des Moines",
        "Polk",
        [
            ("Infants", 0, 17, 8, 5),
            ("Toddlers", 18, 35, 14, 9),
            ("Preschool", 36, 71, 30, 22),
        ],
    ),
    (
        "little-oaks",
        "Little Oaks Early Learning",
        "center",
        "Ames",
        "Story",
        [
            ("Infants", 0, 23, 8, 8),
            ("Twos", 24, 35, 14, 13),
            ("Preschool", 36, 71, 24, 20),
        ],
    ),
    (
        "cedar-valley",
        "Cedar Valley Kids Center",
        "center",
        "Waterloo",
        "Black Hawk",
        [
            ("Toddlers", 12, 35, 14, 8),
            ("Preschool", 36, 71, 30, 16),
            ("School Age", 60, 144, 30, 12),
        ],
    ),
    (
        "maple-street",
        "Maple Street Family Child Care",
        "cdh_c",
        "Ankeny",
        "Polk",
        [
            ("Home", 0, 144, 16, 14),
        ],
    ),
    (
        "happy-hands",
        "Happy Hands Home Daycare",
        "cdh_b",
        "Grinnell",
        "Poweshiek",
        [
            ("Home", 0, 144, 12, 10),
        ],
    ),
    (
        "prairie-sprouts",
        "Prairie Sprouts Child Development Home",
        "cdh_a",
        "Boone",
        "Boone",
        [
            ("Home", 0, 71, 6, 5),
        ],
    ),
    (
        "rosas-home",
        "Rosa's Child Care Home",
        "child_care_home",
        "Marshalltown",
        "Marshall",
        [
            ("Home", 0, 144, 5, 4),
        ],
    ),
]

FIRST_NAMES = [
    "Ava",
    "Liam",
    "Mia",
    "Noah",
    "Emma",
    "Oliver",
    "Sofia",
    "Elijah",
    "Amelia",
    "Lucas",
    "Harper",
    "Mateo",
    "Evelyn",
    "Levi",
    "Aria",
    "Ezra",
    "Luna",
    "Henry",
    "Nora",
    "Owen",
    "Zoe",
    "Leo",
    "Layla",
    "Jack",
    "Lily",
    "Wyatt",
    "Hazel",
    "Isaiah",
    "Ivy",
    "Theo",
    "Aaliyah",
    "Miles",
]
LAST_NAMES = [
    "Garcia",
    "Nguyen",
    "Johnson",
    "Smith",
    "Hernandez",
    "Miller",
    "Olson",
    "Anderson",
    "Larson",
    "Schmidt",
    "Martinez",
    "Brown",
    "Nelson",
    "Peterson",
    "Hansen",
    "Lopez",
    "Thompson",
    "Meyer",
    "Jensen",
    "Clark",
    "Rivera",
    "Kim",
    "Ahmed",
    "Wilson",
    "Moore",
    "Taylor",
    "Lee",
    "Walker",
]

# (email, role, provider key or None for the alliance, label, staff classrooms)
USERS = [
    ("admin@prairie.demo", Role.ALLIANCE_ADMIN, None, "Alliance admin", ()),
    ("hub@prairie.demo", Role.HUB_STAFF, None, "Hub staff (all members)", ()),
    ("state@prairie.demo", Role.STATE_VIEWER, None, "State viewer (aggregates only)", ()),
    (
        "consultant@prairie.demo",
        Role.CONSULTANT,
        "cedar-valley",
        "Financial consultant (Cedar Valley, Little Oaks, Maple Street)",
        (),
    ),
    ("director@sunrise.demo", Role.DIRECTOR, "sunrise", "Director of Sunrise and Sunrise West", ()),
    ("director@littleoaks.demo", Role.DIRECTOR, "little-oaks", "Director, Little Oaks", ()),
    ("director@cedarvalley.demo", Role.DIRECTOR, "cedar-valley", "Director, Cedar Valley", ()),
    ("owner@maplestreet.demo", Role.DIRECTOR, "maple-street", "Owner, Maple Street home", ()),
    ("owner@happyhands.demo", Role.DIRECTOR, "happy-hands", "Owner, Happy Hands home", ()),
    ("owner@prairiesprouts.demo", Role.DIRECTOR, "prairie-sprouts", "Owner, Prairie Sprouts", ()),
    ("rosa@rosashome.demo", Role.DIRECTOR, "rosas-home", "Owner, Rosa's home", ()),
    (
        "teacher@sunrise.demo",
        Role.STAFF,
        "sunrise",
        "Teacher, Sunrise Toddlers and Threes",
        ("Toddlers", "Threes"),
    ),
    ("parent@sunrise.demo", Role.GUARDIAN, "sunrise", "Guardian, Garcia family at Sunrise", ()),
    ("sub@prairie.demo", Role.SUBSTITUTE, None, "Substitute (the alliance's pool)", ()),
]
EXTRA_ROLES = [
    ("consultant@prairie.demo", Role.CONSULTANT, "little-oaks"),
    ("consultant@prairie.demo", Role.CONSULTANT, "maple-street"),
    ("director@sunrise.demo", Role.DIRECTOR, "sunrise-west"),
]


def demo_logins() -> list[tuple[str, str, bool]]:
    return [(email, label, role in MFA_REQUIRED_ROLES) for email, role, _, label, _ in USERS]


def _birth_date(rng: random.Random, min_months: int, max_months: int) -> date:
    months = rng.randint(min_months, min(max_months, min_months + 23))
    return TODAY - timedelta(days=int(months * 30.44) + rng.randint(0, 25))


@transaction.atomic
def load_demo() -> bool:
    """Create the demo alliance once. Returns False when it is already there."""
    if Alliance.objects.filter(slug="prairie").exists():
        return False
    rng = random.Random(2022)
    alliance = Alliance(name=ALLIANCE_NAME, slug="prairie")
    alliance.full_clean()
    alliance.save()
    providers = {}
    for index, (key, name, kind, city, county, rooms) in enumerate(PROVIDERS):
        provider = Provider(
            alliance=alliance,
            slug=key,
            name=name,
            kind=kind,
            city=city,
            county=county,
            kindertrack_provider_id=f"{51200 + index * 7:05d}",
            iq4k_level=["3", "none", "2", "1", "4", "none", "1", "none"][index],
            cca_billing_period="monthly" if kind == "center" and index % 2 else "biweekly",
        )
        provider.full_clean()
        provider.save()
        providers[key] = provider
        site = services.create_site(provider=provider, name=f"{city} site", actor=None)
        for room_name, low, high, capacity, fill in rooms:
            room = services.create_classroom(
                provider=provider,
                data={
                    "site": site,
                    "name": room_name,
                    "min_age_months": low,
                    "max_age_months": high,
                    "licensed_capacity": capacity,
                },
                actor=None,
            )
            for _ in range(fill):
                _demo_child(rng, provider, room)
            _demo_pipeline(rng, provider, room)
    users = {}
    for email, role, key, _label, rooms in USERS:
        provider = providers.get(key)
        user = services.add_user(
            email=email,
            role=role,
            provider=provider,
            alliance=alliance,
            password=DEMO_PASSWORD,
            first_name=email.split("@")[0].capitalize(),
        )
        users[email] = user
        if rooms:
            membership = user.memberships.get(provider=provider)
            membership.classrooms.add(*provider.classrooms.filter(name__in=rooms))
        if role in MFA_REQUIRED_ROLES:
            TOTP.activate(user, DEMO_TOTP_SECRET)
    for email, role, key in EXTRA_ROLES:
        services.grant_role(user=users[email], role=role, provider=providers[key])
    _link_demo_guardian(users["parent@sunrise.demo"], providers["sunrise"], rng)
    add_demo_child_files(providers)
    _deterministic_keys()
    # CCA first: days under an authorization are billed by the CCA submission, not as tuition.
    load_subsidy_demo()
    load_billing_demo(providers, TODAY)
    _deterministic_keys()  # numbers the rows billing added (a second guardian) the same way
    load_insights_demo(TODAY)
    load_communications_demo(TODAY)
    load_alliance_demo(TODAY)
    load_surveys_demo(TODAY)  # after the alliance demo: the survey asks about its services
    load_substitutes_demo(TODAY)
    return True


def _deterministic_keys() -> None:
    """Rows made in the app get random bundle keys; the demo numbers them in creation order so
    that its export is the same every time."""
    from django.utils.text import slugify

    from ccms.tenancy.models import Classroom

    for room in Classroom.objects.order_by("pk"):
        Classroom.objects.filter(pk=room.pk).update(key=slugify(room.name))
    for model, prefix in ((Family, "family"), (Guardian, "guardian"), (Child, "child")):
        for n, pk in enumerate(model.objects.order_by("pk").values_list("pk", flat=True), 1):
            model.objects.filter(pk=pk).update(key=f"{prefix}-{n:04d}")


def _tuition(room) -> Decimal:
    weekly = 310 if room.max_age_months < 24 else 285 if room.max_age_months < 36 else 245
    return Decimal(160 if room.min_age_months >= 60 else weekly)


def _demo_child(rng: random.Random, provider: Provider, room, first=None, family=None):
    last = family.name.split()[0] if family else rng.choice(LAST_NAMES)
    if family is None:
        family = Family.objects.create(
            provider=provider, name=f"{last} family", phone=f"515-555-{rng.randint(1000, 9999)}"
        )
        Guardian.objects.create(
            provider=provider,
            family=family,
            first_name=rng.choice(FIRST_NAMES),
            last_name=last,
            relationship="Parent",
            phone=family.phone,
            address=f"{rng.randint(100, 999)} {rng.choice(['Oak', 'Elm', 'Grand', 'Main'])} St",
        )
    birth = _birth_date(rng, room.min_age_months, room.max_age_months)
    child = Child.objects.create(
        provider=provider,
        family=family,
        first_name=first or rng.choice(FIRST_NAMES),
        last_name=last,
        birth_date=birth,
        health_care_source="Broadlawns Family Health",
        allergies="Peanuts" if rng.random() < 0.1 else "",
    )
    started = max(birth + timedelta(days=42), TODAY - timedelta(days=rng.randint(20, 500)))
    days = "MTWRF" if rng.random() < 0.8 else rng.choice(["MWF", "TR", "MTW"])
    enroll_child(
        child=child,
        classroom=room,
        start_date=started,
        days=days,
        tuition_amount=_tuition(room),
        tuition_frequency="weekly",
    )
    return child


def _demo_pipeline(rng: random.Random, provider: Provider, room) -> None:
    """A few families at each stage, so the pipeline and the waitlist have something to show."""
    for stage in rng.sample(
        [Stage.INQUIRY, Stage.TOUR, Stage.APPLICATION, Stage.WAITLIST, Stage.WAITLIST], k=2
    ):
        last = rng.choice(LAST_NAMES)
        inquiry = record_inquiry(
            provider=provider,
            guardian_first_name=rng.choice(FIRST_NAMES),
            guardian_last_name=last,
            phone=f"515-555-{rng.randint(1000, 9999)}",
            child_first_name=rng.choice(FIRST_NAMES),
            child_last_name=last,
            birth_date=_birth_date(rng, room.min_age_months, room.max_age_months),
            desired_start=TODAY + timedelta(days=rng.randint(14, 120)),
            desired_classroom=room,
            cca_family=rng.random() < 0.3,
            staff_child=rng.random() < 0.1,
            source=rng.choice(["web", "phone", "referral"]),
            stage=stage,
        )
        if inquiry.applied_on:  # families applied over the past months, not all today
            Inquiry.objects.filter(pk=inquiry.pk).update(
                applied_on=TODAY - timedelta(days=rng.randint(3, 150))
            )


def _link_demo_guardian(user: User, provider: Provider, rng: random.Random) -> None:
    """The demo parent has two children at Sunrise, a toddler and a pre-schooler."""
    user.first_name, user.last_name = "Maria", "Garcia"
    user.save(update_fields=["first_name", "last_name"])
    family = Family.objects.create(provider=provider, name="Garcia family")
    Guardian.objects.create(
        provider=provider,
        family=family,
        user=user,
        first_name="Maria",
        last_name="Garcia",
        relationship="Mother",
        email=user.email,
    )
    for first, room_name, months in (("Lucia", "Toddlers", 26), ("Diego", "Pre-K", 55)):
        room = provider.classrooms.get(name=room_name)
        child = Child.objects.create(
            provider=provider,
            family=family,
            first_name=first,
            last_name="Garcia",
            birth_date=TODAY - timedelta(days=int(months * 30.44)),
            allergies="Tree nuts" if first == "Lucia" else "",
        )
        enroll_child(
            child=child,
            classroom=room,
            start_date=TODAY - timedelta(days=200),
            tuition_amount=_tuition(room),
            tuition_frequency="weekly",
        )


def add_demo_child_files(providers) -> None:
    """Child-file paperwork for the demo children: mostly complete, with some items missing,
    expired or expiring soon, so the child-file checklist shows a realistic mix. Documents are
    recorded as paper originals (no scan) so the demo writes no files; rows are made in bulk
    to keep loading fast."""
    from ccms.families.compliance import age_in_years
    from ccms.families.models import (
        AuthorizedPickup,
        ChildDocument,
        DocumentKind,
        EmergencyContact,
    )

    rng = random.Random(120)
    employers = ["Hy-Vee", "Principal Financial", "Mercy Hospital", "Casey's", "Wells Fargo"]
    guardians, contacts, pickups, documents, reviewed = [], [], [], [], []
    placed = Child.objects.filter(provider__in=providers.values(), classroom__isnull=False)
    families = Family.objects.filter(pk__in=placed.values("family_id")).order_by("pk")
    for family in families.prefetch_related("guardians"):
        for guardian in family.guardians.all():
            guardian.phone = guardian.phone or f"515-555-{rng.randint(1000, 9999)}"
            guardian.address = guardian.address or f"{rng.randint(100, 999)} Walnut St"
            if rng.random() < 0.93:
                guardian.work_phone = f"{rng.choice(employers)}, 515-555-{rng.randint(1000, 9999)}"
            guardians.append(guardian)
        if rng.random() < 0.95:
            contacts.append(
                EmergencyContact(
                    provider_id=family.provider_id,
                    family=family,
                    name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    relationship=rng.choice(["Grandparent", "Aunt", "Uncle", "Neighbor"]),
                    phone=f"515-555-{rng.randint(1000, 9999)}",
                )
            )
    for child in placed.order_by("pk"):
        if rng.random() < 0.95:
            signed = rng.random() < 0.95
            pickups.append(
                AuthorizedPickup(
                    provider_id=child.provider_id,
                    child=child,
                    name=f"{rng.choice(FIRST_NAMES)} {child.last_name}",
                    relationship=rng.choice(["Grandparent", "Aunt", "Uncle", "Family friend"]),
                    phone=f"515-555-{rng.randint(1000, 9999)}",
                    signed_on=TODAY - timedelta(days=rng.randint(10, 400)) if signed else None,
                )
            )
        papers = [
            (DocumentKind.MEDICAL_CONSENT, 0.97, None),
            (DocumentKind.PHYSICAL_EXAM, 0.96, None),
            (DocumentKind.IMMUNIZATION, 0.96, rng.randint(-20, 700)),
        ]
        if age_in_years(child.birth_date, TODAY) < 6:
            papers.append((DocumentKind.HEALTH_STATEMENT, 0.96, None))
        if child.allergies:
            papers.append((DocumentKind.ALLERGY_PLAN, 0.75, rng.randint(-10, 300)))
        for kind, chance, expires_in in papers:
            if rng.random() >= chance:
                continue
            issued = max(TODAY - timedelta(days=rng.randint(20, 380)), child.birth_date)
            documents.append(
                ChildDocument(
                    provider_id=child.provider_id,
                    child=child,
                    kind=kind,
                    issued_on=issued,
                    expires_on=None if expires_in is None else TODAY + timedelta(days=expires_in),
                    reviewed_on=min(issued + timedelta(days=rng.randint(0, 10)), TODAY),
                    note="Paper original in the office file",
                )
            )
        if rng.random() < 0.6:
            child.file_reviewed_on = TODAY - timedelta(days=rng.randint(5, 300))
            reviewed.append(child)
    Guardian.objects.bulk_update(guardians, ["phone", "address", "work_phone"])
    EmergencyContact.objects.bulk_create(contacts)
    AuthorizedPickup.objects.bulk_create(pickups)
    ChildDocument.objects.bulk_create(documents)
    Child.objects.bulk_update(reviewed, ["file_reviewed_on"])
