"""What a payer's documents say: the monthly statement, the invoice of a billing run, the receipt
of a payment and the year-end statement of amounts paid for the dependent care credit.

Everything here only reads. Open amounts and what a payment paid for come from the FIFO
allocation (ccms.billing.allocation), the same one the aging report and the metrics use, so a
statement never disagrees with them. The web pages and the PDFs render the same objects."""

from __future__ import annotations

import calendar
import copy
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum

from ccms.billing.allocation import AGING_BUCKETS, age_bucket, aging, allocate
from ccms.billing.ledger import sum_of
from ccms.billing.models import (
    DEBIT_KINDS,
    AccountKind,
    BillingRun,
    BillingSettings,
    EntryKind,
    LedgerEntry,
    PayerAccount,
)
from ccms.core.dates import provider_today

ZERO = Decimal("0.00")
DEFAULT_DUE_DAYS = 10


def format_money(amount: Decimal | None) -> str:
    """$1,234.56 and -$12.00: the one way documents print an amount."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


# --- who issues the documents ----------------------------------------------------------------


@dataclass(frozen=True)
class Issuer:
    """The provider as it appears at the top of every document."""

    name: str
    trade_name: str  # the provider's everyday name when the legal name differs, else ""
    address: str
    ein: str
    due_days: int

    @property
    def has_ein(self) -> bool:
        return bool(self.ein)


def issuer_of(provider) -> Issuer:
    """Name, address and EIN from the billing settings, falling back to the provider's name.
    Reads only: showing a document never creates the settings row."""
    settings = BillingSettings.objects.filter(provider=provider).first()
    legal = (settings.legal_name if settings else "").strip()
    name = legal or provider.name
    address = (settings.remit_address if settings else "").strip()
    if not address and provider.city:
        address = f"{provider.city}, Iowa"
    return Issuer(
        name=name,
        trade_name=provider.name if legal and legal != provider.name else "",
        address=address,
        ein=(settings.ein if settings else "").strip(),
        due_days=settings.due_days if settings else DEFAULT_DUE_DAYS,
    )


# --- shared pieces ---------------------------------------------------------------------------


def describe(entry: LedgerEntry) -> str:
    """What a line says when the entry carries no description of its own."""
    if entry.description:
        return entry.description
    if entry.category:
        return entry.get_category_display()
    return entry.get_kind_display()


def _entries(account: PayerAccount):
    return LedgerEntry.objects.filter(provider_id=account.provider_id, account=account)


def _due_date(entry: LedgerEntry, due_days: int) -> date:
    return entry.due_on or entry.on + timedelta(days=due_days)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise ValidationError("Choose a month between January 2000 and December 2100.")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class Line:
    """One entry on a statement, with the balance after it."""

    entry: LedgerEntry
    balance: Decimal
    reversed: bool = False

    @property
    def on(self) -> date:
        return self.entry.on

    @property
    def description(self) -> str:
        return describe(self.entry)

    @property
    def charge(self) -> Decimal | None:
        return self.entry.effect if self.entry.effect > 0 else None

    @property
    def credit(self) -> Decimal | None:
        return -self.entry.effect if self.entry.effect < 0 else None

    @property
    def detail(self) -> str:
        """Method and receipt number of a payment, or the kind of an adjustment."""
        e = self.entry
        said = self.description.lower()
        parts = []
        if e.kind != EntryKind.CHARGE and e.get_kind_display().lower() not in said:
            parts.append(e.get_kind_display())
        if e.method and e.get_method_display().lower() not in said:
            parts.append(e.get_method_display())
        if e.receipt_number:
            parts.append(f"receipt {e.receipt_number}")
        if e.child_id and e.child and e.child.first_name not in (e.description or ""):
            parts.append(e.child.first_name)
        return ", ".join(parts)


@dataclass
class OpenCharge:
    entry: LedgerEntry
    open: Decimal
    due_on: date
    age_days: int
    bucket: str
    overdue: bool

    @property
    def description(self) -> str:
        return describe(self.entry)


# --- monthly statement -----------------------------------------------------------------------


@dataclass
class Statement:
    account: PayerAccount
    issuer: Issuer
    period_start: date
    period_end: date
    statement_date: date  # the month's last day, or today while the month runs
    opening_balance: Decimal
    lines: list[Line]
    closing_balance: Decimal
    open_charges: list[OpenCharge]
    aging: dict[str, Decimal]
    payments: list[Line]
    due_on: date | None
    past_due: Decimal

    @property
    def charges_total(self) -> Decimal:
        return sum((line.charge or ZERO for line in self.lines), ZERO)

    @property
    def credits_total(self) -> Decimal:
        return sum((line.credit or ZERO for line in self.lines), ZERO)

    @property
    def payments_total(self) -> Decimal:
        return sum(
            (line.entry.amount for line in self.payments if not line.reversed),
            ZERO,
        )

    @property
    def amount_due(self) -> Decimal:
        return max(self.closing_balance, ZERO)

    @property
    def credit_balance(self) -> Decimal:
        return max(-self.closing_balance, ZERO)

    @property
    def number(self) -> str:
        return f"S-{self.period_start:%Y%m}-{self.account.pk}"

    @property
    def aging_rows(self) -> list[tuple[str, Decimal]]:
        return [(bucket, self.aging[bucket]) for bucket in AGING_BUCKETS]

    @property
    def title(self) -> str:
        return f"Statement for {self.period_start:%B %Y}"


def statement(account: PayerAccount, year: int, month: int, *, today: date | None = None):
    """The account's statement for a month: opening balance (everything before the month),
    every entry of the month with the balance after it, the closing balance, what is still open
    with its age, and what is due when."""
    start, end = month_bounds(year, month)
    issuer = issuer_of(account.provider)
    today = today or provider_today(account.provider)
    as_of = min(end, today) if today >= start else end
    upto = list(_entries(account).filter(on__lte=end).select_related("child").order_by("on", "id"))
    # A reversal dated later does not change the month's figures, only its own month's; the
    # month's line still says it was reversed since.
    reversed_ids = set(
        _entries(account)
        .filter(kind=EntryKind.REVERSAL, reverses__on__gte=start, reverses__on__lte=end)
        .values_list("reverses_id", flat=True)
    )
    opening = sum((e.effect for e in upto if e.on < start), ZERO)
    running = opening
    lines = []
    for e in upto:
        if e.on < start:
            continue
        running += e.effect
        lines.append(Line(e, running, e.pk in reversed_ids))
    allocation = allocate(upto)
    open_charges = []
    for debit in allocation.open_debits():
        due = _due_date(debit, issuer.due_days)
        days = max((as_of - debit.on).days, 0)
        open_charges.append(
            OpenCharge(
                entry=debit,
                open=allocation.open_amount(debit),
                due_on=due,
                age_days=days,
                bucket=age_bucket(days),
                overdue=due < as_of,
            )
        )
    return Statement(
        account=account,
        issuer=issuer,
        period_start=start,
        period_end=end,
        statement_date=as_of,
        opening_balance=opening,
        lines=lines,
        closing_balance=running,
        open_charges=open_charges,
        aging=aging(allocation, as_of),
        payments=[line for line in lines if line.entry.kind == EntryKind.PAYMENT],
        due_on=min((c.due_on for c in open_charges), default=None) if running > 0 else None,
        past_due=sum((c.open for c in open_charges if c.overdue), ZERO),
    )


@dataclass
class StatementSummary:
    account: PayerAccount
    opening_balance: Decimal
    charges: Decimal
    credits: Decimal
    closing_balance: Decimal

    @staticmethod
    def total(rows: list[StatementSummary]) -> dict[str, Decimal]:
        return {
            name: sum((getattr(r, name) for r in rows), ZERO)
            for name in ("opening_balance", "charges", "credits", "closing_balance")
        }


def statements_for_month(accounts, year: int, month: int) -> list[StatementSummary]:
    """Every account's figures for a month in three queries, for the list of statements.
    Accounts with nothing before or in the month are left out."""
    start, end = month_bounds(year, month)
    accounts = {a.pk: a for a in accounts}
    if not accounts:
        return []
    entries = LedgerEntry.objects.filter(account_id__in=accounts, on__lte=end).order_by()
    opening = dict(
        entries.filter(on__lt=start)
        .values("account_id")
        .annotate(total=Sum("effect"))
        .values_list("account_id", "total")
    )
    month_rows = entries.filter(on__gte=start).values("account_id").order_by()
    charges = dict(
        month_rows.filter(effect__gt=0)
        .annotate(total=Sum("effect"))
        .values_list("account_id", "total")
    )
    credits = dict(
        month_rows.filter(effect__lt=0)
        .annotate(total=Sum("effect"))
        .values_list("account_id", "total")
    )
    out = []
    for pk, account in accounts.items():
        if pk not in opening and pk not in charges and pk not in credits:
            continue
        before = sum_of(opening.get(pk))
        up, down = sum_of(charges.get(pk)), -sum_of(credits.get(pk))
        out.append(StatementSummary(account, before, up, down, before + up - down))
    return sorted(out, key=lambda s: (s.account.name.lower(), s.account.pk))


# --- invoice of a billing run ----------------------------------------------------------------


@dataclass
class Invoice:
    account: PayerAccount
    run: BillingRun
    issuer: Issuer
    lines: list[Line]
    previous_balance: Decimal
    due_on: date | None

    @property
    def number(self) -> str:
        return f"INV-{self.run.period_start:%Y%m%d}-{self.account.pk}"

    @property
    def invoice_date(self) -> date:
        return self.run.period_start

    @property
    def total(self) -> Decimal:
        return sum((line.entry.amount for line in self.lines if not line.reversed), ZERO)

    @property
    def amount_due(self) -> Decimal:
        return max(self.previous_balance + self.total, ZERO)

    @property
    def title(self) -> str:
        return f"Invoice {self.number}"


def invoice(account: PayerAccount, run: BillingRun) -> Invoice | None:
    """The run's charges to this account (None when the run charged it nothing), the balance
    before the run's period and the due date. A charge reversed since shows as cancelled."""
    charges = list(
        _entries(account)
        .filter(billing_run=run, kind=EntryKind.CHARGE)
        .select_related("child")
        .order_by("on", "id")
    )
    if not charges:
        return None
    issuer = issuer_of(account.provider)
    cancelled = set(
        LedgerEntry.objects.filter(
            provider_id=account.provider_id, reverses__in=charges
        ).values_list("reverses_id", flat=True)
    )
    previous = sum_of(
        _entries(account).filter(on__lt=run.period_start).aggregate(t=Sum("effect"))["t"]
    )
    lines, running = [], previous
    for c in charges:
        if c.pk not in cancelled:
            running += c.effect
        lines.append(Line(c, running, c.pk in cancelled))
    return Invoice(
        account=account,
        run=run,
        issuer=issuer,
        lines=lines,
        previous_balance=previous,
        due_on=min(_due_date(c, issuer.due_days) for c in charges),
    )


