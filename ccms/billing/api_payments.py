"""Recording payments through the API. Every request carries an `Idempotency-Key` header: the
same key replays the first response (with `Idempotent-Replayed: true`), and the same key with a
different payment is refused with 409, so a client may retry a request whose answer it missed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from pydantic import ValidationError as PydanticError

from ccms.billing import payments
from ccms.billing.accounts import accounts_for
from ccms.billing.ledger import IdempotencyConflict
from ccms.billing.models import LedgerEntry, Method
from ccms.core.access import access_provider
from ccms.core.dates import provider_today
from ccms.families.models import Child

router = Router()

KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100
# Card and bank-debit payments are posted by their processors, never through this route.
API_METHODS = [m for m in Method.values if m not in (Method.CARD, Method.ACH)]


class PaymentIn(Schema):
    account_id: int
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    method: str = Field(..., description=f"One of: {', '.join(API_METHODS)}.")
    on: date | None = Field(None, description="The day received; default: today.")
    reference: str = Field("", max_length=64, description="Check or money order number.")
    child_id: int | None = None


class PaymentOut(Schema):
    id: int
    account_id: int
    amount: Decimal
    on: date
    method: str
    reference: str
    child_id: int | None
    receipt_number: str
    idempotency_key: str


class ErrorOut(Schema):
    detail: str


def _payment_out(entry, key: str) -> PaymentOut:
    return PaymentOut(
        id=entry.pk,
        account_id=entry.account_id,
        amount=entry.amount,
        on=entry.on,
        method=entry.method,
        reference=entry.reference,
        child_id=entry.child_id,
        receipt_number=entry.receipt_number,
        idempotency_key=key,
    )


@router.post(
    "/providers/{provider}/payments",
    response={201: PaymentOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Record a payment (cash, check, money order, card present)",
    # The body is read after the access check (an outsider learns nothing, not even whether
    # the body was well formed), so it is documented here rather than as a parameter.
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": PaymentIn.model_json_schema()}},
        }
    },
)
def create_payment(request: HttpRequest, provider: str, response: HttpResponse):
    """Post a payment to a payer account, with a receipt number. Send a unique
    `Idempotency-Key` header per payment (a UUID): retrying with the same key never posts twice."""
    access = access_provider(request.auth or request.user, provider, "billing.edit")
    try:
        payload = PaymentIn.model_validate_json(request.body or b"{}")
    except PydanticError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()
        )
        return _error(422, f"The payment is not valid: {problems}.")
    key = request.headers.get(KEY_HEADER, "").strip()
    if not key:
        return _error(
            400,
            f"Send an {KEY_HEADER} header (e.g. a UUID) with every payment: a retried request "
            "with the same key is recorded once.",
        )
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        return _error(400, f"The {KEY_HEADER} header has at most {MAX_KEY_LENGTH} characters.")
    if payload.method not in API_METHODS:
        return _error(400, f"Unknown method {payload.method!r}: use {', '.join(API_METHODS)}.")
    account = accounts_for(access).filter(pk=payload.account_id).first()
    if account is None:
        return _error(404, "No such account.")
    child = None
    if payload.child_id is not None:
        child = Child.objects.filter(provider=access.provider, pk=payload.child_id).first()
        if child is None:
            return _error(404, "No such child.")
    ledger_key = f"api:{key}"
    on = payload.on
    if on is None:  # a retry on a later day still means the day of the first try
        first = LedgerEntry.objects.filter(provider=access.provider, key=ledger_key)
        on = first.values_list("on", flat=True).first() or provider_today(access.provider)
    try:
        posted = payments.record_payment(
            account,
            amount=payload.amount,
            on=on,
            method=payload.method,
            reference=payload.reference,
            child=child,
            actor=request.user,
            key=ledger_key,
        )
    except IdempotencyConflict as error:
        return _error(409, " ".join(error.messages))
    except ValidationError as error:
        return _error(400, " ".join(error.messages))
    if not posted.created:
        response["Idempotent-Replayed"] = "true"
    return Status(201, _payment_out(posted.entry, key))


def _error(status: int, detail: str) -> Status:
    return Status(status, {"detail": detail})
