"""The general-ledger journal of a month, for the provider's bookkeeping: every ledger entry
becomes one balanced transaction (debits equal credits), exported as CSV or as a QuickBooks
Desktop IIF file of general journal entries.

How each kind of entry is booked (A/R is the CCA receivable for the state's account, when the
provider names one):

    charge     Dr A/R                 Cr the income account of its category
    payment    Dr Undeposited Funds   Cr A/R
    credit     Dr Discounts           Cr A/R
    write-off  Dr Bad Debt            Cr A/R
    refund     Dr A/R                 Cr Undeposited Funds
    reversal   the reversed entry's lines, debit and credit swapped

The account names come from BillingSettings.gl_accounts (item -> name) over the defaults below."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from ccms.billing.models import (
    AccountKind,
    BillingSettings,
    Category,
    EntryKind,
    LedgerEntry,
)
from ccms.billing.statements import describe, month_bounds

ZERO = Decimal("0.00")

RECEIVABLE = "accounts_receivable"
CCA_RECEIVABLE = "cca_receivable"
UNDEPOSITED = "undeposited_funds"
DISCOUNTS = "discounts"
BAD_DEBT = "bad_debt"


def income_item(category: str) -> str:
    return f"income_{category or Category.OTHER}"


# (item, label on the settings form, default name, QuickBooks account type for the IIF list)
GL_ITEMS: list[tuple[str, str, str, str]] = [
    (RECEIVABLE, "Accounts receivable", "Accounts Receivable", "AR"),
    (CCA_RECEIVABLE, "CCA receivable (empty: accounts receivable)", "", "AR"),
    (UNDEPOSITED, "Payments received (undeposited funds)", "Undeposited Funds", "OCASSET"),
    (DISCOUNTS, "Credits and discounts", "Discounts Given", "INC"),
    (BAD_DEBT, "Write-offs (bad debt)", "Bad Debt Expense", "EXP"),
    (income_item(Category.TUITION), "Tuition", "Tuition Income", "INC"),
    (income_item(Category.REGISTRATION), "Registration fees", "Registration Fee Income", "INC"),
    (income_item(Category.SUPPLY), "Supply fees", "Supply Fee Income", "INC"),
    # A deposit is held for the family, not earned: a liability until it is applied or returned.
    (income_item(Category.DEPOSIT), "Deposits", "Customer Deposits", "OCLIAB"),
    (income_item(Category.ACTIVITY), "Activity fees", "Activity Fee Income", "INC"),
    (income_item(Category.LATE_PICKUP), "Late pick-up fees", "Late Fee Income", "INC"),
    (income_item(Category.LATE_PAYMENT), "Late payment fees", "Late Fee Income", "INC"),
    (income_item(Category.NSF), "Returned payment fees", "Returned Payment Fee Income", "INC"),
    (income_item(Category.CCA), "CCA state share", "CCA Subsidy Income", "INC"),
    (income_item(Category.CCA_FAMILY_FEE), "CCA family fees", "Tuition Income", "INC"),
    (income_item(Category.CCA_DIFFERENCE), "CCA rate differences", "Tuition Income", "INC"),
    (income_item(Category.DISCOUNT), "Charges marked discount", "Discounts Given", "INC"),
    (income_item(Category.OTHER), "Other charges", "Other Income", "INC"),
]
GL_DEFAULTS = {item: default for item, _, default, _ in GL_ITEMS}
OPTIONAL_ITEMS = {CCA_RECEIVABLE}
# QuickBooks Desktop limits: 31 characters per account name segment ("Income:Tuition" has two),
# 41 for a customer name.
QB_SEGMENT = 31
QB_NAME = 41
FORBIDDEN = ("\t", "\n", "\r", '"')


def gl_accounts(settings: BillingSettings | None) -> dict[str, str]:
    """The account name of every item: the provider's own names over the defaults."""
    names = dict(GL_DEFAULTS)
    for item, name in ((settings.gl_accounts if settings else None) or {}).items():
        if item in names and isinstance(name, str):
            names[item] = name.strip()
    return names


def clean_account_name(item: str, name: str) -> str:
    if any(c in name for c in FORBIDDEN):
        raise ValidationError({item: "An account name cannot hold tabs, line breaks or quotes."})
    name = " ".join(name.split())
    if not name:
        if item in OPTIONAL_ITEMS:
            return ""
        raise ValidationError({item: "Name the account as it is in your chart of accounts."})
    segments = name.split(":")
    if any(not s.strip() for s in segments):
        raise ValidationError(
            {item: "Write a sub-account as Parent:Child, with a name on both sides of the colon."}
        )
    long = next((s for s in segments if len(s) > QB_SEGMENT), None)
    if long:
        raise ValidationError(
            {item: f"“{long}” is {len(long)} characters; QuickBooks allows {QB_SEGMENT}."}
        )
    return name


