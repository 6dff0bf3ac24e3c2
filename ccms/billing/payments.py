"""Payments: recording what a payer paid (at the desk, online, by bank debit), receipts and refunds.

Every payment goes through `record_payment`, with an idempotency key: the same key posts once,
whether the second try is a double click, a retried API call or a redelivered processor event.
Receipt numbers are sequential per provider and year (R-2026-000123); they are taken while the
provider's billing settings row is locked, so two desks never hand out the same number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum

from ccms.billing import ledger
from ccms.billing.accounts import billing_settings
from ccms.billing.ledger import IdempotencyConflict, Posted
from ccms.billing.models import (
    BillingSettings,
    EntryKind,
    LedgerEntry,
    Method,
    PayerAccount,
)
from ccms.core.dates import provider_today
from ccms.core.money import to_cents

# What the desk records by hand; card (online) and ACH payments come from the processors.
MANUAL_METHODS = (Method.CASH, Method.CHECK, Method.MONEY_ORDER, Method.CARD_PRESENT)
RECEIPT_DIGITS = 6


def lock_billing_settings(provider) -> BillingSettings:
    """The provider's settings row, locked until the transaction ends: receipt numbers, ACH
    trace numbers and autopay runs are taken one at a time per provider."""
    found = billing_settings(provider)
    return BillingSettings.objects.select_for_update().get(pk=found.pk)


def next_receipt_number(provider_id: int, on: date) -> str:
    """The next number of the year; call with the settings row locked."""
    prefix = f"R-{on.year}-"
    last = (
        LedgerEntry.objects.filter(provider_id=provider_id, receipt_number__startswith=prefix)
        .order_by("-receipt_number")
        .values_list("receipt_number", flat=True)
        .first()
    )
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:0{RECEIPT_DIGITS}d}"


def default_description(method: str, reference: str) -> str:
    text = f"Payment, {Method(method).label.lower()}"
    return f"{text} #{reference}" if reference else text


def _same_payment(existing: LedgerEntry, *, account, amount, on, method, reference, child) -> None:
    differences = []
    if existing.kind != EntryKind.PAYMENT or existing.account_id != account.pk:
        differences.append("a different account or kind of entry")
    if existing.amount != amount:
        differences.append(f"amount {existing.amount}, not {amount}")
    if existing.on != on:
        differences.append(f"date {existing.on}, not {on}")
    if existing.method != method:
        differences.append(f"method {existing.get_method_display().lower()}")
    if existing.reference != reference:
        differences.append(f"reference {existing.reference or '(none)'!r}")
    if existing.child_id != (child.pk if child else None):
        differences.append("another child")
    if differences:
        raise IdempotencyConflict(
            f"The idempotency key {existing.key!r} was already used for a different payment "
            f"({', '.join(differences)}). Send a new key for a new payment."
        )


def record_payment(
    account: PayerAccount,
    *,
    amount,
    on: date,
    method: str,
    actor,
    key: str,
    reference: str = "",
    child=None,
    description: str = "",
) -> Posted:
    """Post a payment with a receipt number. The same key with the same payment returns the
    payment already posted (created=False); the same key with a different payment is refused."""
    if method not in Method.values:
        raise ValidationError({"method": f"Unknown payment method {method!r}."})
    if not key or len(key) > 200:
        raise ValidationError("Every payment needs an idempotency key of at most 200 characters.")
    amount = to_cents(amount)
    if amount <= 0:
        raise ValidationError({"amount": "The amount must be more than zero."})
    if amount >= Decimal("10000000000"):
        raise ValidationError({"amount": "The amount is too large for one payment."})
    reference = (reference or "").strip()
    if len(reference) > 64:
        raise ValidationError({"reference": "A reference has at most 64 characters."})
    if child is not None and child.provider_id != account.provider_id:
        raise ValidationError({"child": "Choose a child of this provider."})
    checked = dict(account=account, amount=amount, on=on, method=method, reference=reference)
    with transaction.atomic():
        existing = LedgerEntry.objects.filter(provider_id=account.provider_id, key=key).first()
        if existing is None:
            lock_billing_settings(account.provider)
            # A request with the same key may have posted while we waited for the lock.
            existing = LedgerEntry.objects.filter(provider_id=account.provider_id, key=key).first()
        if existing is not None:
            _same_payment(existing, child=child, **checked)
            return Posted(existing, False)
        posted = ledger.post(
            account,
            kind=EntryKind.PAYMENT,
            amount=amount,
            on=on,
            key=key,
            actor=actor,
            child=child,
            method=method,
            reference=reference,
            receipt_number=next_receipt_number(account.provider_id, on),
            description=description or default_description(method, reference),
        )
        if not posted.created:  # the database's unique key caught a concurrent twin
            _same_payment(posted.entry, child=child, **checked)
        return posted


def refunded_amount(payment: LedgerEntry) -> Decimal:
    refunds = LedgerEntry.objects.filter(
        provider_id=payment.provider_id, applies_to=payment, kind=EntryKind.REFUND
    ).exclude(reversed_by__isnull=False)
    return sum((r.amount for r in refunds), Decimal("0.00"))


def refund(
    payment: LedgerEntry, *, amount, reason: str, actor, key: str, on: date | None = None
) -> LedgerEntry:
    """Give back part or all of a payment: a refund entry that points at the payment (it raises
    what the payer owes by the amount given back). Card refunds go back through the processor."""
    if payment.kind != EntryKind.PAYMENT:
        raise ValidationError("Only a payment can be refunded.")
    if not key:
        raise ValidationError("Every refund needs an idempotency key.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the money is given back."})
    amount = to_cents(amount)
    if amount <= 0:
        raise ValidationError({"amount": "The amount must be more than zero."})
    with transaction.atomic():
        locked = LedgerEntry.objects.select_for_update().get(pk=payment.pk)
        existing = LedgerEntry.objects.filter(provider_id=payment.provider_id, key=key).first()
        if existing is not None:
            if (
                existing.kind != EntryKind.REFUND
                or existing.applies_to_id != payment.pk
                or existing.amount != amount
            ):
                raise IdempotencyConflict(
                    f"The idempotency key {key!r} was already used for a different posting."
                )
            return existing
        if LedgerEntry.objects.filter(reverses=locked).exists():
            raise ValidationError("This payment was reversed; there is nothing to refund.")
        left = locked.amount - refunded_amount(locked)
        if amount > left:
            raise ValidationError(
                {"amount": f"At most ${left} of this payment can still be refunded."}
            )
        reference = ""
        if locked.method == Method.CARD:
            from ccms.billing.processors import card_processor

            reference = card_processor().refund(locked, amount, idempotency_key=key)
        return ledger.post_entry(
            locked.account,
            kind=EntryKind.REFUND,
            amount=amount,
            on=on or provider_today(locked.account.provider),
            key=key,
            actor=actor,
            child=locked.child,
            method=locked.method,
            applies_to=locked,
            reference=reference,
            reason=reason.strip(),
            description=f"Refund of payment {locked.receipt_number or locked.pk}",
        )


@dataclass
class Receipt:
    payment: LedgerEntry
    settings: BillingSettings
    balance_after: Decimal
    refunds: list
    reversal: LedgerEntry | None

    @property
    def refundable(self) -> Decimal:
        if self.reversal is not None:
            return Decimal("0.00")
        return self.payment.amount - sum((r.amount for r in self.refunds), Decimal("0.00"))


def receipt(payment: LedgerEntry) -> Receipt:
    """What a receipt shows: the payment, the payee, and the balance once it was posted."""
    up_to = LedgerEntry.objects.filter(
        Q(on__lt=payment.on) | Q(on=payment.on, pk__lte=payment.pk),
        provider_id=payment.provider_id,
        account_id=payment.account_id,
    )
    after = ledger.sum_of(up_to.aggregate(total=Sum("effect"))["total"])
    return Receipt(
        payment=payment,
        settings=billing_settings(payment.account.provider),
        balance_after=after,
        refunds=list(
            LedgerEntry.objects.filter(
                provider_id=payment.provider_id, applies_to=payment, kind=EntryKind.REFUND
            ).order_by("on", "pk")
        ),
        reversal=LedgerEntry.objects.filter(reverses=payment).first(),
    )


def payer_emails(account: PayerAccount) -> list[str]:
    """Where a payer's notices go: the account's own address, else its guardians'."""
    if account.email:
        return [account.email]
    guardians = []
    if account.guardian_id:
        guardians = [account.guardian]
    elif account.family_id:
        guardians = list(account.family.guardians.filter(is_payer=True).select_related("user"))
    emails = []
    for g in guardians:
        email = g.email or (g.user.email if g.user_id else "")
        if email and email not in emails:
            emails.append(email)
    return emails


def director_emails(provider) -> list[str]:
    from ccms.tenancy.models import Membership, Role

    return sorted(
        set(
            Membership.objects.filter(
                provider=provider, role=Role.DIRECTOR, user__is_active=True
            ).values_list("user__email", flat=True)
        )
    )