def invoices_of(account: PayerAccount) -> list[BillingRun]:
    """The billing runs that charged this account, newest first."""
    run_ids = (
        _entries(account)
        .filter(billing_run__isnull=False)
        .values_list("billing_run_id", flat=True)
        .distinct()
    )
    return list(BillingRun.objects.filter(provider_id=account.provider_id, pk__in=run_ids))


# --- receipt of a payment --------------------------------------------------------------------


@dataclass
class Receipt:
    payment: LedgerEntry
    account: PayerAccount
    issuer: Issuer
    applied: list[tuple[LedgerEntry, Decimal]]  # (charge, amount), oldest first
    paid_ahead: Decimal
    balance_after: Decimal
    reversal: LedgerEntry | None

    @property
    def number(self) -> str:
        return self.payment.receipt_number or f"P-{self.payment.pk}"

    @property
    def title(self) -> str:
        return f"Receipt {self.number}"


def receipt(payment: LedgerEntry) -> Receipt:
    """A payment, what it paid for (FIFO, as things stand today) and the balance after it."""
    account = payment.account
    entries = list(_entries(account).select_related("child").order_by("on", "id"))
    allocation = allocate(entries)
    by_id = {e.pk: e for e in entries}
    applied = [
        (by_id[debit_id], amount)
        for credit_id, debit_id, amount in allocation.applications
        if credit_id == payment.pk
    ]
    after = sum(
        (e.effect for e in entries if (e.on, e.pk) <= (payment.on, payment.pk)),
        ZERO,
    )
    reversal = next((e for e in entries if e.reverses_id == payment.pk), None)
    return Receipt(
        payment=payment,
        account=account,
        issuer=issuer_of(account.provider),
        applied=applied,
        paid_ahead=allocation.unapplied.get(payment.pk, ZERO),
        balance_after=after,
        reversal=reversal,
    )


