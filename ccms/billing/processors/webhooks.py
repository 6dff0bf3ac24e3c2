"""Receiving the card processor's events: verify, record once, act.

An event is recorded in WebhookEvent in the same transaction as what it does, so a redelivered
event (the processor retries until it gets a 2xx) finds its row and changes nothing, and an
event that could not be acted on leaves no row and is acted on when it comes again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from ccms.billing.accounts import billing_settings
from ccms.billing.models import IntentStatus, Method, PaymentIntent, WebhookEvent
from ccms.billing.processors import card_processor
from ccms.billing.processors.base import FAILED, SUCCEEDED, cents
from ccms.billing.processors.signing import SignatureError

__all__ = ["SignatureError", "WebhookRejected", "WebhookResult", "handle_card_webhook"]


class WebhookRejected(Exception):
    """A genuine event we cannot act on (an unknown intent, a wrong amount)."""


@dataclass(frozen=True)
class WebhookResult:
    event_id: str
    type: str
    outcome: str  # "processed", "duplicate" or "ignored"


def handle_card_webhook(provider, payload: bytes, signature: str) -> WebhookResult:
    """Verify and apply one event. Raises SignatureError (not from the processor, or stale) or
    WebhookRejected; the endpoint answers both with 400."""
    secret = billing_settings(provider).card_webhook_secret or ""
    event = card_processor().parse_webhook(secret, payload, signature)
    event_id, kind = str(event["id"])[:100], str(event.get("type", ""))[:60]
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(
                    provider=provider, event_id=event_id, type=kind, payload=event
                )
        except IntegrityError:
            return WebhookResult(event_id, kind, "duplicate")
        obj = event["data"]["object"]
        if kind == SUCCEEDED:
            _succeeded(provider, obj, event.get("created"))
        elif kind == FAILED:
            _failed(provider, obj)
        else:
            return WebhookResult(event_id, kind, "ignored")
    return WebhookResult(event_id, kind, "processed")


def _intent(provider, obj: dict) -> PaymentIntent:
    intent = (
        PaymentIntent.objects.select_for_update(of=("self",))
        .select_related("account__provider", "created_by")
        .filter(provider=provider, processor_id=str(obj.get("id", "")))
        .first()
    )
    if intent is None:
        raise WebhookRejected(f"No payment intent {obj.get('id')!r} at this provider.")
    return intent


def _last4(obj: dict) -> str:
    card = (obj.get("payment_method") or {}).get("card") or {}
    last4 = str(card.get("last4") or "")
    return last4 if len(last4) == 4 and last4.isdigit() else ""


def _succeeded(provider, obj: dict, created) -> None:
    from ccms.billing import payments

    intent = _intent(provider, obj)
    received = obj.get("amount_received", obj.get("amount"))
    if received != cents(intent.amount) or str(obj.get("currency", "usd")).lower() != "usd":
        raise WebhookRejected(
            f"Intent {intent.processor_id} is for {intent.amount} USD; the event says "
            f"{received} cents {obj.get('currency')}."
        )
    when = datetime.fromtimestamp(created, UTC) if isinstance(created, int) else timezone.now()
    posted = payments.record_payment(
        intent.account,
        amount=intent.amount,
        on=timezone.localtime(when, provider.tz).date(),
        method=Method.CARD,
        actor=intent.created_by,
        key=f"card:{intent.processor_id}",
        reference=intent.processor_id[:64],
        description="Card payment" + (f" ending {_last4(obj)}" if _last4(obj) else ""),
    )
    intent.status = IntentStatus.SUCCEEDED
    intent.payment = posted.entry
    intent.last4 = _last4(obj) or intent.last4
    intent.failure_message = ""
    intent.save(update_fields=["status", "payment", "last4", "failure_message"])


def _failed(provider, obj: dict) -> None:
    intent = _intent(provider, obj)
    if intent.status == IntentStatus.SUCCEEDED:
        return  # a late failure of an earlier attempt: the intent was paid since
    error = obj.get("last_payment_error") or {}
    intent.status = IntentStatus.FAILED
    intent.failure_message = str(error.get("message") or "The card was declined.")[:300]
    intent.last4 = _last4(obj) or intent.last4
    intent.save(update_fields=["status", "failure_message", "last4"])