@transaction.atomic
def update_gl_accounts(provider, *, names: dict[str, str], actor) -> BillingSettings:
    """Save the provider's account names; names equal to the defaults are not stored, so the
    provider follows the defaults until it chooses its own."""
    from ccms.billing.accounts import billing_settings
    from ccms.core.services import save_audited

    errors = {}
    chosen = {}
    for item, _, default, _ in GL_ITEMS:
        try:
            name = clean_account_name(item, names.get(item, default))
        except ValidationError as error:
            errors.update(error.message_dict)
            continue
        if name != default:
            chosen[item] = name
    if errors:
        raise ValidationError(errors)
    settings = billing_settings(provider)
    settings = BillingSettings.objects.select_for_update().get(pk=settings.pk)
    settings.gl_accounts = chosen
    save_audited(
        settings, actor=actor, reason="General-ledger accounts", update_fields=["gl_accounts"]
    )
    return settings


# --- the journal -----------------------------------------------------------------------------


@dataclass(frozen=True)
class JournalLine:
    on: date
    account: str
    debit: Decimal
    credit: Decimal
    name: str  # the payer
    memo: str
    reference: str
    entry_id: int
    kind: str

    @property
    def amount(self) -> Decimal:
        """Signed as IIF wants it: debits positive, credits negative."""
        return self.debit - self.credit


