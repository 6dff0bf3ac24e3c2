"""Helpers every service uses to save a row with its audit context."""

from django.db import models


def save_audited(instance: models.Model, *, actor, reason: str = "", update_fields=None) -> None:
    """Validate, then save; the history record (and so the audit event) names actor and reason."""
    instance.full_clean()
    instance._history_user = actor
    instance._change_reason = reason
    instance.save(update_fields=update_fields)
