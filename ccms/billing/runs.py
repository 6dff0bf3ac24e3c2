"""Billing runs: the period's charges for every enrolled child, previewed, then posted.

Every line has its own idempotency key, so posting a period again posts only what is missing (a
child enrolled since, a late pick-up recorded since) and never a line twice."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ccms.attendance.models import Presence
from ccms.billing import ledger, pricing
from ccms.billing.accounts import billing_settings, family_accounts_by_family
from ccms.billing.models import (
    BillingRun,
    BillingSplit,
    Category,
    ChildBilling,
    EntryKind,
    Fee,
    FeeTiming,
    LedgerEntry,
    RunStatus,
    TuitionPlan,
)
from ccms.core.dates import age_in_months
from ccms.core.money import to_cents
from ccms.core.tasks import task
from ccms.enrollment.models import Enrollment, EnrollmentStatus
from ccms.tenancy.models import Classroom

CHUNK = 1000
LATE_PICKUP_WINDOW_DAYS = 62


@dataclass
class Line:
    account: object
    child: object
    category: str
    amount: Decimal
    description: str
    key: str
    on: date
    due_on: date
    posted: bool = False


@dataclass
class RunPlan:
    period_start: date
    period_end: date
    frequency: str
    lines: list[Line] = field(default_factory=list)
    # children with an enrollment but no price: shown on the preview to fix before posting
    unpriced: list = field(default_factory=list)

    @property
    def new_lines(self) -> list[Line]:
        return [line for line in self.lines if not line.posted]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def new_total(self) -> Decimal:
        return sum((line.amount for line in self.new_lines), Decimal("0.00"))

    def by_account(self) -> list[tuple[object, list[Line]]]:
        grouped: dict[int, list[Line]] = defaultdict(list)
        accounts = {}
        for line in self.lines:
            grouped[line.account.pk].append(line)
            accounts[line.account.pk] = line.account
        return sorted(
            ((accounts[pk], lines) for pk, lines in grouped.items()), key=lambda x: x[0].name
        )


def plain(number: Decimal) -> str:
    """10.00 -> "10", 12.50 -> "12.5"."""
    whole = number.to_integral_value()
    return str(whole if number == whole else number.normalize())


def period_of(provider, frequency: str, start: date) -> tuple[date, date]:
    first, last = pricing.period_bounds(frequency, start)
    if first != start:
        what = "the first of a month" if frequency == "monthly" else "a Monday"
        raise ValidationError(
            {"period_start": f"A {frequency} billing period starts on {what}: try {first}."}
        )
    return first, last


def plan_run(provider, period_start: date, frequency: str | None = None) -> RunPlan:
    """Every charge the period should hold, each marked whether it is already posted."""
    settings = billing_settings(provider)
    frequency = frequency or settings.billing_frequency
    start, end = period_of(provider, frequency, period_start)
    plan = RunPlan(start, end, frequency)
    due_on = start + timedelta(days=settings.due_days)

    enrollments = list(
        Enrollment.objects.filter(
            provider=provider, status=EnrollmentStatus.ACTIVE, start_date__lte=end
        )
        .exclude(end_date__lt=start)
        .select_related("child")
        # Billing has no use for a child's medical and custody notes: not decrypted here.
        .defer("child__medical_notes", "child__custody_notes")
        .order_by("child__family_id", "child_id", "start_date")
    )
    # A provider has few classrooms: one shared instance each instead of a copy per enrollment
    # (select_related builds one per row, a tenth of a large run's time).
    rooms = {room.pk: room for room in Classroom.objects.filter(provider=provider)}
    classroom_of = Enrollment._meta.get_field("classroom")
    for e in enrollments:
        classroom_of.set_cached_value(e, rooms[e.classroom_id])
    children = {e.child_id: e.child for e in enrollments}
    plans = list(TuitionPlan.objects.filter(provider=provider, is_active=True))
    # The provider's staff discounts and splits are few rows: read them all rather than send
    # every enrolled child's id (10,000 parameters in a large run) to pick them out.
    staff_children = set(
        ChildBilling.objects.filter(provider=provider, staff_discount=True).values_list(
            "child_id", flat=True
        )
    )
    splits = defaultdict(list)
    for s in BillingSplit.objects.filter(provider=provider).select_related("account"):
        splits[s.child_id].append(s)
    accounts = family_accounts_by_family(provider, {c.family_id for c in children.values()})
    subsidized = cca_authorized_days(provider, start, end)

    # Tuition: price each enrollment, prorate, then discount all but the family's dearest child.
    period_label = f"Tuition {start:%b %-d}-{end:%b %-d}"
    tuition = []  # (enrollment, prorated amount before discounts, share)
    for e in enrollments:
        child = e.child
        price = pricing.tuition_price(e, age_in_months(child.birth_date, start), plans)
        if price is None:
            plan.unpriced.append(e)
            continue
        share = pricing.proration(start, end, e.start_date, e.end_date)
        if e.child_id in subsidized:
            # Days under a CCA authorization are billed by the CCA submission (the state's
            # share, the family fee and any agreed difference), not as tuition.
            share -= pricing.proration(start, end, e.start_date, e.end_date, subsidized[e.child_id])
        if share <= 0:
            continue
        amount = pricing.convert(price.amount, price.frequency or frequency, frequency) * share
        tuition.append((e, amount, share))
    dearest = {}
    for e, amount, _ in tuition:
        family = e.child.family_id
        if family not in dearest or amount > dearest[family][1]:
            dearest[family] = (e.child_id, amount)
    for e, amount, share in tuition:
        child = e.child
        percent, why = Decimal(0), ""
        if child.pk in staff_children and settings.staff_discount_percent:
            percent, why = settings.staff_discount_percent, "staff discount"
        if dearest[child.family_id][0] != child.pk and settings.sibling_discount_percent > percent:
            percent, why = settings.sibling_discount_percent, "sibling discount"
        total = to_cents(pricing.discounted(amount, percent) if percent else amount)
        if total <= 0:
            continue
        text = f"{period_label}, {child.first_name} ({e.classroom.name})"
        if share != 1:
            text += f", {share.numerator}/{share.denominator} of the period"
        if why:
            text += f", less {plain(percent)}% {why}"
        for account, part in pricing.split(
            total, splits[child.pk], accounts[child.family_id], share
        ):
            plan.lines.append(
                Line(
                    account,
                    child,
                    Category.TUITION,
                    part,
                    text,
                    f"run:{frequency}:{start}:tuition:{e.pk}:{account.pk}",
                    start,
                    due_on,
                )
            )

    # Fees charged once per child (first bill) or once per child each year.
    billed_children = {e.child_id: e.child for e, *_ in tuition}
    for fee in Fee.objects.filter(provider=provider, is_active=True).exclude(
        timing=FeeTiming.MANUAL
    ):
        for child in billed_children.values():
            suffix = f":{start.year}" if fee.timing == FeeTiming.ANNUAL else ""
            for account, part in pricing.split(
                fee.amount, splits[child.pk], accounts[child.family_id]
            ):
                plan.lines.append(
                    Line(
                        account,
                        child,
                        fee.kind,
                        part,
                        f"{fee.name}, {child.first_name}",
                        f"fee:{fee.pk}:{child.pk}{suffix}:{account.pk}",
                        start,
                        due_on,
                    )
                )

    plan.lines.extend(
        _late_pickups(provider, settings, enrollments, splits, accounts, start, due_on)
    )
    plan.lines = _mark_posted(provider, plan.lines)
    return plan


def cca_authorized_days(provider, start: date, end: date) -> dict[int, list[tuple[date, date]]]:
    """Per child, the date ranges inside the period that a CCA authorization covers."""
    from django.apps import apps

    authorization = apps.get_model("subsidy", "Authorization")
    ranges = defaultdict(list)
    for child_id, first, last in authorization.objects.filter(
        provider=provider, start_date__lte=end, end_date__gte=start
    ).values_list("child_id", "start_date", "end_date"):
        ranges[child_id].append((max(first, start), min(last, end)))
    return ranges


def _late_pickups(provider, settings, enrollments, splits, accounts, start, due_on) -> list[Line]:
    """Late pick-ups before the period (billed in arrears), per minute after the enrollment's
    authorized pick-up time, when later than the grace minutes."""
    if not settings.late_pickup_fee_per_minute:
        return []
    tz = ZoneInfo(provider.timezone)
    ends = defaultdict(list)
    for e in enrollments:
        if e.daily_end:
            ends[e.child_id].append(e)
    if not ends:
        return []
    lines = []
    # Two months of pairs of every child with a pick-up time: plain rows of the four values
    # used, not model instances (hundreds of thousands in a large center).
    presences = (
        Presence.objects.filter(
            provider=provider,
            child_id__in=ends,
            check_out__isnull=False,
            service_date__lt=start,
            service_date__gte=start - timedelta(days=LATE_PICKUP_WINDOW_DAYS),
        )
        .order_by("service_date", "pk")
        .values_list("pk", "child_id", "service_date", "check_out", named=True)
    )
    for p in presences:
        enrollment = next(
            (
                e
                for e in ends[p.child_id]
                if e.start_date <= p.service_date
                and (not e.end_date or p.service_date <= e.end_date)
            ),
            None,
        )
        if enrollment is None:
            continue
        minutes = pricing.late_pickup_minutes(p.check_out, enrollment.daily_end, tz)
        if minutes <= settings.late_pickup_grace_minutes:
            continue
        child = enrollment.child
        amount = to_cents(settings.late_pickup_fee_per_minute * minutes)
        text = (
            f"Late pick-up {p.service_date:%b %-d}, {child.first_name}: {minutes} min after "
            f"{enrollment.daily_end:%H:%M}"
        )
        for account, part in pricing.split(amount, splits[child.pk], accounts[child.family_id]):
            lines.append(
                Line(
                    account,
                    child,
                    Category.LATE_PICKUP,
                    part,
                    text,
                    f"late-pickup:{p.pk}:{account.pk}",
                    start,
                    due_on,
                )
            )
    return lines


def _mark_posted(provider, lines: list[Line]) -> list[Line]:
    """Mark the lines already in the ledger; drop those posted by another period (a fee charged
    once, a late pick-up billed last month), which are not this period's."""
    keys = [line.key for line in lines]
    posted: dict[str, date] = {}
    for i in range(0, len(keys), CHUNK):
        posted.update(
            LedgerEntry.objects.filter(provider=provider, key__in=keys[i : i + CHUNK]).values_list(
                "key", "on"
            )
        )
    kept = []
    for line in lines:
        line.posted = line.key in posted
        if not line.posted or posted[line.key] == line.on:
            kept.append(line)
    return kept


