"""Collections: what is owed and how old it is (A/R aging), late payment fees, reminders,
payment plans and write-offs.

Everything here reads a provider's ledger once and allocates it per account in Python (FIFO, as
the Iron Triangle metrics spec defines it), so a report or a daily job costs the same few queries
for ten accounts or ten thousand."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ccms.billing import ledger
from ccms.billing.accounts import billing_settings
from ccms.billing.allocation import AGING_BUCKETS, Allocation, age_bucket, allocate
from ccms.billing.models import (
    AccountKind,
    AutopayMandate,
    Category,
    EntryKind,
    Frequency,
    LedgerEntry,
    PayerAccount,
    PayerType,
    PaymentPlan,
    Reminder,
    WriteOffRequest,
    WriteOffStatus,
)
from ccms.core.dates import add_months, provider_today
from ccms.core.money import to_cents
from ccms.core.services import save_audited
from ccms.core.tasks import task

log = logging.getLogger(__name__)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# A late fee is never charged on a fee for paying late or for a returned payment.
NO_LATE_FEE_ON = frozenset({Category.LATE_PAYMENT, Category.NSF})
PAYER_TYPES = (PayerType.FAMILY, PayerType.CCA, PayerType.OTHER)
MAX_INSTALLMENTS = 52


def money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def due_date(charge: LedgerEntry, due_days: int) -> date:
    """When a charge is due: its own due date, else the provider's days to pay after its date."""
    return charge.due_on or charge.on + timedelta(days=due_days)


def _entries_by_account(provider, *, through: date, account_ids=None) -> dict[int, list]:
    """Every entry dated on or before `through`, grouped by account: one query."""
    rows = LedgerEntry.objects.filter(provider=provider, on__lte=through).order_by()
    if account_ids is not None:
        rows = rows.filter(account_id__in=account_ids)
    grouped: dict[int, list] = defaultdict(list)
    for entry in rows.iterator(chunk_size=5000):
        grouped[entry.account_id].append(entry)
    return grouped


def _local_date(moment, provider) -> date:
    return timezone.localtime(moment, provider.tz).date()


# --- payment plans ---------------------------------------------------------------------------


@dataclass
class Installment:
    number: int
    due_on: date
    amount: Decimal
    paid: Decimal = ZERO  # covered by the payments made since the plan started, in order

    @property
    def is_paid(self) -> bool:
        return self.paid >= self.amount


@dataclass
class PlanStatus:
    """Where a payment plan stands on a day: the guardian's page and the plans page show it."""

    plan: PaymentPlan
    today: date
    starts_on: date
    schedule: list[Installment]
    paid: Decimal
    due_so_far: Decimal  # installments due before today

    @property
    def completed(self) -> bool:
        return self.paid >= self.plan.amount

    @property
    def on_track(self) -> bool:
        return self.completed or self.paid >= self.due_so_far

    @property
    def behind_by(self) -> Decimal:
        return max(self.due_so_far - self.paid, ZERO)

    @property
    def remaining(self) -> Decimal:
        return max(self.plan.amount - self.paid, ZERO)

    @property
    def next_installment(self) -> Installment | None:
        return next((i for i in self.schedule if not i.is_paid), None)

    @property
    def kept(self) -> bool:
        """An active plan being kept holds back late fees and reminders on its account."""
        return self.plan.is_active and self.on_track and not self.completed

    @property
    def label(self) -> str:
        if self.completed:
            return "Paid off"
        if not self.plan.is_active:
            return "Cancelled"
        return "On track" if self.on_track else f"Behind by {money(self.behind_by)}"


def plan_schedule(plan: PaymentPlan) -> list[Installment]:
    """The installments: equal to the cent, the first ones a cent more when it does not divide."""
    cents = int(to_cents(plan.amount) / CENT)
    base, extra = divmod(cents, plan.installments)
    schedule = []
    for n in range(plan.installments):
        if plan.frequency == Frequency.WEEKLY:
            due = plan.first_due + timedelta(weeks=n)
        else:
            due = add_months(plan.first_due, n)
        amount = (Decimal(base + (1 if n < extra else 0)) * CENT).quantize(CENT)
        schedule.append(Installment(n + 1, due, amount))
    return schedule


