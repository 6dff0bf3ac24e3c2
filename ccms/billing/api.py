from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Router, Schema

from ccms.billing import api_collections, api_payments, queries
from ccms.billing.accounts import accounts_for
from ccms.core.access import access_provider

router = Router()
# The A/R aging report, the same figures as the aging page.
router.add_router("", api_collections.router)
# Payments (POST with an Idempotency-Key) live in their own module.
router.add_router("", api_payments.router)


# --- Accounts and their ledgers (read) -------------------------------------------------------


class AccountOut(Schema):
    id: int
    kind: str
    payer_type: str
    name: str
    family_key: str | None
    balance: Decimal


class EntryOut(Schema):
    id: int
    on: date
    kind: str
    category: str
    amount: Decimal
    effect: Decimal
    description: str
    method: str
    receipt_number: str
    reverses_id: int | None
    open_amount: Decimal | None


def _billing_access(request: HttpRequest, provider: str):
    access = access_provider(request.auth, provider)
    if not (access.can("billing.view") or access.can("billing.own")):
        raise PermissionDenied("Your role may not see billing here.")
    return access


@router.get("/providers/{provider}/billing/accounts", response=list[AccountOut])
def list_accounts(request: HttpRequest, provider: str):
    """Every payer account this user may see (a guardian: their own), with its balance."""
    access = _billing_access(request, provider)
    accounts = accounts_for(access).select_related("family")
    return [
        AccountOut(
            id=a.pk,
            kind=a.kind,
            payer_type=a.payer_type,
            name=a.name,
            family_key=a.family.key if a.family_id else None,
            balance=balance,
        )
        for a, balance in queries.accounts_with_balances(accounts)
    ]


@router.get("/providers/{provider}/billing/accounts/{account_id}/entries", response=list[EntryOut])
def account_entries(request: HttpRequest, provider: str, account_id: int):
    """An account's ledger, oldest first, with what is still open on each charge (FIFO)."""
    access = _billing_access(request, provider)
    account = accounts_for(access).filter(pk=account_id).first()
    if account is None:
        raise Http404("No such account.")
    return [
        EntryOut(
            id=r.entry.pk,
            on=r.entry.on,
            kind=r.entry.kind,
            category=r.entry.category,
            amount=r.entry.amount,
            effect=r.entry.effect,
            description=r.entry.description,
            method=r.entry.method,
            receipt_number=r.entry.receipt_number,
            reverses_id=r.entry.reverses_id,
            open_amount=r.open_amount,
        )
        for r in queries.ledger_rows(account)
    ]
