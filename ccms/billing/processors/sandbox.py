"""The sandbox card processor: a local stand-in for the processor's hosted checkout.

It speaks the same protocol as the real one: payment intents with `pi_` ids, and the outcome
delivered as a signed `payment_intent.succeeded` / `payment_intent.payment_failed` event to the
same handler the public webhook endpoint calls. Only the processor's published test cards work:

    4242 4242 4242 4242  pays
    4000 0000 0000 0002  is declined
    4000 0000 0000 0341  can be saved for autopay, but every charge to it is declined

The card number is used to decide the outcome and then forgotten: only the last four digits
are kept."""

from __future__ import annotations

import json
import re

from django.core.exceptions import ValidationError

from ccms.billing.accounts import billing_settings, new_webhook_secret
from ccms.billing.models import IntentStatus, PaymentIntent
from ccms.billing.processors import signing
from ccms.billing.processors.base import (
    FAILED,
    SUCCEEDED,
    CardDeclined,
    CardProcessor,
    SavedCard,
    intent_event,
    new_id,
)

DECLINED = "Your card was declined."
# number -> (brand, declined when saved, declined when charged)
TEST_CARDS = {
    "4242424242424242": ("visa", False, False),
    "5555555555554444": ("mastercard", False, False),
    "4000000000000002": ("visa", True, True),
    "4000000000000341": ("visa", False, True),
}
DECLINE_ON_CHARGE = "chargeDeclined"
TEST_CARDS_HELP = (
    "This is the test checkout: use card 4242 4242 4242 4242 (paid) or "
    "4000 0000 0000 0002 (declined), any future expiry date and any 3-digit code."
)


def _test_card(card_number: str) -> tuple[str, str, bool, bool]:
    digits = re.sub(r"[\s-]", "", card_number or "")
    if digits not in TEST_CARDS:
        raise ValidationError({"card_number": TEST_CARDS_HELP})
    return (digits[-4:], *TEST_CARDS[digits])


class SandboxProcessor(CardProcessor):
    name = "sandbox"

    def create_payment_intent(self, account, amount, idempotency_key, actor, *, saved_card=""):
        return self._store_intent(account, amount, idempotency_key, actor, new_id("pi"))

    def confirm(self, intent: PaymentIntent, *, card_number: str) -> PaymentIntent:
        last4, _, _, declined = _test_card(card_number)
        return self._charge(intent, last4=last4, declined=declined)

    def save_card(self, account, *, card_number: str) -> SavedCard:
        last4, brand, declined, declined_later = _test_card(card_number)
        if declined:
            raise CardDeclined(DECLINED)
        # The token carries what the sandbox needs later (a real processor keeps it itself).
        prefix = f"pm_sandbox_{last4}" + (f"_{DECLINE_ON_CHARGE}" if declined_later else "")
        return SavedCard(token=new_id(prefix), last4=last4, brand=brand)

    def charge_saved_card(self, account, *, token, amount, idempotency_key, actor):
        intent = self.create_payment_intent(account, amount, idempotency_key, actor)
        if intent.status != IntentStatus.REQUIRES_PAYMENT:
            return intent  # charged already under this key
        parts = (token or "").split("_")
        last4 = parts[2] if len(parts) > 3 and parts[1] == "sandbox" else ""
        return self._charge(intent, last4=last4, declined=DECLINE_ON_CHARGE in parts)

    def refund(self, payment, amount, *, idempotency_key: str) -> str:
        return new_id("re")

    def _charge(self, intent: PaymentIntent, *, last4: str, declined: bool) -> PaymentIntent:
        # Claim the intent, so two clicks on "Pay" charge the card once.
        claimed = PaymentIntent.objects.filter(
            pk=intent.pk, status__in=[IntentStatus.REQUIRES_PAYMENT, IntentStatus.FAILED]
        ).update(status=IntentStatus.PROCESSING, last4=last4)
        if not claimed:
            intent.refresh_from_db()
            raise ValidationError(
                "This payment was already made."
                if intent.status == IntentStatus.SUCCEEDED
                else "This payment is being processed; please wait a moment."
            )
        intent.refresh_from_db()
        event = intent_event(intent, FAILED if declined else SUCCEEDED, last4=last4, error=DECLINED)
        try:
            self.deliver(intent.provider, event)
        except Exception:
            PaymentIntent.objects.filter(pk=intent.pk, status=IntentStatus.PROCESSING).update(
                status=IntentStatus.REQUIRES_PAYMENT
            )
            raise
        intent.refresh_from_db()
        return intent

    def deliver(self, provider, event: dict):
        """Send the event to our webhook handler, signed as the processor signs it."""
        from ccms.billing.processors.webhooks import handle_card_webhook

        payload = json.dumps(event, separators=(",", ":")).encode()
        found = billing_settings(provider)
        if not found.card_webhook_secret:
            found.card_webhook_secret = new_webhook_secret()
            found.save(update_fields=["card_webhook_secret"])
        secret = found.card_webhook_secret
        return handle_card_webhook(provider, payload, signing.sign(payload, secret))
