"""Turns each django-simple-history record into an AuditEvent with the fields that changed."""

from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from ccms.core.models import AuditAction, AuditEvent

HISTORY_TYPES = {"+": AuditAction.CREATED, "~": AuditAction.UPDATED, "-": AuditAction.DELETED}
REDACTED = "(changed, not shown)"
SKIPPED_FIELDS = {"id", "password", "last_login"}


def display_value(value):
    if value is None or value == "":
        return ""
    return str(value)


def _field_changes(history_instance, instance) -> dict:
    redact = getattr(instance, "audit_redacted_fields", set())
    tracked = [f for f in instance._meta.concrete_fields if f.attname not in SKIPPED_FIELDS]
    previous = history_instance.prev_record if history_instance.history_type != "+" else None
    changes = {}
    for field in tracked:
        new = getattr(history_instance, field.attname, None)
        old = getattr(previous, field.attname, None) if previous is not None else None
        if history_instance.history_type == "-" or display_value(old) == display_value(new):
            continue
        if field.name in redact:
            changes[field.verbose_name] = [REDACTED if old else "", REDACTED]
        else:
            changes[field.verbose_name] = [display_value(old), display_value(new)]
    return changes


def _owners(instance) -> tuple[int | None, int | None]:
    """(alliance id, provider id) of the audited row."""
    model = instance._meta.label
    if model == "tenancy.Alliance":
        return instance.pk, None
    if model == "tenancy.Provider":
        return instance.alliance_id, instance.pk
    provider_id = getattr(instance, "provider_id", None)
    if provider_id is not None:
        from ccms.tenancy.models import Provider

        if instance._meta.get_field("provider").is_cached(instance):
            return instance.provider.alliance_id, provider_id

        alliance_id = Provider.all_objects.filter(pk=provider_id).values_list(
            "alliance_id", flat=True
        )
        return alliance_id.first(), provider_id
    return getattr(instance, "alliance_id", None), None


@receiver(post_create_historical_record)
def record_audit_event(sender, instance, history_instance, history_user=None, **kwargs):
    alliance_id, provider_id = _owners(instance)
    build_audit_event(
        instance,
        action=HISTORY_TYPES[history_instance.history_type],
        changes=_field_changes(history_instance, instance),
        actor=history_user,
        reason=history_instance.history_change_reason or "",
        at=history_instance.history_date,
        owners=(alliance_id, provider_id),
    ).save()


def build_audit_event(instance, *, action, changes, actor, reason, at, owners) -> AuditEvent:
    """The one shape of an audit row, for the history signal and for bulk writes (which send
    no signals and so write their rows themselves)."""
    user = actor if getattr(actor, "pk", None) else None
    alliance_id, provider_id = owners
    return AuditEvent(
        at=at,
        actor=user,
        actor_label=user.email if user else "system",
        alliance_id=alliance_id,
        provider_id=provider_id,
        action=action,
        object_type=str(instance._meta.verbose_name).capitalize(),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
        reason=reason,
    )