def plan_starts_on(plan: PaymentPlan, provider=None) -> date:
    return _local_date(plan.created_at, provider or plan.provider)


def _payments_since(entries, starts_on: date, today: date) -> Decimal:
    """Payments dated from `starts_on` to `today`, less those reversed by then."""
    reversed_ids = {
        e.reverses_id for e in entries if e.kind == EntryKind.REVERSAL and e.on <= today
    }
    return sum(
        (
            e.amount
            for e in entries
            if e.kind == EntryKind.PAYMENT
            and starts_on <= e.on <= today
            and e.pk not in reversed_ids
        ),
        ZERO,
    )


def plan_status(plan: PaymentPlan, today: date, entries=None) -> PlanStatus:
    """The plan's schedule, what was paid since it started and whether it is kept. Pass the
    account's entries when they are loaded already (reports); else they are read here."""
    provider = plan.provider
    starts_on = plan_starts_on(plan, provider)
    if entries is None:
        entries = LedgerEntry.objects.filter(
            provider_id=plan.provider_id,
            account_id=plan.account_id,
            kind__in=(EntryKind.PAYMENT, EntryKind.REVERSAL),
            on__gte=starts_on,
            on__lte=today,
        )
    paid = _payments_since(list(entries), starts_on, today)
    schedule = plan_schedule(plan)
    left = paid
    for installment in schedule:
        installment.paid = min(left, installment.amount)
        left -= installment.paid
    due = sum((i.amount for i in schedule if i.due_on < today), ZERO)
    return PlanStatus(plan, today, starts_on, schedule, paid, due)


def active_plan(account: PayerAccount) -> PaymentPlan | None:
    """The account's payment plan in force, if any (at most one is active at a time)."""
    return (
        PaymentPlan.objects.filter(provider_id=account.provider_id, account=account, is_active=True)
        .select_related("provider", "account")
        .order_by("-created_at", "-id")
        .first()
    )


def _active_plans(provider, account_ids=None) -> dict[int, PaymentPlan]:
    plans = PaymentPlan.objects.filter(provider=provider, is_active=True).order_by("created_at")
    if account_ids is not None:
        plans = plans.filter(account_id__in=account_ids)
    found = {}
    for plan in plans:
        plan.provider = provider
        found[plan.account_id] = plan  # the newest wins
    return found


def _kept_plan_accounts(provider, today: date, entries_by_account) -> set[int]:
    return {
        account_id
        for account_id, plan in _active_plans(provider).items()
        if plan_status(plan, today, entries_by_account.get(account_id, [])).kept
    }


@transaction.atomic
def create_payment_plan(
    account: PayerAccount,
    *,
    amount,
    installments: int,
    frequency: str,
    first_due: date,
    actor,
    note: str = "",
) -> PaymentPlan:
    """Agree a schedule for paying off (part of) what the account owes. While the payer keeps
    to it, the daily job charges no late fees and sends no reminders to the account."""
    provider = account.provider
    today = provider_today(provider)
    PayerAccount.objects.select_for_update().filter(pk=account.pk).first()
    current = active_plan(account)
    if current is not None:
        raise ValidationError(
            f"{account.name} already has a payment plan of {money(current.amount)} "
            f"(agreed {plan_starts_on(current, provider):%b %-d, %Y}). Cancel it on the payment "
            "plans page before agreeing a new one."
        )
    errors = {}
    amount = to_cents(amount) if amount is not None else None
    owed = ledger.balance(account)
    if amount is None or amount <= 0:
        errors["amount"] = "Enter the amount the plan pays off, more than zero."
    elif owed <= 0:
        errors["amount"] = f"{account.name} owes nothing, so there is nothing to plan."
    elif amount > owed:
        errors["amount"] = (
            f"The plan is for more than {account.name} owes ({money(owed)}). "
            f"Enter {money(owed)} or less."
        )
    if not installments or installments < 1 or installments > MAX_INSTALLMENTS:
        errors["installments"] = f"Choose from 1 to {MAX_INSTALLMENTS} installments."
    elif amount and amount > 0 and amount < installments * CENT:
        errors["installments"] = "Each installment must be at least one cent: choose fewer."
    if frequency not in Frequency.values:
        errors["frequency"] = "Choose weekly or monthly installments."
    if first_due is None:
        errors["first_due"] = "Enter the date the first installment is due."
    elif first_due < today:
        errors["first_due"] = f"The first installment cannot be due in the past: {today} or later."
    if errors:
        raise ValidationError(errors)
    plan = PaymentPlan(
        provider=provider,
        account=account,
        amount=amount,
        installments=installments,
        frequency=frequency,
        first_due=first_due,
        note=note.strip()[:300],
        created_by=actor,
    )
    save_audited(plan, actor=actor, reason=f"Payment plan for {account.name}"[:100])
    return plan


