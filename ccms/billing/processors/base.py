"""The card processor interface. One processor is in use at a time (settings.CARD_PROCESSOR);
views, autopay and the webhook endpoint speak only to this interface.

The protocol is Stripe's: a payment intent (`pi_...`) is created for an amount, the payer confirms
it on the processor's hosted checkout, and the processor tells us the outcome in a signed
webhook event (`payment_intent.succeeded` or `payment_intent.payment_failed`). The payment is
posted only when that event arrives, once per intent, whatever the number of deliveries."""

from __future__ import annotations

import json
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ccms.billing.ledger import IdempotencyConflict
from ccms.billing.models import IntentStatus, PaymentIntent
from ccms.billing.processors import signing
from ccms.core.money import to_cents

SUCCEEDED = "payment_intent.succeeded"
FAILED = "payment_intent.payment_failed"


class CardDeclined(Exception):
    def __init__(self, message: str, code: str = "card_declined"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class SavedCard:
    """A card kept at the processor for autopay: we hold its token and last four digits only."""

    token: str
    last4: str
    brand: str


def cents(amount: Decimal) -> int:
    return int(to_cents(amount) * 100)


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


class CardProcessor(ABC):
    name = ""

    @abstractmethod
    def create_payment_intent(
        self, account, amount, idempotency_key: str, actor, *, saved_card: str = ""
    ) -> PaymentIntent:
        """An intent to take `amount` from the payer of `account`; the same key returns the
        same intent."""

    @abstractmethod
    def confirm(self, intent: PaymentIntent, *, card_number: str) -> PaymentIntent:
        """The payer entered a card on the hosted checkout: charge it. The outcome arrives as
        a webhook event; the intent returned is as that event left it."""

    @abstractmethod
    def save_card(self, account, *, card_number: str) -> SavedCard:
        """Keep a card at the processor for autopay (raises CardDeclined)."""

    @abstractmethod
    def charge_saved_card(
        self, account, *, token: str, amount, idempotency_key: str, actor
    ) -> PaymentIntent:
        """Charge a saved card off-session (autopay)."""

    @abstractmethod
    def refund(self, payment, amount, *, idempotency_key: str) -> str:
        """Give back part of a card payment; returns the processor's refund id."""

    def parse_webhook(self, secret: str, payload: bytes, signature: str) -> dict:
        """Verify the signature over the raw body, then read the event."""
        signing.verify(payload, signature, secret)
        try:
            event = json.loads(payload)
        except ValueError as error:
            raise signing.SignatureError("The event is not JSON.") from error
        if not isinstance(event, dict) or not str(event.get("id", "")).startswith("evt_"):
            raise signing.SignatureError("The event has no evt_ id.")
        if not isinstance(event.get("data", {}).get("object"), dict):
            raise signing.SignatureError("The event has no data.object.")
        return event

    # Shared by every processor: the intent row that mirrors the processor's.
    def _store_intent(
        self, account, amount, idempotency_key: str, actor, processor_id: str
    ) -> PaymentIntent:
        amount = to_cents(amount)
        if amount <= 0:
            raise ValidationError({"amount": "The amount must be more than zero."})
        if not idempotency_key:
            raise ValidationError("A payment intent needs an idempotency key.")
        existing = PaymentIntent.objects.filter(
            provider_id=account.provider_id, idempotency_key=idempotency_key
        ).first()
        if existing is None:
            try:
                with transaction.atomic():
                    return PaymentIntent.objects.create(
                        provider_id=account.provider_id,
                        account=account,
                        amount=amount,
                        processor_id=processor_id,
                        client_secret=f"{processor_id}_secret_{secrets.token_urlsafe(18)}",
                        idempotency_key=idempotency_key,
                        status=IntentStatus.REQUIRES_PAYMENT,
                        created_by=actor if getattr(actor, "pk", None) else None,
                    )
            except IntegrityError:
                existing = PaymentIntent.objects.filter(
                    provider_id=account.provider_id, idempotency_key=idempotency_key
                ).first()
                if existing is None:
                    raise
        if existing.account_id != account.pk or existing.amount != amount:
            raise IdempotencyConflict(
                f"The idempotency key {idempotency_key!r} was already used for a payment of "
                f"{existing.amount} by another account or for another amount."
            )
        return existing


def intent_event(intent: PaymentIntent, kind: str, *, last4: str = "", error: str = "") -> dict:
    """A Stripe-style event about an intent, as the processor would send it."""
    import time

    succeeded = kind == SUCCEEDED
    return {
        "id": new_id("evt"),
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "livemode": False,
        "data": {
            "object": {
                "id": intent.processor_id,
                "object": "payment_intent",
                "amount": cents(intent.amount),
                "amount_received": cents(intent.amount) if succeeded else 0,
                "currency": "usd",
                "status": "succeeded" if succeeded else "requires_payment_method",
                "metadata": {"account": str(intent.account_id)},
                "payment_method": {"card": {"last4": last4}} if last4 else None,
                "last_payment_error": None
                if succeeded
                else {"code": "card_declined", "message": error or "Your card was declined."},
            }
        },
    }
