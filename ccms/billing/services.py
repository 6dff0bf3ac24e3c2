"""Billing writes other than posting itself (ledger.py) and the billing run (runs.py): prices,
payer accounts, splits, and hand-made charges, credits and reversals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from ccms.billing import ledger
from ccms.billing.accounts import billing_settings
from ccms.billing.models import BillingSplit, ChildBilling, EntryKind, LedgerEntry, PayerAccount
from ccms.core.services import save_audited


@transaction.atomic
def save_row(instance, *, actor, reason: str = ""):
    """Save a price, fee, settings or account row with its audit record."""
    save_audited(instance, actor=actor, reason=reason)
    return instance


@transaction.atomic
def add_split(child, *, account: PayerAccount, percent, fixed_amount, actor) -> BillingSplit:
    if account.provider_id != child.provider_id:
        raise ValidationError({"account": "Choose a payer of this provider."})
    if BillingSplit.objects.filter(child=child, account=account).exists():
        raise ValidationError({"account": f"{account} already pays a share for {child}."})
    if percent is not None:
        taken = sum(
            (s.percent for s in child.billing_splits.all() if s.percent is not None), Decimal(0)
        )
        if taken + percent > 100:
            raise ValidationError(
                {"percent": f"The shares would add up to {taken + percent}%: at most 100%."}
            )
    split = BillingSplit(
        provider_id=child.provider_id,
        child=child,
        account=account,
        percent=percent,
        fixed_amount=fixed_amount,
    )
    save_audited(split, actor=actor, reason="Split added")
    return split


@transaction.atomic
def remove_split(split: BillingSplit, *, actor) -> None:
    split._history_user = actor
    split._change_reason = "Split removed"
    split.delete()


@transaction.atomic
def set_staff_discount(child, *, on: bool, actor) -> ChildBilling:
    row = ChildBilling.objects.filter(child=child).first() or ChildBilling(
        provider_id=child.provider_id, child=child
    )
    row.staff_discount = on
    save_audited(row, actor=actor, reason="Staff discount " + ("on" if on else "off"))
    return row


def charge(
    account: PayerAccount,
    *,
    category: str,
    amount,
    on: date,
    description: str,
    actor,
    key: str,
    child=None,
) -> ledger.Posted:
    """A charge made by hand (a supply fee, a field trip); due after the provider's days to pay."""
    due = on + timedelta(days=billing_settings(account.provider).due_days)
    return ledger.post(
        account,
        kind=EntryKind.CHARGE,
        category=category,
        amount=amount,
        on=on,
        due_on=due,
        description=description,
        actor=actor,
        key=key,
        child=child,
    )


def credit(account, *, amount, on: date, description: str, actor, key: str) -> ledger.Posted:
    if not description.strip():
        raise ValidationError({"description": "Say why the payer is credited."})
    return ledger.post(
        account,
        kind=EntryKind.CREDIT,
        category="discount",
        amount=amount,
        on=on,
        description=description,
        reason=description,
        actor=actor,
        key=key,
    )


def reverse(entry: LedgerEntry, *, actor, reason: str) -> LedgerEntry:
    from ccms.core.dates import provider_today

    return ledger.reverse_entry(
        entry, actor=actor, reason=reason, on=provider_today(entry.account.provider)
    )
