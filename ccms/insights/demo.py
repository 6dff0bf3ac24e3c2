"""Iron Triangle data for the demo alliance: a year of billing history before the billing demo's
four months, a year of expenses by category for every provider, wages, frozen monthly snapshots,
and a coaching note and an action plan at Little Oaks.

The story: Cedar Valley is half empty (enrollment red) and replaced its furnace last month, so its
revenue per child no longer covers the cost (an alert). Its consultant sees it first."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from ccms.billing import ledger
from ccms.billing.accounts import family_accounts_by_family
from ccms.billing.models import (
    AccountKind,
    Category,
    EntryKind,
    LedgerEntry,
    Method,
    PayerAccount,
)
from ccms.core.money import to_cents
from ccms.enrollment.models import Enrollment, EnrollmentStatus
from ccms.insights import coaching, metrics, snapshots
from ccms.insights.models import Expense, ExpenseCategory, ExpenseSource, StaffWage
from ccms.tenancy.models import Alliance, Classroom, Provider, User

HISTORY_MONTHS = 12
# Months of billing the billing demo loads itself (the last three and this one).
BILLED_BY_BILLING_DEMO = 4
STAFF_MONTHLY = Decimal("3050.00")  # a full-time teacher with benefits
HOME_STAFF_MONTHLY = Decimal("2600.00")
PER_CHILD_MONTHLY = Decimal("95.00")  # food (net of the food program) and supplies
FURNACE_AT = "cedar-valley"
# Providers whose staffed seats are a little more than their enrollment fills (yellow).
YELLOW_ENROLLMENT = {"sunrise-west", "happy-hands"}


def children_per_staff(min_age_months: int) -> int:
    """Iowa center ratios by the youngest age a classroom serves."""
    for upper, ratio in ((23, 4), (35, 7), (47, 10), (59, 12)):
        if min_age_months <= upper:
            return ratio
    return 15


def load_insights_demo(today: date) -> None:
    alliance = Alliance.objects.filter(slug="prairie").first()
    if alliance is None or Expense.objects.filter(provider__alliance=alliance).exists():
        return
    rng = random.Random(7)
    this_month = today.replace(day=1)
    first = metrics.shift_month(this_month, -HISTORY_MONTHS)
    providers = list(Provider.objects.filter(alliance=alliance).order_by("pk"))
    recent = metrics.shift_month(this_month, -(BILLED_BY_BILLING_DEMO - 1))
    for provider in providers:
        _billing_history(provider, first, recent, rng)
        _catch_up(provider, first, today, rng)
        _expenses(provider, first, this_month)
        _staffed_capacity(provider)
    _wages(alliance)
    # Freeze the closed months in order, so an alert marks the month a side turned red.
    month = first
    while month < this_month:
        snapshots.take_snapshots(providers, month)
        month = metrics.shift_month(month, 1)
    _coaching(alliance, today)


def _tuition_charges(provider: Provider, month: date) -> None:
    """The month's tuition of every child enrolled on its first weekday, at the enrollment's
    price (weekly prices times 52/12), on the family's account: what a monthly billing run
    posts, written in one statement (the billing demo's own months use the billing runs)."""
    start = month + timedelta(days=(7 - month.weekday()) % 7 if month.weekday() > 4 else 0)
    enrollments = list(
        Enrollment.objects.filter(
            provider=provider, status=EnrollmentStatus.ACTIVE, start_date__lte=start
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("child")
    )
    accounts = family_accounts_by_family(provider, {e.child.family_id for e in enrollments})
    rows = []
    for e in enrollments:
        if not e.tuition_amount:
            continue
        price = e.tuition_amount
        if e.tuition_frequency == "weekly":
            price = to_cents(price * 52 / 12)
        rows.append(
            {
                "account": accounts[e.child.family_id],
                "child": e.child,
                "kind": EntryKind.CHARGE,
                "category": Category.TUITION,
                "amount": price,
                "on": month,
                "due_on": month + timedelta(days=10),
                "key": f"demo-history-tuition:{e.pk}:{month}",
                "description": f"Tuition {month:%B %Y}, {e.child.first_name}",
            }
        )
    ledger.post_many(rows, actor=None)


def _billing_history(provider: Provider, first: date, stop: date, rng: random.Random) -> None:
    """Monthly tuition and payments: nearly everyone pays in full within the month; a few pay
    late or in part, and a family that left without paying is written off."""
    month = first
    while month < stop:
        _tuition_charges(provider, month)
        owed: dict[int, Decimal] = defaultdict(Decimal)
        accounts, charges = {}, {}
        for entry in LedgerEntry.objects.filter(
            provider=provider, kind=EntryKind.CHARGE, on__range=(month, _month_end(month))
        ).select_related("account"):
            owed[entry.account_id] += entry.amount
            accounts[entry.account_id] = entry.account
            charges.setdefault(entry.account_id, entry)
        rows = []
        slow = provider.slug == FURNACE_AT
        for account_id, total in sorted(owed.items()):
            roll = rng.random()
            if roll < (0.03 if slow else 0.01):
                if rng.random() < 0.5:  # a family that left without paying: written off
                    charge = charges[account_id]
                    ledger.post_entry(
                        accounts[account_id],
                        kind=EntryKind.WRITE_OFF,
                        amount=charge.amount,
                        on=month + timedelta(days=27),
                        key=f"demo-write-off:{charge.pk}",
                        actor=None,
                        applies_to=charge,
                        reason="Family left owing; collection agency declined",
                    )
                continue
            amount = total if roll < (0.96 if slow else 0.985) else to_cents(total / 2)
            rows.append(
                {
                    "account": accounts[account_id],
                    "kind": EntryKind.PAYMENT,
                    "amount": amount,
                    "on": month + timedelta(days=rng.randint(1, 20)),
                    "key": f"demo-history-payment:{account_id}:{month}",
                    "description": "Payment",
                    "method": rng.choice([Method.ACH, Method.ACH, Method.CHECK, Method.CARD]),
                }
            )
        ledger.post_many(rows, actor=None)
        month = metrics.shift_month(month, 1)


def _catch_up(provider: Provider, first: date, today: date, rng: random.Random) -> None:
    """Most families who missed a month pay what they owe the month after (the billing demo's
    months leave it open); a few leave it open, so the aging still has older buckets."""
    month = first
    while month <= today:
        owing = (
            LedgerEntry.objects.filter(provider=provider, on__lt=month)
            .values("account_id")
            .annotate(owed=Sum("effect"))
            .filter(owed__gt=0)
        )
        accounts = {a.pk: a for a in PayerAccount.objects.filter(provider=provider)}
        rows = []
        for row in owing.order_by("account_id"):
            account, owed = accounts[row["account_id"]], ledger.sum_of(row["owed"])
            if account.kind == AccountKind.CCA or owed <= 0 or rng.random() > 0.8:
                continue
            day = month + timedelta(days=rng.randint(2, 12))
            if day > today:
                continue
            rows.append(
                {
                    "account": account,
                    "kind": EntryKind.PAYMENT,
                    "amount": owed,
                    "on": day,
                    "key": f"demo-catch-up:{account.pk}:{month}",
                    "description": "Payment of the balance brought forward",
                    "method": Method.CHECK,
                }
            )
        ledger.post_many(rows, actor=None)
        month = metrics.shift_month(month, 1)


def _staffed_capacity(provider: Provider) -> None:
    """Providers staff for the children they have (a seat or so to spare), which is where
    vacancies really are; Cedar Valley still staffs every licensed seat while half are empty."""
    if provider.slug == FURNACE_AT:
        return
    spare = Decimal("0.90") if provider.slug in YELLOW_ENROLLMENT else Decimal("0.96")
    fte = defaultdict(Decimal)
    for room_id, value in Enrollment.objects.filter(
        provider=provider, status=EnrollmentStatus.ACTIVE, end_date__isnull=True
    ).values_list("classroom_id", "fte"):
        fte[room_id] += value
    for room in Classroom.objects.filter(provider=provider):
        staffed = min(room.licensed_capacity, max(1, math.ceil(fte[room.pk] / spare)))
        Classroom.objects.filter(pk=room.pk).update(staffed_capacity=staffed)


def _month_end(month: date) -> date:
    return metrics.month_bounds(month.year, month.month)[1]


def _expenses(provider: Provider, first: date, last: date) -> None:
    """Each month's costs from its classrooms and the children enrolled mid-month: staff to
    ratio (plus a floater in bigger rooms), rent by licensed seats, administration, and food
    and supplies per child."""
    rooms = list(Classroom.objects.filter(provider=provider))
    enrollments = list(
        Enrollment.objects.filter(provider=provider, status=EnrollmentStatus.ACTIVE).values_list(
            "classroom_id", "start_date", "end_date"
        )
    )
    center = provider.kind == "center"
    rows = []
    month = first
    while month <= last:
        middle = month.replace(day=15)
        enrolled = defaultdict(int)
        for room_id, start, end in enrollments:
            if start <= middle and (end is None or end >= middle):
                enrolled[room_id] += 1
        children = sum(enrolled.values())
        if center:
            for room in rooms:
                staff = max(
                    1, math.ceil(enrolled[room.pk] / children_per_staff(room.min_age_months))
                )
                staff += 1 if room.licensed_capacity > 10 else 0
                rows.append(
                    (month, ExpenseCategory.PERSONNEL, room, STAFF_MONTHLY * staff, "Teachers")
                )
                rows.append((month, ExpenseCategory.PER_CLASSROOM, room, Decimal(120), "Supplies"))
            seats = sum(r.licensed_capacity for r in rooms)
            rows.append(
                (month, ExpenseCategory.SITE, None, Decimal(38) * seats, "Rent and utilities")
            )
            rows.append(
                (
                    month,
                    ExpenseCategory.ADMIN,
                    None,
                    Decimal(2800) + 12 * children,
                    "Director, insurance",
                )
            )
        else:
            seats = sum(r.licensed_capacity for r in rooms)
            helpers = 2 if seats > 8 else 1
            rows.append(
                (
                    month,
                    ExpenseCategory.PERSONNEL,
                    None,
                    HOME_STAFF_MONTHLY * helpers,
                    "Owner and assistant",
                )
            )
            rows.append((month, ExpenseCategory.SITE, None, Decimal(600), "Share of the home"))
            rows.append((month, ExpenseCategory.ADMIN, None, Decimal(150), "Insurance, licensing"))
        rows.append(
            (
                month,
                ExpenseCategory.PER_CHILD,
                None,
                PER_CHILD_MONTHLY * children,
                "Food and supplies",
            )
        )
        if provider.slug == FURNACE_AT and month == metrics.shift_month(last, -1):
            rows.append((month, ExpenseCategory.SITE, None, Decimal(6400), "Furnace replacement"))
        month = metrics.shift_month(month, 1)
    Expense.objects.bulk_create(
        Expense(
            provider=provider,
            month=month,
            category=category,
            classroom=room,
            amount=amount,
            note=note,
            source=ExpenseSource.ENTERED,
        )
        for month, category, room, amount, note in rows
    )


def _wages(alliance: Alliance) -> None:
    teacher = User.objects.filter(email="teacher@sunrise.demo").first()
    sunrise = Provider.objects.filter(slug="sunrise").first()
    if teacher and sunrise:
        StaffWage.objects.create(
            provider=sunrise,
            user=teacher,
            hourly_wage=Decimal("16.25"),
            effective_from=date(2026, 1, 1),
        )


def _coaching(alliance: Alliance, today: date) -> None:
    consultant = User.objects.filter(email="consultant@prairie.demo").first()
    oaks = Provider.objects.filter(slug="little-oaks", alliance=alliance).first()
    director = User.objects.filter(email="director@littleoaks.demo").first()
    if not (consultant and oaks and director):
        return
    coaching.add_note(
        provider=oaks,
        author=consultant,
        body="Reviewed the waitlist with the director: two toddler families can start next "
        "month. Agreed to call every family with a balance over 30 days before the 10th.",
        month=metrics.shift_month(today.replace(day=1), -1),
    )
    coaching.create_plan(
        provider=oaks,
        title="Collect every family payment by the 10th",
        metric="fee_collection_rate.total",
        target=Decimal("0.9800"),
        due_on=today + timedelta(days=120),
        owner=director,
        steps="Autopay offered at every enrollment; reminders on days 7 and 14; a payment plan "
        "for any balance over 30 days.",
        baseline=Decimal("0.8000"),
        actor=consultant,
    )
    # Made with the demo's history, not by a person today.
    from ccms.insights.models import ActionPlan, CoachingNote

    earlier = timezone.now() - timedelta(days=9)
    CoachingNote.objects.filter(provider=oaks).update(created_at=earlier)
    ActionPlan.objects.filter(provider=oaks).update(created_at=earlier)
