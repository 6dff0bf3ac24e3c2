"""The demo alliance's shared services: every provider a member since July 2025 (one joined this
year, one has not signed yet), the hub's catalog and who uses what, the hub's cost pools with a
grant, the last months allocated and mostly paid. The month just ended is left to allocate, so
the hub can preview and post it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from ccms.alliance import allocation, hub, services
from ccms.alliance.models import (
    AllianceMember,
    AllocationRule,
    CostPool,
    PoolKind,
    ServiceCategory,
    SharedService,
)
from ccms.billing import ledger
from ccms.billing.models import EntryKind, Method
from ccms.insights.metrics import shift_month
from ccms.tenancy.models import Alliance, Provider, User

JOINED = date(2025, 7, 1)
LATE_JOINER = "happy-hands"  # joined this year
UNSIGNED = "cedar-valley"  # has not signed the agreement yet
ALLOCATED_MONTHS = 3  # before the month just ended

# Paragraphs are joined into single lines: the page wraps them to the reader's screen.
AGREEMENT = "\n\n".join(
    " ".join(paragraph.split())
    for paragraph in """Members of the Prairie Shared Services Alliance agree to:

1. Use the alliance's child care management system for enrollment, attendance and billing, so the
hub can do the back-office work it is paid for.

2. Pay the monthly shared services fee: the hub's actual costs, less grants, shared by the rules
the members' council sets for each cost pool. The hub works at cost and publishes its cost
recovery every month.

3. Meet with their financial consultant each quarter and share their Iron Triangle figures with
the alliance (other members see them only without names).

4. Give 60 days' notice before leaving; fees for services used until then stay due.