@transaction.atomic
def cancel_payment_plan(plan: PaymentPlan, *, actor) -> PaymentPlan:
    locked = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if not locked.is_active:
        raise ValidationError("This payment plan was already cancelled.")
    locked.is_active = False
    save_audited(locked, actor=actor, reason="Payment plan cancelled", update_fields=["is_active"])
    return locked


def plans_with_status(provider, today: date, *, active_only: bool = False) -> list[PlanStatus]:
    """Every plan of the provider (newest first) with its status: three queries in all."""
    plans = list(
        PaymentPlan.objects.filter(provider=provider)
        .select_related("account", "created_by")
        .order_by("-is_active", "-created_at", "-id")
    )
    if active_only:
        plans = [p for p in plans if p.is_active]
    if not plans:
        return []
    first = min(plan_starts_on(p, provider) for p in plans)
    entries: dict[int, list] = defaultdict(list)
    for e in LedgerEntry.objects.filter(
        provider=provider,
        account_id__in={p.account_id for p in plans},
        kind__in=(EntryKind.PAYMENT, EntryKind.REVERSAL),
        on__gte=first,
        on__lte=today,
    ).order_by():
        entries[e.account_id].append(e)
    statuses = []
    for plan in plans:
        plan.provider = provider
        statuses.append(plan_status(plan, today, entries[plan.account_id]))
    return statuses


# --- A/R aging -------------------------------------------------------------------------------


@dataclass
class Segment:
    bucket: str
    amount: Decimal
    width: str  # percent of the bar's full length, for data-width


def _segments(buckets: dict[str, Decimal], scale: Decimal) -> list[Segment]:
    out = []
    for name in AGING_BUCKETS:
        amount = buckets[name]
        width = (amount / scale * 100).quantize(Decimal("0.1")) if scale > 0 else Decimal(0)
        out.append(Segment(name, amount, str(width)))
    return out


@dataclass
class AgingLine:
    account: PayerAccount
    buckets: dict[str, Decimal]
    total: Decimal
    oldest_open: date | None
    last_payment: date | None
    autopay: bool
    plan: PlanStatus | None
    segments: list[Segment] = field(default_factory=list)

    @property
    def payer_type(self) -> str:
        return self.account.payer_type

    @property
    def payer_type_label(self) -> str:
        return PayerType(self.account.payer_type).label


@dataclass
class AgingGroup:
    """The aging of one payer type, or of all of them."""

    key: str
    label: str
    buckets: dict[str, Decimal]
    accounts: int = 0
    segments: list[Segment] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


@dataclass
class AgingReport:
    as_of: date
    groups: list[AgingGroup]  # family, cca, other, then the total
    lines: list[AgingLine]

    @property
    def total(self) -> AgingGroup:
        return self.groups[-1]


SORTS = {
    "total": lambda line: (-line.total, line.account.name.lower()),
    "oldest": lambda line: (line.oldest_open or date.max, -line.total),
    "name": lambda line: (line.account.name.lower(), line.account.pk),
}