@dataclass
class Transaction:
    entry: LedgerEntry
    lines: list[JournalLine]

    @property
    def debits(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credits(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def balanced(self) -> bool:
        return self.debits == self.credits


@dataclass
class Journal:
    provider: object
    start: date
    end: date
    transactions: list[Transaction]
    names: dict[str, str]

    @property
    def lines(self) -> list[JournalLine]:
        return [line for t in self.transactions for line in t.lines]

    @property
    def total_debit(self) -> Decimal:
        return sum((t.debits for t in self.transactions), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((t.credits for t in self.transactions), ZERO)

    def totals_by_account(self) -> list[tuple[str, Decimal, Decimal]]:
        """(account, debits, credits) per account, in name order: a trial balance of the month."""
        totals: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for line in self.lines:
            totals[line.account][0] += line.debit
            totals[line.account][1] += line.credit
        return [(name, d, c) for name, (d, c) in sorted(totals.items())]

    @property
    def filename_stem(self) -> str:
        return f"journal-{self.provider.slug}-{self.start:%Y-%m}"


def _receivable(entry: LedgerEntry, names: dict[str, str]) -> str:
    if entry.account.kind == AccountKind.CCA and names[CCA_RECEIVABLE]:
        return names[CCA_RECEIVABLE]
    return names[RECEIVABLE]


def _debit_credit(entry: LedgerEntry, names: dict[str, str]) -> tuple[str, str]:
    """The account debited and the account credited by an entry (not a reversal)."""
    receivable = _receivable(entry, names)
    if entry.kind == EntryKind.CHARGE:
        return receivable, names[income_item(entry.category)]
    if entry.kind == EntryKind.PAYMENT:
        return names[UNDEPOSITED], receivable
    if entry.kind == EntryKind.CREDIT:
        return names[DISCOUNTS], receivable
    if entry.kind == EntryKind.WRITE_OFF:
        return names[BAD_DEBT], receivable
    if entry.kind == EntryKind.REFUND:
        return receivable, names[UNDEPOSITED]
    raise ValueError(f"No booking for a {entry.kind} entry.")


def _text(value: str) -> str:
    return " ".join((value or "").split())


def transaction_of(entry: LedgerEntry, names: dict[str, str]) -> Transaction:
    if entry.kind == EntryKind.REVERSAL:
        # The reversed entry's booking, turned around: credit what it debited and vice versa.
        credited, debited = _debit_credit(entry.reverses, names)
    else:
        debited, credited = _debit_credit(entry, names)
    memo = describe(entry)
    if entry.kind == EntryKind.REVERSAL and entry.reason:
        memo = f"{memo} ({entry.reason})"
    if entry.kind == EntryKind.WRITE_OFF and entry.reason:
        memo = f"{memo}: {entry.reason}" if entry.description else entry.reason
    common = {
        "on": entry.on,
        "name": _text(entry.account.name),
        "memo": _text(memo),
        "reference": _text(entry.receipt_number or entry.reference),
        "entry_id": entry.pk,
        "kind": entry.kind,
    }
    return Transaction(
        entry,
        [
            JournalLine(account=debited, debit=entry.amount, credit=ZERO, **common),
            JournalLine(account=credited, debit=ZERO, credit=entry.amount, **common),
        ],
    )


def journal(provider, year: int, month: int) -> Journal:
    """Every ledger entry dated in the month as a balanced transaction, in date order."""
    start, end = month_bounds(year, month)
    settings = BillingSettings.objects.filter(provider=provider).first()
    names = gl_accounts(settings)
    entries = (
        LedgerEntry.objects.filter(provider=provider, on__gte=start, on__lte=end)
        .select_related("account", "reverses", "reverses__account")
        .order_by("on", "id")
    )
    return Journal(provider, start, end, [transaction_of(e, names) for e in entries], names)


# --- files -----------------------------------------------------------------------------------

CSV_COLUMNS = [
    "date",
    "entry_id",
    "kind",
    "account",
    "debit",
    "credit",
    "name",
    "memo",
    "reference",
]


def to_csv(journal: Journal) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in journal.lines:
        writer.writerow(
            [
                line.on.isoformat(),
                line.entry_id,
                line.kind,
                line.account,
                f"{line.debit:.2f}" if line.debit else "",
                f"{line.credit:.2f}" if line.credit else "",
                line.name,
                line.memo,
                line.reference,
            ]
        )
    return out.getvalue()


IIF_TYPE = "GENERAL JOURNAL"
IIF_COLUMNS = ["TRNSID", "TRNSTYPE", "DATE", "ACCNT", "NAME", "AMOUNT", "DOCNUM", "MEMO"]


def _iif(value: str, limit: int | None = None) -> str:
    # IIF is tab-separated with no quoting: tabs, line breaks and double quotes cannot appear.
    text = _text(value).replace('"', "'")
    return text[:limit] if limit else text


def to_iif(journal: Journal) -> str:
    """A QuickBooks Desktop import file: the accounts used (so a missing one is created with the
    right type), then one GENERAL JOURNAL transaction per ledger entry. Each transaction is a
    TRNS line and SPL lines whose amounts (debits positive, credits negative) sum to zero."""
    types = {}
    for item, _, _, kind in GL_ITEMS:
        name = journal.names[item]
        if name:
            types.setdefault(name, kind)
    used = sorted({line.account for line in journal.lines})
    rows = []
    if used:
        rows.append(["!ACCNT", "NAME", "ACCNTTYPE"])
        rows += [["ACCNT", _iif(name), types.get(name, "INC")] for name in used]
    rows.append(["!TRNS", *IIF_COLUMNS])
    rows.append(["!SPL", "SPLID", *IIF_COLUMNS[1:]])
    rows.append(["!ENDTRNS"])
    for t in journal.transactions:
        for i, line in enumerate(t.lines):
            rows.append(
                [
                    "TRNS" if i == 0 else "SPL",
                    "",
                    IIF_TYPE,
                    f"{line.on:%m/%d/%Y}",
                    _iif(line.account),
                    _iif(line.name, QB_NAME),
                    f"{line.amount:.2f}",
                    _iif(f"L{line.entry_id}", 21),
                    _iif(line.memo if not line.reference else f"{line.memo} [{line.reference}]"),
                ]
            )
        rows.append(["ENDTRNS"])
    return "".join("\t".join(row) + "\r\n" for row in rows)


def iif_bytes(journal: Journal) -> bytes:
    """QuickBooks Desktop reads IIF in the Windows code page."""
    return to_iif(journal).encode("cp1252", errors="replace")


@dataclass
class IifTransaction:
    type: str
    lines: list[dict]

    @property
    def total(self) -> Decimal:
        return sum((Decimal(line["AMOUNT"]) for line in self.lines), ZERO)


def read_iif(text: str) -> list[IifTransaction]:
    """Parse an IIF file's transactions back (to check a file before handing it over)."""
    headers: dict[str, list[str]] = {}
    found: list[IifTransaction] = []
    current: IifTransaction | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        cells = raw.split("\t")
        tag = cells[0]
        if tag.startswith("!"):
            headers[tag[1:]] = cells[1:]
            continue
        if tag in ("TRNS", "SPL"):
            if tag not in headers:
                raise ValueError(f"line {number}: {tag} before its !{tag} header")
            row = dict(zip(headers[tag], cells[1:], strict=False))
            if tag == "TRNS":
                if current is not None:
                    raise ValueError(f"line {number}: TRNS before the ENDTRNS of the last one")
                current = IifTransaction(row.get("TRNSTYPE", ""), [row])
            else:
                if current is None:
                    raise ValueError(f"line {number}: SPL outside a transaction")
                current.lines.append(row)
        elif tag == "ENDTRNS":
            if current is None:
                raise ValueError(f"line {number}: ENDTRNS without a transaction")
            found.append(current)
            current = None
    if current is not None:
        raise ValueError("the file ends inside a transaction (no ENDTRNS)")
    return found
