"""Posting to the ledger: the only code that creates LedgerEntry rows.

Every post carries an idempotency key, unique per provider. Posting a key that exists returns
the existing entry (when it is the same posting) or refuses (when the same key was used for a
different one): a retried request, a double click or a second worker never posts twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from ccms.billing.models import (
    DEBIT_KINDS,
    SIGN,
    EntryKind,
    LedgerEntry,
    PayerAccount,
)
from ccms.core.money import to_cents


class IdempotencyConflict(ValidationError):
    """The key was already used for a different posting."""


@dataclass(frozen=True)
class Posted:
    entry: LedgerEntry
    created: bool


def post(
    account: PayerAccount,
    *,
    kind: str,
    amount,
    on: date,
    key: str,
    actor,
    child=None,
    family=None,
    category: str = "",
    description: str = "",
    method: str = "",
    receipt_number: str = "",
    applies_to: LedgerEntry | None = None,
    due_on: date | None = None,
    reference: str = "",
    reason: str = "",
    billing_run=None,
) -> Posted:
    """Post one entry; say whether it was new. See `post_entry` for the plain form."""
    if kind not in SIGN:
        raise ValidationError(f"Unknown entry kind {kind!r}; reversals go through reverse_entry.")
    amount = to_cents(amount)
    if amount <= 0:
        raise ValidationError({"amount": "The amount must be more than zero."})
    if not key:
        raise ValidationError("Every posting needs an idempotency key.")
    if applies_to is not None and applies_to.account_id != account.pk:
        raise ValidationError("An entry can only apply to an entry of the same account.")
    if family is None and account.family_id:
        family = account.family
    entry = LedgerEntry(
        provider_id=account.provider_id,
        account=account,
        family=family,
        child=child,
        kind=kind,
        category=category,
        on=on,
        due_on=due_on,
        amount=amount,
        effect=amount * SIGN[kind],
        description=description[:300],
        key=key,
        reference=reference,
        method=method,
        receipt_number=receipt_number,
        applies_to=applies_to,
        reason=reason[:300],
        created_by=actor,
        billing_run=billing_run,
    )
    return _insert_once(entry)


def post_entry(account: PayerAccount, **fields) -> LedgerEntry:
    return post(account, **fields).entry


def _insert_once(entry: LedgerEntry) -> Posted:
    existing = LedgerEntry.objects.filter(provider_id=entry.provider_id, key=entry.key).first()
    if existing is None:
        try:
            with transaction.atomic():
                entry.save()
            return Posted(entry, True)
        except IntegrityError:
            # A concurrent request posted the same key between our look and our insert.
            existing = LedgerEntry.objects.filter(
                provider_id=entry.provider_id, key=entry.key
            ).first()
            if existing is None:
                raise
    _check_same(existing, entry)
    return Posted(existing, False)


def _check_same(existing: LedgerEntry, new: LedgerEntry) -> None:
    same = (
        existing.account_id == new.account_id
        and existing.kind == new.kind
        and existing.amount == new.amount
        and existing.reverses_id == new.reverses_id
    )
    if not same:
        raise IdempotencyConflict(
            f"The idempotency key {new.key!r} was already used for a different posting "
            f"({existing.get_kind_display().lower()} of {existing.amount} on {existing.on}). "
            "Use a new key for a new posting."
        )


def post_many(rows: list[dict], *, actor, billing_run=None) -> int:
    """Post many charges or credits in one statement (billing runs). Rows whose key is already
    posted are skipped by the database, so a retried chunk posts nothing twice. Returns how many
    rows were offered; callers count what was posted from the ledger itself."""
    # Related rows are set by id: assigning instances costs a descriptor call each, four per
    # entry, a tenth of posting a large run.
    created_by_id = actor.pk if actor is not None else None
    billing_run_id = billing_run.pk if billing_run is not None else None
    entries = []
    for row in rows:
        kind = row["kind"]
        amount = to_cents(row["amount"])
        if kind not in SIGN or amount <= 0:
            raise ValidationError(f"Cannot post {kind} of {amount}: {row['key']}")
        account = row["account"]
        child = row.get("child")
        entries.append(
            LedgerEntry(
                provider_id=account.provider_id,
                account_id=account.pk,
                family_id=row.get("family_id", account.family_id),
                child_id=child.pk if child is not None else None,
                kind=kind,
                category=row.get("category", ""),
                on=row["on"],
                due_on=row.get("due_on"),
                amount=amount,
                effect=amount * SIGN[kind],
                description=row.get("description", "")[:300],
                key=row["key"],
                reference=row.get("reference", ""),
                method=row.get("method", ""),
                created_by_id=created_by_id,
                billing_run_id=billing_run_id,
            )
        )
    with transaction.atomic():
        LedgerEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return len(entries)


def reverse_entry(entry: LedgerEntry, *, actor, reason: str, key: str = "", on=None) -> LedgerEntry:
    """Cancel an entry with an opposite one that points at it. An entry is reversed only once."""
    if entry.kind == EntryKind.REVERSAL:
        raise ValidationError("A reversal cannot be reversed; post the entry again instead.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why this entry is reversed."})
    already = LedgerEntry.objects.filter(reverses=entry).first()
    if already is not None and (not key or already.key != key):
        raise ValidationError(f"This entry was already reversed on {already.on}.")
    from django.utils import timezone

    reversal = LedgerEntry(
        provider_id=entry.provider_id,
        account_id=entry.account_id,
        family_id=entry.family_id,
        child_id=entry.child_id,
        kind=EntryKind.REVERSAL,
        category=entry.category,
        on=on or timezone.localdate(),
        amount=entry.amount,
        effect=-entry.effect,
        description=f"Reversal of {entry.get_kind_display().lower()}: {entry.description}"[:300],
        key=key or f"reversal:{entry.pk}",
        reverses=entry,
        reason=reason[:300],
        created_by=actor,
    )
    return _insert_once(reversal).entry


def balance(account: PayerAccount, on: date | None = None) -> Decimal:
    entries = LedgerEntry.objects.filter(provider_id=account.provider_id, account=account)
    if on is not None:
        entries = entries.filter(on__lte=on)
    return sum_of(entries.aggregate(total=Sum("effect"))["total"])


def sum_of(total) -> Decimal:
    """A database SUM of money as exact cents (SQLite sums NUMERIC as floating point; rounding
    to cents restores the exact figure for any sum below ten trillion)."""
    return to_cents(total) if total is not None else Decimal("0.00")


def balances(accounts) -> dict[int, Decimal]:
    """Balances of many accounts in one query."""
    ids = [a.pk for a in accounts]
    if not ids:
        return {}
    rows = (
        LedgerEntry.objects.filter(account_id__in=ids)
        .values("account_id")
        .annotate(total=Sum("effect"))
        .order_by()
    )
    found = {r["account_id"]: sum_of(r["total"]) for r in rows}
    return {i: found.get(i, Decimal("0.00")) for i in ids}


def is_debit(entry: LedgerEntry) -> bool:
    return entry.kind in DEBIT_KINDS