def aging_report(
    provider, as_of: date, *, sort: str = "total", payer_type: str = ""
) -> AgingReport:
    """Open charges after FIFO allocation, by days since the charge date, per payer type and per
    account. Five queries whatever the number of accounts."""
    accounts = {a.pk: a for a in PayerAccount.objects.filter(provider=provider)}
    entries = _entries_by_account(provider, through=as_of)
    plans = _active_plans(provider)
    autopay = set(
        AutopayMandate.objects.filter(provider=provider, is_active=True).values_list(
            "account_id", flat=True
        )
    )
    groups = {
        t: AgingGroup(t, PayerType(t).label, dict.fromkeys(AGING_BUCKETS, ZERO))
        for t in PAYER_TYPES
    }
    lines = []
    for account_id, rows in entries.items():
        account = accounts[account_id]
        allocation = allocate(rows, as_of=as_of)
        buckets = dict.fromkeys(AGING_BUCKETS, ZERO)
        oldest = None
        for debit in allocation.debits:
            left = allocation.open_amount(debit)
            if debit.on > as_of or left <= 0:
                continue
            buckets[age_bucket((as_of - debit.on).days)] += left
            oldest = debit.on if oldest is None else min(oldest, debit.on)
        total = sum(buckets.values(), ZERO)
        if total <= 0:
            continue
        group = groups[account.payer_type]
        group.accounts += 1
        for name, amount in buckets.items():
            group.buckets[name] += amount
        plan = plans.get(account_id)
        lines.append(
            AgingLine(
                account=account,
                buckets=buckets,
                total=total,
                oldest_open=oldest,
                last_payment=_last_payment(rows, as_of),
                autopay=account_id in autopay,
                plan=plan_status(plan, as_of, rows) if plan else None,
            )
        )
    total = AgingGroup("total", "All payers", dict.fromkeys(AGING_BUCKETS, ZERO))
    for group in groups.values():
        total.accounts += group.accounts
        for name, amount in group.buckets.items():
            total.buckets[name] += amount
    ordered = [groups[t] for t in PAYER_TYPES] + [total]
    scale = max((g.total for g in ordered), default=ZERO)
    for group in ordered:
        group.segments = _segments(group.buckets, scale)
    if payer_type in PAYER_TYPES:
        lines = [line for line in lines if line.payer_type == payer_type]
    lines.sort(key=SORTS.get(sort, SORTS["total"]))
    line_scale = max((line.total for line in lines), default=ZERO)
    for line in lines:
        line.segments = _segments(line.buckets, line_scale)
    return AgingReport(as_of, ordered, lines)


def _last_payment(entries, as_of: date) -> date | None:
    reversed_ids = {e.reverses_id for e in entries if e.kind == EntryKind.REVERSAL}
    dates = [
        e.on
        for e in entries
        if e.kind == EntryKind.PAYMENT and e.on <= as_of and e.pk not in reversed_ids
    ]
    return max(dates, default=None)


AGING_CSV_COLUMNS = [
    "account",
    "payer_type",
    *AGING_BUCKETS,
    "total",
    "oldest_open_charge",
    "last_payment",
    "autopay",
    "payment_plan",
]


def aging_csv_rows(report: AgingReport) -> list[list[str]]:
    rows = []
    for line in report.lines:
        rows.append(
            [
                line.account.name,
                line.payer_type,
                *(str(line.buckets[b]) for b in AGING_BUCKETS),
                str(line.total),
                line.oldest_open.isoformat() if line.oldest_open else "",
                line.last_payment.isoformat() if line.last_payment else "",
                "yes" if line.autopay else "no",
                line.plan.label if line.plan else "",
            ]
        )
    for group in report.groups:
        rows.append(
            [
                f"Total: {group.label}",
                "" if group.key == "total" else group.key,
                *(str(group.buckets[b]) for b in AGING_BUCKETS),
                str(group.total),
                "",
                "",
                "",
                "",
            ]
        )
    return rows


# --- late payment fees -----------------------------------------------------------------------


def _open_charges(allocation: Allocation, today: date):
    """(charge, open amount) for charges (not refunds) dated on or before today, oldest first."""
    for debit in allocation.debits:
        if debit.kind != EntryKind.CHARGE or debit.on > today:
            continue
        left = allocation.open_amount(debit)
        if left > 0:
            yield debit, left


def _collectible_accounts(provider) -> dict[int, PayerAccount]:
    """Accounts that late fees and reminders apply to: not the state's (CCA pays on its own
    schedule, and a fee on the state is not collectible)."""
    return {
        a.pk: a
        for a in PayerAccount.objects.filter(provider=provider)
        .exclude(kind=AccountKind.CCA)
        .select_related("guardian__user", "family")
    }


