"""Helpers every service uses to save a row with its audit context."""

from django.db import models


def save_audited(
    instance: models.Model, *, actor, reason: str = "", update_fields=None, validate: bool = True
) -> None:
    """Validate, then save; the history record (and so the audit event) names actor and reason.

    `validate=False` is for hot paths whose service has checked the input itself and whose rows
    the database constraints guard (check-in at the kiosk)."""
    if validate:
        instance.full_clean()
    instance._history_user = actor
    instance._change_reason = reason
    instance.save(update_fields=update_fields)
