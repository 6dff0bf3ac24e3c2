"""Reading billing data for the pages: balances, an account's ledger with running balance and
what is still open on each charge, and the overview figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum

from ccms.billing import ledger
from ccms.billing.allocation import allocate
from ccms.billing.models import (
    DEBIT_KINDS,
    PAYER_TYPE_OF_KIND,
    EntryKind,
    LedgerEntry,
    PayerAccount,
    PayerType,
)

ZERO = Decimal("0.00")


@dataclass
class LedgerRow:
    entry: LedgerEntry
    balance: Decimal  # running balance after this entry
    open_amount: Decimal | None  # for charges and refunds: what is still owed on it
    reversed: bool


def ledger_rows(account: PayerAccount) -> list[LedgerRow]:
    entries = list(
        LedgerEntry.objects.filter(provider_id=account.provider_id, account=account)
        .select_related("child", "created_by", "reverses")
        .order_by("on", "id")
    )
    allocation = allocate(entries)
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id}
    rows, running = [], ZERO
    for e in entries:
        running += e.effect
        open_amount = None
        if e.kind in DEBIT_KINDS:
            open_amount = ZERO if e.pk in reversed_ids else allocation.open_amount(e)
        rows.append(LedgerRow(e, running, open_amount, e.pk in reversed_ids))
    return rows


def accounts_with_balances(accounts) -> list[tuple[PayerAccount, Decimal]]:
    accounts = list(accounts)
    found = ledger.balances(accounts)
    return [(a, found[a.pk]) for a in accounts]


@dataclass
class Overview:
    billed: dict[str, Decimal]
    received: Decimal
    owed: dict[str, Decimal]
    owed_total: Decimal
    credit_total: Decimal
    accounts_owing: int


def overview(provider, month_start: date, month_end: date) -> Overview:
    in_month = LedgerEntry.objects.filter(provider=provider, on__gte=month_start, on__lte=month_end)
    billed = dict.fromkeys(PayerType.values, ZERO)
    for row in (
        in_month.filter(kind=EntryKind.CHARGE)
        .values("account__kind")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        billed[PAYER_TYPE_OF_KIND[row["account__kind"]]] += ledger.sum_of(row["total"])
    received = ledger.sum_of(
        in_month.filter(Q(kind=EntryKind.PAYMENT)).aggregate(t=Sum("amount"))["t"]
    )
    owed = dict.fromkeys(PayerType.values, ZERO)
    owing, credit = 0, ZERO
    rows = (
        LedgerEntry.objects.filter(provider=provider)
        .values("account_id", "account__kind")
        .annotate(total=Sum("effect"))
        .order_by()
    )
    for row in rows:
        total = ledger.sum_of(row["total"])
        if total > 0:
            owed[PAYER_TYPE_OF_KIND[row["account__kind"]]] += total
            owing += 1
        elif total < 0:
            credit -= total
    return Overview(billed, received, owed, sum(owed.values(), ZERO), credit, owing)