The hub agrees to keep each member's children's and families' data private to that member, and to
deliver the services in the catalog to the standard the council sets.""".split("\n\n")
)

# (category, name, delivered by, alone per month, description)
CATALOG = [
    (
        ServiceCategory.BOOKKEEPING,
        "Bookkeeping",
        "Hub bookkeeper",
        "800",
        "Monthly books, bank reconciliation and the board's financial reports.",
    ),
    (
        ServiceCategory.BILLING,
        "Billing and collections",
        "Hub billing specialist",
        "1400",
        "Tuition billing runs, autopay, reminders and follow-up on overdue accounts.",
    ),
    (
        ServiceCategory.SUBSIDY,
        "CCA paperwork",
        "Hub subsidy specialist",
        "600",
        "Authorizations, KinderTrack billing and reconciling what the state paid.",
    ),
    (
        ServiceCategory.ENROLLMENT,
        "Enrollment and waitlist",
        "Hub enrollment coordinator",
        "500",
        "Answers inquiries, runs tours and keeps the waitlist moving.",
    ),
    (
        ServiceCategory.PAYROLL,
        "Payroll",
        "Partner payroll firm",
        "300",
        "Payroll, tax filings and year-end forms.",
    ),
    (
        ServiceCategory.SUBSTITUTES,
        "Substitute pool",
        "Hub substitute coordinator",
        "650",
        "Qualified substitutes members can book for a day.",
    ),
    (
        ServiceCategory.PURCHASING,
        "Bulk purchasing",
        "Hub operations",
        "150",
        "Group prices for food, supplies and insurance.",
    ),
    (
        ServiceCategory.FOOD,
        "Food program claims",
        "Hub operations",
        "200",
        "CACFP menus, records and claims.",
    ),
    (
        ServiceCategory.COACHING,
        "Business coaching",
        "Financial consultants",
        "400",
        "Monthly Iron Triangle review and an action plan.",
    ),
    (
        ServiceCategory.TRAINING,
        "Staff training",
        "Partner: community college",
        "180",
        "Required training hours, scheduled across members.",
    ),
]

# (name, kind, rule, service name for per-service, monthly cost, grant, funder)
POOLS = [
    (
        "Hub staff",
        PoolKind.STAFF,
        AllocationRule.PER_FTE,
        None,
        "8400.00",
        "4000.00",
        "Early Childhood Iowa",
    ),
    ("Software and systems", PoolKind.SOFTWARE, AllocationRule.FLAT, None, "1240.00", None, None),
    ("Office rent", PoolKind.RENT, AllocationRule.BILLED, None, "1200.00", None, None),
    (
        "Billing and collections team",
        PoolKind.STAFF,
        AllocationRule.COLLECTED,
        None,
        "2400.00",
        None,
        None,
    ),
    (
        "Bulk purchasing desk",
        PoolKind.PURCHASING,
        AllocationRule.PER_SERVICE,
        "Bulk purchasing",
        "725.00",
        "125.00",
        "United Way of Central Iowa",
    ),
]


def load_alliance_demo(today: date) -> None:
    alliance = Alliance.objects.get(slug="prairie")
    admin = User.objects.get(email="admin@prairie.demo")
    this_month = today.replace(day=1)
    services.add_agreement(
        alliance=alliance,
        data={"version": "2025.1", "body": AGREEMENT, "effective_on": JOINED},
        actor=admin,
    )
    catalog = {}
    for category, name, who, alone, description in CATALOG:
        service = SharedService(
            alliance=alliance,
            category=category,
            name=name,
            delivered_by=who,
            standalone_monthly_cost=Decimal(alone),
            description=description,
        )
        catalog[name] = services.save_service(service, actor=admin)
    for index, provider in enumerate(Provider.objects.filter(alliance=alliance).order_by("pk")):
        joined = shift_month(this_month, -5) if provider.slug == LATE_JOINER else JOINED
        member = services.join(alliance=alliance, provider=provider, joined_on=joined, actor=admin)
        if provider.slug != UNSIGNED:
            director = User.objects.filter(
                memberships__provider=provider, memberships__role="director"
            ).first()
            services.sign(
                member=member,
                name=director.get_full_name() or f"Director of {provider.name}",
                title="Director",
                actor=director,
                at=datetime.combine(joined, time(10), tzinfo=provider.tz),
            )
        used = ["Bookkeeping", "Billing and collections", "Business coaching"]
        used += ["CCA paperwork", "Enrollment and waitlist"] if index % 2 == 0 else ["Payroll"]
        used += ["Bulk purchasing", "Food program claims"] if index % 3 != 1 else []
        used += ["Substitute pool"] if provider.kind == "center" else ["Staff training"]
        for name in used:
            services.start_use(member=member, service=catalog[name], started_on=joined, actor=admin)
    pools = {}
    for name, kind, rule, service, *_ in POOLS:
        pool = CostPool(
            alliance=alliance,
            name=name,
            kind=kind,
            rule=rule,
            service=catalog[service] if service else None,
        )
        pools[name] = services.save_pool(pool, actor=admin)
    months = [shift_month(this_month, -k) for k in range(ALLOCATED_MONTHS + 1, 0, -1)]
    for month in months:
        for name, _kind, _rule, _service, cost, grant, funder in POOLS:
            services.add_cost(
                pool=pools[name],
                month=month,
                amount=Decimal(cost),
                description=f"{name}, {month:%B}",
                actor=admin,
            )
            if grant:
                services.add_grant(
                    pool=pools[name], month=month, amount=Decimal(grant), funder=funder, actor=admin
                )
    for month in months[:-1]:  # the month just ended is left for the hub to post
        allocation.run(alliance, month, actor=admin, as_of=today)
    _member_payments(alliance, admin, months[:-1])


def _member_payments(alliance: Alliance, admin, months: list[date]) -> None:
    """Members pay each statement by check mid-next-month; the newest one is still open."""
    for member in AllianceMember.objects.filter(alliance=alliance).select_related("provider"):
        account = hub.member_account(member)
        for month in months[:-1]:
            owed = sum(
                (line.amount for line in member_lines(member, month)),
                Decimal("0.00"),
            )
            if owed <= 0 or member.provider.slug == UNSIGNED:
                continue
            on = shift_month(month, 1) + timedelta(days=14)
            reference = f"{1000 + member.pk * 10 + month.month}"
            ledger.post_entry(
                account,
                kind=EntryKind.PAYMENT,
                amount=owed,
                on=on,
                method=Method.CHECK,
                reference=reference,
                key=f"member-payment:{member.pk}:{reference}",
                description=f"Payment, check {reference}",
                actor=admin,
            )


def member_lines(member: AllianceMember, month: date):
    return member.alliance.allocations.get(month=month).lines.filter(member=member)
