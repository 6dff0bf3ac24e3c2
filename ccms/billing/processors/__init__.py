"""Card processors behind one interface (base.CardProcessor). settings.CARD_PROCESSOR names the
one in use; "sandbox" is the local stand-in for the processor's hosted checkout and webhooks."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ccms.billing.processors.base import CardDeclined, CardProcessor, SavedCard

__all__ = ["CardDeclined", "CardProcessor", "SavedCard", "card_processor"]


def card_processor() -> CardProcessor:
    name = getattr(settings, "CARD_PROCESSOR", "sandbox")
    if name == "sandbox":
        from ccms.billing.processors.sandbox import SandboxProcessor

        return SandboxProcessor()
    raise ImproperlyConfigured(
        f"CARD_PROCESSOR is {name!r}; the processors available are: sandbox."
    )
