"""FIFO allocation of a payer's payments, credits and write-offs to its charges, as the Iron
Triangle metrics spec defines it: payments and credits apply to the payer's open charges oldest
first (by date, then entry order); a write-off closes the charge it names or, if none, the oldest.

Allocation is computed, never stored: correcting an old entry re-allocates everything after it.
The same function serves statements, aging, collections, tax statements and the metrics."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ccms.billing.models import CREDIT_KINDS, DEBIT_KINDS, EntryKind

ZERO = Decimal("0.00")
AGING_BUCKETS = ("0-30", "31-60", "61-90", "90+")


@dataclass
class Allocation:
    """What each debit (charge or refund) has been covered by, and what is left open."""

    debits: list = field(default_factory=list)  # entries, oldest first
    covered: dict[int, Decimal] = field(default_factory=dict)  # debit id -> amount covered
    # (credit id, debit id, amount) in the order they were applied
    applications: list[tuple[int, int, Decimal]] = field(default_factory=list)
    unapplied: dict[int, Decimal] = field(default_factory=dict)  # credit id -> left over

    def open_amount(self, debit) -> Decimal:
        return debit.amount - self.covered.get(debit.pk, ZERO)

    def open_debits(self) -> list:
        return [d for d in self.debits if self.open_amount(d) > 0]

    @property
    def open_total(self) -> Decimal:
        return sum((self.open_amount(d) for d in self.debits), ZERO)

    @property
    def unapplied_total(self) -> Decimal:
        return sum(self.unapplied.values(), ZERO)

    def covered_by_kind(self, credits_by_id: dict) -> dict[int, dict[str, Decimal]]:
        """Per debit: how much payments, credits and write-offs covered."""
        out: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
        for credit_id, debit_id, amount in self.applications:
            out[debit_id][credits_by_id[credit_id].kind] += amount
        return out


def _order(entry) -> tuple:
    return (entry.on, entry.pk)


def allocate(entries, as_of: date | None = None) -> Allocation:
    """Allocate one account's entries. With `as_of`, only entries dated on or before it count
    (charges of any date stay open to be covered, so a prepayment covers a later charge)."""
    entries = list(entries)
    reversed_ids = {
        e.reverses_id
        for e in entries
        if e.kind == EntryKind.REVERSAL and (as_of is None or e.on <= as_of)
    }
    debits = sorted(
        (e for e in entries if e.kind in DEBIT_KINDS and e.pk not in reversed_ids), key=_order
    )
    credits = sorted(
        (
            e
            for e in entries
            if e.kind in CREDIT_KINDS
            and e.pk not in reversed_ids
            and (as_of is None or e.on <= as_of)
        ),
        key=_order,
    )
    result = Allocation(debits=debits)
    covered = result.covered
    by_id = {d.pk: d for d in debits}

    def apply(credit_id: int, debit, amount: Decimal) -> Decimal:
        room = debit.amount - covered.get(debit.pk, ZERO)
        take = min(room, amount)
        if take > 0:
            covered[debit.pk] = covered.get(debit.pk, ZERO) + take
            result.applications.append((credit_id, debit.pk, take))
        return amount - take

    # Debits before `first_open` are covered in full, so every later credit starts after them:
    # an account with thousands of entries (the state's CCA account) allocates in linear time.
    first_open = 0
    for credit in credits:
        left = credit.amount
        named = by_id.get(credit.applies_to_id) if credit.kind == EntryKind.WRITE_OFF else None
        if named is not None:
            left = apply(credit.pk, named, left)
        index = first_open
        while left > 0 and index < len(debits):
            left = apply(credit.pk, debits[index], left)
            index += 1
        while first_open < len(debits) and (
            covered.get(debits[first_open].pk, ZERO) >= debits[first_open].amount
        ):
            first_open += 1
        if left > 0:
            result.unapplied[credit.pk] = left
    return result


def age_bucket(days: int) -> str:
    if days <= 30:
        return "0-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"


def aging(allocation: Allocation, as_of: date) -> dict[str, Decimal]:
    """Open amounts by days since the charge date, on `as_of` (charges dated later not yet due)."""
    buckets = dict.fromkeys(AGING_BUCKETS, ZERO)
    for debit in allocation.debits:
        if debit.on > as_of:
            continue
        left = allocation.open_amount(debit)
        if left > 0:
            buckets[age_bucket((as_of - debit.on).days)] += left
    return buckets