@transaction.atomic
def assess_late_fees(provider, today: date, actor=None) -> list[LedgerEntry]:
    """Charge the late payment fee once for each charge still open after its due date plus the
    grace days. Not on a late or returned-payment fee itself, not on the state's account, and not
    while the account keeps a payment plan. Running it again the same day (or any later day)
    charges nothing twice: each fee's key names its charge."""
    policy = billing_settings(provider)
    fee = to_cents(policy.late_payment_fee)
    if fee <= 0:
        return []
    accounts = _collectible_accounts(provider)
    entries = _entries_by_account(provider, through=today, account_ids=list(accounts))
    kept = _kept_plan_accounts(provider, today, entries)
    # Charges fined already (the fee may have changed or been reversed since: still once).
    fined = set(
        LedgerEntry.objects.filter(provider=provider, key__startswith="late-fee:").values_list(
            "key", flat=True
        )
    )
    grace = timedelta(days=policy.late_payment_grace_days)
    posted = []
    for account_id, rows in entries.items():
        if account_id in kept:
            continue
        account = accounts[account_id]
        for charge, _ in _open_charges(allocate(rows, as_of=today), today):
            if charge.category in NO_LATE_FEE_ON:
                continue
            due = due_date(charge, policy.due_days)
            key = f"late-fee:{charge.pk}"
            if today <= due + grace or key in fined:
                continue
            result = ledger.post(
                account,
                kind=EntryKind.CHARGE,
                category=Category.LATE_PAYMENT,
                amount=fee,
                on=today,
                due_on=today,
                key=key,
                actor=actor,
                child=charge.child,
                family=charge.family,
                description=f"Late payment fee: {charge.description or 'charge'} "
                f"(due {due:%b %-d, %Y})",
            )
            fined.add(key)
            if result.created:
                posted.append(result.entry)
    return posted


# --- reminders -------------------------------------------------------------------------------


@dataclass
class Overdue:
    charge: LedgerEntry
    open_amount: Decimal
    due_on: date
    days_overdue: int


def _recipients(account: PayerAccount, guardians_by_family) -> list[str]:
    """The account's own address; else, for a guardian's share, that guardian; else the family's
    guardians (and the family's address)."""
    if account.email:
        return [account.email]
    if account.guardian_id:
        guardian = account.guardian
        email = guardian.email or (guardian.user.email if guardian.user_id else "")
        return [email] if email else []
    found = []
    for guardian in guardians_by_family.get(account.family_id, []):
        email = guardian.email or (guardian.user.email if guardian.user_id else "")
        if email and email.lower() not in {f.lower() for f in found}:
            found.append(email)
    if not found and account.family_id and account.family.email:
        found.append(account.family.email)
    return found


def pay_link(provider, base_url: str | None = None) -> str:
    """Where a guardian sees and pays their bill (absolute, for e-mail)."""
    try:
        path = reverse("billing_mine", args=[provider.slug])
    except NoReverseMatch:  # the guardian's billing page is not installed in this build
        path = reverse("provider_home", args=[provider.slug])
    base = base_url or settings.SITE_URL
    return base.rstrip("/") + path


def reminder_text(provider, account, overdue: list[Overdue], link: str, policy) -> tuple[str, str]:
    total = sum((o.open_amount for o in overdue), ZERO)
    subject = f"Payment overdue at {provider.name}: {money(total)}"
    lines = [
        f"Hello {account.name},",
        "",
        f"Our records show {money(total)} overdue on your account at {provider.name}:",
        "",
    ]
    for o in overdue:
        what = o.charge.description or o.charge.get_category_display() or "Charge"
        lines.append(
            f"  - {what}: {money(o.open_amount)} open, due {o.due_on:%b %-d, %Y} "
            f"({o.days_overdue} day{'s' if o.days_overdue != 1 else ''} ago)"
        )
    lines += [
        "",
        "How to pay:",
        f"  - Online, by card or bank debit, or set up autopay: {link}",
        f"  - In person at {provider.name}: cash, check or money order.",
    ]
    if policy.late_payment_fee > 0:
        lines += [
            "",
            f"A late payment fee of {money(policy.late_payment_fee)} is charged once on each "
            f"charge still open {policy.late_payment_grace_days} days after its due date.",
        ]
    lines += [
        "",
        "If you cannot pay in full, talk to us about a payment plan. If you have paid in the "
        "last few days, thank you, and please ignore this message.",
        "",
        provider.name,
    ]
    return subject, "\n".join(lines) + "\n"