# --- year-end statement for the dependent care credit ----------------------------------------

# What counts as paid: money the payer handed over. Credits (discounts, goodwill) still cover
# charges in the FIFO order, but they are not amounts paid, so they never count toward the credit.
PAID_KINDS = (EntryKind.PAYMENT,)
# The state's CCA account gets no statement: the state claims no credit for its payments.
NO_TAX_STATEMENT_KINDS = (AccountKind.CCA,)


@dataclass
class ChildPaid:
    child: object | None  # None: charges that name no child (an account-level fee)
    amount: Decimal

    @property
    def label(self) -> str:
        if self.child is None:
            return "Charges not for a particular child"
        return f"{self.child.first_name} {self.child.last_name}"


@dataclass
class TaxStatement:
    account: PayerAccount
    issuer: Issuer
    year: int
    children: list[ChildPaid]
    paid_ahead: Decimal  # paid in the year for charges not yet made
    payments: list[tuple[LedgerEntry, Decimal]]  # (payment, amount after refunds), in the year
    refunds: Decimal  # refunds that reduced the year's payments

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.children), ZERO) + self.paid_ahead

    @property
    def payments_gross(self) -> Decimal:
        return sum((p.amount for p, _ in self.payments), ZERO)

    @property
    def title(self) -> str:
        return f"{self.year} statement of child care payments"