@transaction.atomic
def prepare_run(provider, period_start: date, actor, frequency: str | None = None):
    """Record the run for the period (or find the one recorded) with its preview figures."""
    plan = plan_run(provider, period_start, frequency)
    run, _ = BillingRun.objects.get_or_create(
        provider=provider,
        frequency=plan.frequency,
        period_start=plan.period_start,
        defaults={"period_end": plan.period_end, "created_by": actor},
    )
    if run.status not in (RunStatus.QUEUED, RunStatus.POSTING):
        run.lines_total = len(plan.new_lines)
        run.lines_done = 0
        run.save(update_fields=["lines_total", "lines_done"])
    return run, plan


def start_posting(run: BillingRun):
    """Queue the posting; the page and the CLI follow the run's progress."""
    from ccms.core import tasks

    with transaction.atomic():
        locked = BillingRun.objects.select_for_update().get(pk=run.pk)
        if locked.status in (RunStatus.QUEUED, RunStatus.POSTING):
            return locked
        locked.status = RunStatus.QUEUED
        locked.error = ""
        locked.save(update_fields=["status", "error"])
        tasks.enqueue("billing.post_run", run_id=locked.pk)
    locked.refresh_from_db()
    return locked


@task("billing.post_run")
def post_run(run_id: int, progress=None) -> BillingRun:
    run = BillingRun.objects.select_related("provider", "created_by").get(pk=run_id)
    BillingRun.objects.filter(pk=run.pk).update(status=RunStatus.POSTING)
    try:
        plan = plan_run(run.provider, run.period_start, run.frequency)
        lines = plan.new_lines
        BillingRun.objects.filter(pk=run.pk).update(lines_total=len(lines), lines_done=0)
        done = 0
        for i in range(0, len(lines), CHUNK):
            chunk = lines[i : i + CHUNK]
            ledger.post_many(
                [
                    dict(
                        account=line.account,
                        child=line.child,
                        family_id=line.child.family_id,
                        kind=EntryKind.CHARGE,
                        category=line.category,
                        amount=line.amount,
                        on=line.on,
                        due_on=line.due_on,
                        description=line.description,
                        key=line.key,
                    )
                    for line in chunk
                ],
                actor=run.created_by,
                billing_run=run,
            )
            done += len(chunk)
            BillingRun.objects.filter(pk=run.pk).update(lines_done=done)
            if progress:
                progress(done, len(lines))
    except Exception as error:
        BillingRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=str(error))
        raise
    posted = LedgerEntry.objects.filter(provider=run.provider, billing_run=run)
    from django.db.models import Count, Sum

    totals = posted.aggregate(n=Count("id"), total=Sum("amount"))
    BillingRun.objects.filter(pk=run.pk).update(
        status=RunStatus.POSTED,
        posted_at=timezone.now(),
        lines_posted=totals["n"],
        amount_posted=ledger.sum_of(totals["total"]),
    )
    run.refresh_from_db()
    return run