def _send(messages: list[EmailMessage]) -> None:
    for message in messages:
        try:
            message.send()
        except Exception:  # noqa: BLE001 - one bad address must not stop the others' reminders
            log.exception("Reminder to %s was not sent", message.to)


@transaction.atomic
def send_reminders(provider, today: date, *, base_url: str | None = None) -> list[Reminder]:
    """E-mail each payer whose charges have reached a step of the reminder schedule (days past
    due), once per charge and step, listing everything overdue and how to pay. Not the state's
    account, and not an account keeping a payment plan. A charge that reached a later step before
    the job saw it (the job did not run for a week) gets that step's reminder only."""
    policy = billing_settings(provider)
    steps = policy.reminder_steps
    if not steps:
        return []
    accounts = _collectible_accounts(provider)
    entries = _entries_by_account(provider, through=today, account_ids=list(accounts))
    kept = _kept_plan_accounts(provider, today, entries)
    overdue_by_account: dict[int, list[Overdue]] = {}
    for account_id, rows in entries.items():
        if account_id in kept:
            continue
        overdue = []
        for charge, left in _open_charges(allocate(rows, as_of=today), today):
            due = due_date(charge, policy.due_days)
            if due < today:
                overdue.append(Overdue(charge, left, due, (today - due).days))
        if overdue:
            overdue_by_account[account_id] = overdue
    if not overdue_by_account:
        return []
    charge_ids = [o.charge.pk for rows in overdue_by_account.values() for o in rows]
    reached_before: dict[int, int] = {}
    for charge_id, days in Reminder.objects.filter(
        provider=provider, charge_id__in=charge_ids
    ).values_list("charge_id", "days_overdue"):
        reached_before[charge_id] = max(days, reached_before.get(charge_id, -1))
    family_ids = {accounts[a].family_id for a in overdue_by_account if accounts[a].family_id}
    guardians_by_family = defaultdict(list)
    from ccms.families.models import Guardian

    for guardian in Guardian.objects.filter(
        provider=provider, family_id__in=family_ids
    ).select_related("user"):
        guardians_by_family[guardian.family_id].append(guardian)

    link = pay_link(provider, base_url)
    now = timezone.now()
    sent: list[Reminder] = []
    outbox: list[EmailMessage] = []
    for account_id, overdue in overdue_by_account.items():
        account = accounts[account_id]
        to = _recipients(account, guardians_by_family)
        new = []
        for o in overdue:
            step = max((s for s in steps if s <= o.days_overdue), default=None)
            if step is None or step <= reached_before.get(o.charge.pk, -1):
                continue
            reminder = Reminder(
                provider=provider,
                account=account,
                charge=o.charge,
                days_overdue=step,
                sent_to=", ".join(to)[:254],
                sent_at=now,
            )
            try:
                with transaction.atomic():
                    reminder.save()
            except IntegrityError:  # a concurrent run recorded this step a moment ago
                continue
            new.append(reminder)
        if not new:
            continue
        sent.extend(new)
        if to:
            subject, body = reminder_text(provider, account, overdue, link, policy)
            outbox.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to))
    if outbox:
        transaction.on_commit(partial(_send, outbox))
    return sent


# --- the daily job ---------------------------------------------------------------------------


@dataclass
class DailyResult:
    provider: object
    today: date
    late_fees: list[LedgerEntry]
    reminders: list[Reminder]

    @property
    def late_fee_total(self) -> Decimal:
        return sum((e.amount for e in self.late_fees), ZERO)

    @property
    def accounts_reminded(self) -> int:
        return len({r.account_id for r in self.reminders})

    def summary(self) -> str:
        fees = len(self.late_fees)
        people = self.accounts_reminded
        return (
            f"{fees} late fee{'s' if fees != 1 else ''} charged ({money(self.late_fee_total)}); "
            f"{people} payer{'s' if people != 1 else ''} reminded of "
            f"{len(self.reminders)} overdue charge{'s' if len(self.reminders) != 1 else ''}."
        )

    def as_json(self) -> dict:
        return {
            "provider": self.provider.slug,
            "date": self.today.isoformat(),
            "late_fees": len(self.late_fees),
            "late_fee_total": str(self.late_fee_total),
            "reminders": len(self.reminders),
            "accounts_reminded": self.accounts_reminded,
        }


