"""Finding (and creating on first use) the accounts and settings billing needs."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from ccms.billing.models import AccountKind, BillingSettings, PayerAccount
from ccms.families.models import Family
from ccms.tenancy.models import Provider


def billing_settings(provider: Provider) -> BillingSettings:
    found = BillingSettings.objects.filter(provider=provider).first()
    if found is None:
        found, _ = BillingSettings.objects.get_or_create(
            provider=provider,
            defaults={"legal_name": provider.name, "card_webhook_secret": new_webhook_secret()},
        )
    return found


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


def _get_or_create(lookup: dict, defaults: dict) -> PayerAccount:
    found = PayerAccount.objects.filter(**lookup).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return PayerAccount.objects.create(**lookup, **defaults)
    except IntegrityError:  # created by a concurrent request a moment ago
        return PayerAccount.objects.get(**lookup)


def family_account(family: Family) -> PayerAccount:
    """The family's own account: billed whatever no split sends elsewhere."""
    return _get_or_create(
        {"provider_id": family.provider_id, "family": family, "kind": AccountKind.FAMILY},
        {"name": family.name, "email": family.email, "address": family.address},
    )


def cca_account(provider: Provider) -> PayerAccount:
    """The provider's account for the state's Child Care Assistance payments."""
    return _get_or_create(
        {"provider": provider, "kind": AccountKind.CCA},
        {"name": "Iowa Child Care Assistance (HHS)"},
    )


def family_accounts_by_family(provider: Provider, family_ids) -> dict[int, PayerAccount]:
    """Every family's own account, creating the missing ones in one statement (billing runs)."""
    family_ids = set(family_ids)
    found = {
        a.family_id: a
        for a in PayerAccount.objects.filter(
            provider=provider, kind=AccountKind.FAMILY, family_id__in=family_ids
        )
    }
    missing = family_ids - found.keys()
    if missing:
        # Only the columns an account copies: a first run creates thousands of accounts.
        families = Family.objects.filter(provider=provider, pk__in=missing).values_list(
            "pk", "name", "email", "address"
        )
        PayerAccount.objects.bulk_create(
            [
                PayerAccount(
                    provider_id=provider.pk,
                    kind=AccountKind.FAMILY,
                    family_id=pk,
                    name=name,
                    email=email,
                    address=address,
                )
                for pk, name, email, address in families
            ],
            ignore_conflicts=True,
        )
        for a in PayerAccount.objects.filter(
            provider=provider, kind=AccountKind.FAMILY, family_id__in=missing
        ):
            found[a.family_id] = a
    return found


def accounts_for(access) -> QuerySet[PayerAccount]:
    """The accounts this user may see: all of the provider's, or a guardian's own.

    A guardian sees the family account and their own share, never another guardian's share
    (parents in separate households each see only what they owe)."""
    accounts = PayerAccount.objects.filter(provider=access.provider)
    if access.sees_whole_provider:
        return accounts
    if access.role != "guardian":
        return accounts.none()
    from ccms.families.models import Guardian

    mine = Guardian.objects.filter(provider=access.provider, user=access.user)
    family_ids = mine.values("family_id")
    return accounts.filter(
        Q(kind=AccountKind.FAMILY, family_id__in=family_ids) | Q(guardian__in=mine)
    )
