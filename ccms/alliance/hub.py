"""The alliance's hub as a payee: it owns a ledger in which each member has an account, so member
fees, substitute cover and members' payments are ordinary ledger entries (append-only, with
idempotency keys, statements and aging) like a family's at a provider."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from ccms.billing import ledger
from ccms.billing.models import AccountKind, EntryKind, LedgerEntry, PayerAccount
from ccms.tenancy.models import Alliance, Provider, ProviderKind

# Days a member has to pay the hub.
DUE_DAYS = 15


def hub_for(alliance: Alliance) -> Provider:
    """The alliance's hub, made on first use. It is no child care provider: Provider.objects
    leaves it out of every list, metric and page."""
    hub = Provider.all_objects.filter(alliance=alliance, kind=ProviderKind.HUB).first()
    if hub is None:
        hub = Provider.all_objects.create(
            alliance=alliance,
            kind=ProviderKind.HUB,
            slug=f"{alliance.slug}-hub"[:60],
            name=f"{alliance.name} hub",
        )
    return hub


@transaction.atomic
def member_account(member) -> PayerAccount:
    """The member's account at the hub, opened when first needed."""
    if member.account_id:
        return member.account
    account = PayerAccount.objects.create(
        provider=hub_for(member.alliance),
        kind=AccountKind.MEMBER,
        name=member.provider.name,
    )
    type(member).objects.filter(pk=member.pk).update(account=account)
    member.account = account
    return account


def charge_member(
    member,
    *,
    amount: Decimal,
    on: date,
    key: str,
    category: str,
    description: str,
    actor,
) -> LedgerEntry:
    """Post a charge to the member's hub account (idempotent by `key`)."""
    return ledger.post_entry(
        member_account(member),
        kind=EntryKind.CHARGE,
        amount=amount,
        on=on,
        due_on=on + timedelta(days=DUE_DAYS),
        key=key,
        category=category,
        description=description,
        actor=actor,
    )