def daily(provider, today: date | None = None, *, actor=None, base_url=None) -> DailyResult:
    """The collections job of a day: late fees first (so a reminder never comes before the fee
    it warns of is decided), then reminders. Safe to run any number of times a day."""
    today = today or provider_today(provider)
    fees = assess_late_fees(provider, today, actor=actor)
    reminders = send_reminders(provider, today, base_url=base_url)
    return DailyResult(provider, today, fees, reminders)


@task("billing.daily")
def daily_task(provider_id: int, today: str | None = None) -> dict:
    from ccms.tenancy.models import Provider

    provider = Provider.objects.get(pk=provider_id)
    day = date.fromisoformat(today) if today else None
    return daily(provider, day).as_json()


def reminders_sent(provider, limit: int = 200) -> list[Reminder]:
    return list(
        Reminder.objects.filter(provider=provider)
        .select_related("account", "charge")
        .order_by("-sent_at", "-id")[:limit]
    )


def late_fees_charged(provider, limit: int = 100) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(
            provider=provider, kind=EntryKind.CHARGE, category=Category.LATE_PAYMENT
        )
        .select_related("account")
        .order_by("-on", "-id")[:limit]
    )


# --- write-offs ------------------------------------------------------------------------------


def can_approve_write_offs(actor, provider) -> bool:
    from ccms.core.access import PERMISSIONS, provider_roles

    roles = provider_roles(actor, provider) if getattr(actor, "pk", None) else frozenset()
    return bool(roles & PERMISSIONS["billing.approve"])


def open_charges(account: PayerAccount) -> list[tuple[LedgerEntry, Decimal]]:
    """The account's open charges, oldest first, with what is open on each."""
    rows = LedgerEntry.objects.filter(provider_id=account.provider_id, account=account)
    allocation = allocate(rows)
    return [(d, allocation.open_amount(d)) for d in allocation.open_debits()]


def _pending(account: PayerAccount, *, charge=None, exclude=None) -> Decimal:
    rows = WriteOffRequest.objects.filter(
        provider_id=account.provider_id, account=account, status=WriteOffStatus.PENDING
    )
    if charge is not None:
        rows = rows.filter(charge=charge)
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return sum((r.amount for r in rows), ZERO)


def _check_open(account, charge, amount: Decimal, *, exclude=None) -> None:
    """Refuse a write-off of more than is open (less what other requests wait to write off)."""
    allocation = allocate(
        LedgerEntry.objects.filter(provider_id=account.provider_id, account=account)
    )
    if charge is not None:
        debit = next((d for d in allocation.debits if d.pk == charge.pk), None)
        open_amount = allocation.open_amount(debit) if debit is not None else ZERO
        what = f"on this charge ({charge.description or charge.get_category_display()})"
    else:
        open_amount = allocation.open_total
        what = f"on {account.name}'s account"
    waiting = _pending(account, charge=charge, exclude=exclude)
    room = open_amount - waiting
    if open_amount <= 0:
        raise ValidationError({"amount": f"Nothing is open {what}: there is nothing to write off."})
    if amount > room:
        detail = f"{money(open_amount)} is open {what}"
        if waiting:
            detail += f", and {money(waiting)} of it already waits for the director's approval"
        raise ValidationError(
            {
                "amount": f"The write-off of {money(amount)} is more than what is open: {detail}. "
                f"Enter {money(max(room, ZERO))} or less."
            }
        )