def _live(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """The entries that still stand: a reversal and what it reverses cancel out, whatever the
    reversal's date (a payment returned by the bank in January was never paid in December)."""
    reversed_ids = {e.reverses_id for e in entries if e.kind == EntryKind.REVERSAL}
    return [e for e in entries if e.kind != EntryKind.REVERSAL and e.pk not in reversed_ids]


def _net_payments(live: list[LedgerEntry], end: date) -> dict[int, Decimal]:
    """Each payment less the refunds that gave it back. A refund reduces the payment it names;
    any rest (or a refund naming none) reduces the latest payments made before it."""
    payments = [e for e in live if e.kind in PAID_KINDS]
    net = {p.pk: p.amount for p in payments}
    for refund in (e for e in live if e.kind == EntryKind.REFUND and e.on <= end):
        left = refund.amount
        named = [p for p in payments if p.pk == refund.applies_to_id]
        earlier = sorted(
            (p for p in payments if p.on <= refund.on and p.pk != refund.applies_to_id),
            key=lambda p: (p.on, p.pk),
            reverse=True,
        )
        for p in named + earlier:
            take = min(net[p.pk], left)
            net[p.pk] -= take
            left -= take
            if left <= 0:
                break
    return net


def tax_statement_from_entries(account, issuer: Issuer, year: int, entries) -> TaxStatement:
    """The amounts paid in `year`, per child: the year's payments (less refunds) applied FIFO to
    the account's charges, each charge counting for its child. Payments made in the year for
    later charges count as paid ahead; refunds count as given back, not as charges."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    live = _live(list(entries))
    net = _net_payments(live, end)
    allocated = []
    for e in live:
        if e.kind == EntryKind.CHARGE:
            allocated.append(e)  # charges of any date: a December payment may be for January
        elif e.kind in PAID_KINDS:
            if e.on <= end and net[e.pk] > 0:
                shown = copy.copy(e)
                shown.amount = net[e.pk]
                allocated.append(shown)
        elif e.kind not in DEBIT_KINDS and e.on <= end:
            allocated.append(e)  # credits and write-offs take their place in the FIFO order
    allocation = allocate(allocated)
    by_id = {e.pk: e for e in allocated}
    per_child: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    children = {}
    for credit_id, debit_id, amount in allocation.applications:
        credit = by_id[credit_id]
        if credit.kind not in PAID_KINDS or not start <= credit.on <= end:
            continue
        debit = by_id[debit_id]
        per_child[debit.child_id] += amount
        if debit.child_id:
            children[debit.child_id] = debit.child
    ahead = sum(
        (
            left
            for credit_id, left in allocation.unapplied.items()
            if by_id[credit_id].kind in PAID_KINDS and start <= by_id[credit_id].on <= end
        ),
        ZERO,
    )
    rows = [ChildPaid(children[pk], amount) for pk, amount in per_child.items() if pk and amount]
    rows.sort(key=lambda r: (r.child.first_name, r.child.last_name, r.child.pk))
    if per_child.get(None):
        rows.append(ChildPaid(None, per_child[None]))
    in_year = [e for e in live if e.kind in PAID_KINDS and start <= e.on <= end]
    return TaxStatement(
        account=account,
        issuer=issuer,
        year=year,
        children=rows,
        paid_ahead=ahead,
        payments=[(p, net[p.pk]) for p in in_year],
        refunds=sum((p.amount - net[p.pk] for p in in_year), ZERO),
    )


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise ValidationError("Choose a year between 2000 and 2100.")
    return year


def tax_statement(account: PayerAccount, year: int) -> TaxStatement:
    entries = _entries(account).select_related("child").order_by("on", "id")
    return tax_statement_from_entries(account, issuer_of(account.provider), _year(year), entries)


def tax_statements(provider, accounts, year: int) -> list[TaxStatement]:
    """The year's statement of every account that paid something in it (one query for the
    entries of all accounts). The CCA account is left out."""
    _year(year)
    accounts = {a.pk: a for a in accounts.exclude(kind__in=NO_TAX_STATEMENT_KINDS)}
    paid = set(
        LedgerEntry.objects.filter(
            provider=provider,
            account_id__in=accounts,
            kind__in=PAID_KINDS,
            on__year=year,
        ).values_list("account_id", flat=True)
    )
    grouped = defaultdict(list)
    for e in (
        LedgerEntry.objects.filter(provider=provider, account_id__in=paid)
        .select_related("child")
        .order_by("on", "id")
    ):
        grouped[e.account_id].append(e)
    issuer = issuer_of(provider)
    out = [
        tax_statement_from_entries(accounts[pk], issuer, year, grouped[pk])
        for pk in sorted(paid, key=lambda pk: (accounts[pk].name.lower(), pk))
    ]
    return out


def documents_of(account: PayerAccount) -> dict:
    """What documents an account has: months with entries, invoices, receipts, tax years."""
    entries = _entries(account)
    months = sorted({(d.year, d.month) for d in entries.dates("on", "month")}, reverse=True)
    payments = list(entries.filter(kind=EntryKind.PAYMENT).order_by("-on", "-id"))
    reversed_ids = set(
        entries.filter(reverses__kind=EntryKind.PAYMENT).values_list("reverses_id", flat=True)
    )
    return {
        "months": [date(y, m, 1) for y, m in months],
        "invoices": invoices_of(account),
        "payments": [(p, p.pk in reversed_ids) for p in payments],
        "tax_years": sorted({p.on.year for p in payments}, reverse=True)
        if account.kind not in NO_TAX_STATEMENT_KINDS
        else [],
    }