@transaction.atomic
def request_write_off(
    account: PayerAccount, *, amount, reason: str, actor, charge: LedgerEntry | None = None
) -> WriteOffRequest:
    """Ask to write off an open charge, or an amount of the account's open balance (which then
    closes the oldest charges first). Only a director approves.

    When the one asking is a director, the request is approved in the same step. The approval
    exists so that someone allowed to approve looks at every write-off before it reaches the
    ledger; when that person is the one asking, a second click adds no second pair of eyes, only
    a request that may sit forgotten in the queue. The row still records who asked, who decided
    (the same director), when, and why."""
    PayerAccount.objects.select_for_update().filter(pk=account.pk).first()
    amount = to_cents(amount) if amount is not None else None
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "Say why this amount cannot be collected (the director reads it)."
    if amount is None or amount <= 0:
        errors["amount"] = "Enter the amount to write off, more than zero."
    if charge is not None and (charge.account_id != account.pk or charge.kind != EntryKind.CHARGE):
        errors["charge"] = "Choose one of this account's open charges."
    if errors:
        raise ValidationError(errors)
    _check_open(account, charge, amount)
    request = WriteOffRequest(
        provider_id=account.provider_id,
        account=account,
        charge=charge,
        amount=amount,
        reason=reason[:300],
        requested_by=actor,
    )
    save_audited(request, actor=actor, reason=f"Write-off requested: {reason}"[:100])
    if can_approve_write_offs(actor, account.provider):
        return approve_write_off(request, actor=actor)
    return request


@transaction.atomic
def approve_write_off(
    request: WriteOffRequest, *, actor, on: date | None = None
) -> WriteOffRequest:
    """Post the write-off (closing the named charge, else the oldest open ones)."""
    locked = (
        WriteOffRequest.objects.select_for_update(of=("self",))
        .select_related("account__provider", "charge")
        .get(pk=request.pk)
    )
    account = locked.account
    if not can_approve_write_offs(actor, account.provider):
        raise PermissionDenied("Only the director approves write-offs.")
    if locked.status != WriteOffStatus.PENDING:
        raise ValidationError(f"This write-off was already {locked.get_status_display().lower()}.")
    try:
        _check_open(account, locked.charge, locked.amount, exclude=locked)
    except ValidationError as error:
        raise ValidationError(
            "Payments since the request leave less open than it asks to write off: "
            + " ".join(error.messages)
            + " Reject this request and ask for a new one."
        ) from None
    on = on or provider_today(account.provider)
    charge = locked.charge
    entry = ledger.post(
        account,
        kind=EntryKind.WRITE_OFF,
        amount=locked.amount,
        on=on,
        key=f"write-off:{locked.pk}",
        actor=actor,
        child=charge.child if charge else None,
        family=charge.family if charge else None,
        category=charge.category if charge else "",
        applies_to=charge,
        description=(
            f"Write-off: {charge.description or charge.get_category_display()}"
            if charge
            else "Write-off of the open balance"
        ),
        reason=locked.reason,
    ).entry
    locked.status = WriteOffStatus.APPROVED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.entry = entry
    save_audited(
        locked,
        actor=actor,
        reason=f"Write-off approved: {locked.reason}"[:100],
        update_fields=["status", "decided_by", "decided_at", "entry"],
    )
    return locked


@transaction.atomic
def reject_write_off(request: WriteOffRequest, *, actor) -> WriteOffRequest:
    locked = (
        WriteOffRequest.objects.select_for_update(of=("self",))
        .select_related("account__provider")
        .get(pk=request.pk)
    )
    if not can_approve_write_offs(actor, locked.account.provider):
        raise PermissionDenied("Only the director rejects write-offs.")
    if locked.status != WriteOffStatus.PENDING:
        raise ValidationError(f"This write-off was already {locked.get_status_display().lower()}.")
    locked.status = WriteOffStatus.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    save_audited(
        locked,
        actor=actor,
        reason="Write-off rejected",
        update_fields=["status", "decided_by", "decided_at"],
    )
    return locked


def pending_write_off_count(provider) -> int:
    return WriteOffRequest.objects.filter(provider=provider, status=WriteOffStatus.PENDING).count()


def write_off_requests(provider, *, limit: int = 100) -> tuple[list, list]:
    """(pending requests, oldest first; recent decisions, newest first)."""
    rows = WriteOffRequest.objects.filter(provider=provider).select_related(
        "account", "charge", "requested_by", "decided_by", "entry"
    )
    pending = list(rows.filter(status=WriteOffStatus.PENDING).order_by("requested_at", "id"))
    decided = list(
        rows.exclude(status=WriteOffStatus.PENDING).order_by("-decided_at", "-id")[:limit]
    )
    return pending, decided
