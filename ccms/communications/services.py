"""Every write of the communications plan: stakeholders and audiences, a message's way from
draft through approval to release, reads and replies, and the e-mail outbox.

Release is idempotent: `release_due(now)` releases each approved message whose release time has
come exactly once (the message row is locked and its status checked inside the transaction, and
a recipient gets one delivery per message by constraint). E-mails are queued as OutboundEmail rows
in the releasing transaction and sent after it commits; a failed send is retried with backoff."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from ccms.communications.models import (
    AUDIENCE_ROLES,
    Audience,
    Delivery,
    EmailStatus,
    Message,
    MessageStatus,
    OutboundEmail,
    Reply,
    Stakeholder,
)
from ccms.core import tasks
from ccms.core.services import save_audited
from ccms.tenancy.models import ALLIANCE_ROLES, Alliance, Membership, Provider, ProviderKind, Role

log = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 5
# Minutes to wait before the next try after the 1st, 2nd, ... failed attempt.
EMAIL_BACKOFF_MINUTES = (1, 5, 30, 120)
# A send that started this long ago and never finished (its worker died) is tried again.
STALE_SENDING = timedelta(minutes=15)
MAX_REPLY_LENGTH = 5000


# Stakeholders and audiences ----------------------------------------------------------------------

STAKEHOLDER_FIELDS = ("name", "kind", "email", "notes")


@transaction.atomic
def save_stakeholder(
    *, alliance: Alliance, data: dict, actor, stakeholder: Stakeholder | None = None
) -> Stakeholder:
    stakeholder = stakeholder or Stakeholder(alliance=alliance)
    for name in STAKEHOLDER_FIELDS:
        if name in data:
            setattr(stakeholder, name, data[name])
    stakeholder.name = stakeholder.name.strip()
    clash = Stakeholder.objects.filter(alliance=alliance, name__iexact=stakeholder.name)
    if clash.exclude(pk=stakeholder.pk).exists():
        raise ValidationError(
            {"name": f"A stakeholder named “{stakeholder.name}” exists: edit that one instead."}
        )
    save_audited(stakeholder, actor=actor)
    return stakeholder


@transaction.atomic
def save_audience(
    *, alliance: Alliance, data: dict, actor, audience: Audience | None = None
) -> Audience:
    """An alliance audience from rules: roles, provider kinds, chosen providers, families and
    chosen stakeholders. It must reach someone by at least one rule."""
    audience = audience or Audience(alliance=alliance)
    audience.name = data["name"].strip()
    audience.description = data.get("description", "")
    audience.roles = [r for r in data.get("roles", []) if r in dict(AUDIENCE_ROLES)]
    audience.provider_kinds = [k for k in data.get("provider_kinds", []) if k in ProviderKind]
    audience.families = bool(data.get("families"))
    providers = list(data.get("providers") or [])
    stakeholders = list(data.get("stakeholders") or [])
    if any(p.alliance_id != alliance.pk for p in providers):
        raise ValidationError({"providers": "Choose providers of this alliance only."})
    if any(s.alliance_id != alliance.pk for s in stakeholders):
        raise ValidationError({"stakeholders": "Choose stakeholders of this alliance only."})
    if not (audience.roles or audience.families or stakeholders):
        raise ValidationError(
            "An audience must reach someone: tick at least one role, families, or a stakeholder."
        )
    clash = Audience.objects.filter(alliance=alliance, provider=None, name__iexact=audience.name)
    if clash.exclude(pk=audience.pk).exists():
        raise ValidationError(
            {"name": f"An audience named “{audience.name}” exists: edit that one instead."}
        )
    save_audited(audience, actor=actor)
    audience.providers.set(providers)
    audience.stakeholders.set(stakeholders)
    return audience


# The audiences a provider writes to: its own families, or its own staff.
PROVIDER_AUDIENCES = {
    "families": ("Families of {name}", "Guardians of the children at {name}.", [], True),
    "staff": ("Staff of {name}", "Directors and staff of {name}.", ["director", "staff"], False),
}


def provider_audience(provider: Provider, which: str) -> Audience:
    """The provider's own audience of that kind (see PROVIDER_AUDIENCES), made on first use."""
    if which not in PROVIDER_AUDIENCES:
        raise ValidationError({"audience": "Choose the provider's families or its staff."})
    name, description, roles, families = PROVIDER_AUDIENCES[which]
    audience = Audience.objects.filter(
        provider=provider, roles=roles, families=families
    ).first() or Audience(alliance_id=provider.alliance_id, provider=provider)
    if audience.pk is None:
        audience.name = name.format(name=provider.name)
        audience.description = description.format(name=provider.name)
        audience.roles, audience.families = roles, families
        save_audited(audience, actor=None, reason="made for the provider's first message")
    return audience


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    user_id: int | None = None


def resolve_recipients(audience: Audience) -> list[Recipient]:
    """The people an audience reaches right now, each once (by user, then by e-mail address),
    in name order. Inactive users are left out."""
    providers = Provider.objects.filter(alliance_id=audience.alliance_id)
    if audience.provider_id:
        providers = providers.filter(pk=audience.provider_id)
    else:
        chosen = list(audience.providers.values_list("pk", flat=True))
        if chosen:
            providers = providers.filter(pk__in=chosen)
        if audience.provider_kinds:
            providers = providers.filter(kind__in=audience.provider_kinds)
    found: list[Recipient] = []
    provider_roles = [r for r in audience.roles if r not in ALLIANCE_ROLES]
    if provider_roles:
        memberships = Membership.objects.filter(
            provider__in=providers, role__in=provider_roles, user__is_active=True
        ).select_related("user")
        found += [_user_recipient(m.user) for m in memberships]
    alliance_roles = [r for r in audience.roles if r in ALLIANCE_ROLES or r == Role.HUB_STAFF]
    if alliance_roles and not audience.provider_id:
        memberships = Membership.objects.filter(
            alliance_id=audience.alliance_id, role__in=alliance_roles, user__is_active=True
        ).select_related("user")
        found += [_user_recipient(m.user) for m in memberships]
    if audience.families:
        from ccms.families.models import Guardian

        guardians = Guardian.objects.filter(provider__in=providers).select_related("user")
        for guardian in guardians:
            if guardian.user_id and guardian.user.is_active:
                found.append(_user_recipient(guardian.user))
            elif guardian.email:
                found.append(Recipient(name=str(guardian), email=guardian.email.lower()))
    if not audience.provider_id:
        for stakeholder in audience.stakeholders.exclude(email=""):
            found.append(Recipient(name=stakeholder.name, email=stakeholder.email.lower()))
    unique: dict[str, Recipient] = {}
    seen_users: set[int] = set()
    for recipient in found:
        if recipient.user_id in seen_users or recipient.email in unique:
            continue
        if recipient.user_id:
            seen_users.add(recipient.user_id)
        unique[recipient.email] = recipient
    return sorted(unique.values(), key=lambda r: (r.name.lower(), r.email))


def _user_recipient(user) -> Recipient:
    return Recipient(
        name=user.get_full_name() or user.email, email=user.email.lower(), user_id=user.pk
    )


# Messages ----------------------------------------------------------------------------------------

MESSAGE_FIELDS = ("subject", "body", "by_email", "in_app", "on_news", "release_at")


def _apply(message: Message, data: dict, audience) -> None:
    for name in MESSAGE_FIELDS:
        if name in data:
            setattr(message, name, data[name])
    if isinstance(audience, str):
        audience = provider_audience(message.provider, audience)
    message.audience = audience
    _check(message)


def _check(message: Message) -> None:
    errors: dict[str, str] = {}
    if not (message.by_email or message.in_app or message.on_news):
        errors["by_email"] = "Choose at least one channel: e-mail, in-app notice or news page."
    if (message.by_email or message.in_app) and message.audience is None:
        errors["audience"] = "Choose who receives it (the news page alone needs no audience)."
    audience = message.audience
    if audience is not None and (
        audience.alliance_id != message.alliance_id or audience.provider_id != message.provider_id
    ):
        errors["audience"] = "Choose one of your own audiences."
    if message.release_at is not None and timezone.is_naive(message.release_at):
        errors["release_at"] = "Give the release time with its time zone."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def compose_message(
    *, alliance: Alliance, provider: Provider | None, author, data: dict, audience=None
) -> Message:
    """A new draft. `audience` is an Audience, or for a provider "families" or "staff"."""
    if provider is not None and provider.alliance_id != alliance.pk:
        raise ValidationError("The provider is not a member of this alliance.")
    message = Message(alliance=alliance, provider=provider, author=author)
    _apply(message, data, audience)
    save_audited(message, actor=author, reason="written")
    return message


@transaction.atomic
def update_message(*, message: Message, actor, data: dict, audience=None) -> Message:
    message = _locked(message)
    if not message.editable:
        raise ValidationError(
            f"A message that is {message.get_status_display().lower()} cannot be changed; "
            "return it to draft first."
        )
    _apply(message, data, audience)
    save_audited(message, actor=actor, reason="edited")
    return message


def _locked(message: Message) -> Message:
    return Message.objects.select_for_update().get(pk=message.pk)


@transaction.atomic
def submit_message(*, message: Message, actor) -> Message:
    """Ask an approver to approve the draft."""
    message = _locked(message)
    if message.status != MessageStatus.DRAFT:
        raise ValidationError("Only a draft can be sent for approval.")
    message.status = MessageStatus.AWAITING_APPROVAL
    save_audited(message, actor=actor, reason="sent for approval", update_fields=["status"])
    return message


@transaction.atomic
def approve_message(*, message: Message, actor, now: datetime | None = None) -> Message:
    """Approve and schedule for the release time. The caller has checked that `actor` may
    approve; an author who may approve approves their own message and is recorded as both."""
    message = _locked(message)
    if message.status not in {MessageStatus.DRAFT, MessageStatus.AWAITING_APPROVAL}:
        raise ValidationError(
            f"A message that is {message.get_status_display().lower()} cannot be approved."
        )
    _check(message)
    message.status = MessageStatus.SCHEDULED
    message.approver = actor
    message.approved_at = now or timezone.now()
    save_audited(
        message,
        actor=actor,
        reason="approved",
        update_fields=["status", "approver", "approved_at"],
    )
    return message


@transaction.atomic
def return_to_draft(*, message: Message, actor) -> Message:
    """Withdraw an approval (or a request for one) so the message can be changed."""
    message = _locked(message)
    if message.status not in {MessageStatus.AWAITING_APPROVAL, MessageStatus.SCHEDULED}:
        raise ValidationError("Only a message awaiting approval or scheduled returns to draft.")
    message.status = MessageStatus.DRAFT
    message.approver, message.approved_at = None, None
    save_audited(
        message,
        actor=actor,
        reason="returned to draft",
        update_fields=["status", "approver", "approved_at"],
    )
    return message


@transaction.atomic
def cancel_message(*, message: Message, actor) -> Message:
    message = _locked(message)
    if message.status in {MessageStatus.RELEASED, MessageStatus.CANCELLED}:
        raise ValidationError(
            f"The message is already {message.get_status_display().lower()}; nothing to cancel."
        )
    message.status = MessageStatus.CANCELLED
    save_audited(message, actor=actor, reason="cancelled", update_fields=["status"])
    return message


# Release -----------------------------------------------------------------------------------------


def release_due(now: datetime | None = None) -> list[Message]:
    """Release every approved message whose release time has come, each once. Safe to call from
    several processes at once and as often as you like (cron, the worker, page views)."""
    now = now or timezone.now()
    due = Message.objects.filter(status=MessageStatus.SCHEDULED, release_at__lte=now)
    released = []
    for pk in due.order_by("release_at", "pk").values_list("pk", flat=True):
        message = release_message(message_id=pk, now=now)
        if message is not None:
            released.append(message)
    return released


@transaction.atomic
def release_message(*, message_id: int, now: datetime) -> Message | None:
    """Resolve the audience, deliver to each recipient and queue the e-mails; None when the
    message is not (or no longer) due, e.g. another process released it first."""
    message = (
        Message.objects.select_for_update(of=("self",))
        .filter(pk=message_id, status=MessageStatus.SCHEDULED, release_at__lte=now)
        .select_related("alliance", "provider", "author")
        .first()
    )
    if message is None:
        return None
    recipients = resolve_recipients(message.audience) if message.audience_id else []
    deliveries = []
    for r in recipients:
        emailed = message.by_email and bool(r.email)
        if not (emailed or (message.in_app and r.user_id)):
            continue  # an in-app notice reaches only people who sign in
        deliveries.append(
            Delivery(
                message=message,
                provider_id=message.provider_id,
                user_id=r.user_id,
                email=r.email if emailed else "",
                name=r.name,
                delivered_at=now,
            )
        )
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    if message.by_email:
        _queue_emails(message, now)
    message.status = MessageStatus.RELEASED
    message.released_at = now
    save_audited(
        message,
        actor=None,
        reason=f"released to {len(deliveries)} recipient(s)",
        update_fields=["status", "released_at"],
        validate=False,
    )
    if message.by_email:
        message_pk = message.pk
        transaction.on_commit(
            lambda: tasks.enqueue("comms.send_message_emails", message_id=message_pk)
        )
    return message


def _queue_emails(message: Message, now: datetime) -> None:
    sender = message.provider.name if message.provider_id else message.alliance.name
    rows = []
    for delivery in message.deliveries.exclude(email="").filter(outbound__isnull=True):
        lines = [message.body.strip(), "", "—", sender]
        if delivery.user_id:
            link = settings.SITE_URL.rstrip("/") + reverse(
                "comms_inbox_message", args=[delivery.pk]
            )
            lines.append(f"Read it and reply in CCMS: {link}")
        else:
            lines.append("Reply to this e-mail to answer.")
        rows.append(
            OutboundEmail(
                alliance_id=message.alliance_id,
                provider_id=message.provider_id,
                message=message,
                delivery=delivery,
                to=delivery.email,
                subject=f"{message.subject} · {sender}"[:250],
                body="\n".join(lines) + "\n",
                created_at=now,
                next_attempt_at=now,
            )
        )
    OutboundEmail.objects.bulk_create(rows)


# Reading and replying ----------------------------------------------------------------------------


def read_delivery(delivery: Delivery, now: datetime | None = None) -> Delivery:
    """The recipient opened the message: the first time counts as read."""
    if delivery.read_at is None:
        now = now or timezone.now()
        Delivery.objects.filter(pk=delivery.pk, read_at=None).update(read_at=now)
        delivery.read_at = now
    return delivery


@transaction.atomic
def reply_to_message(
    *, delivery: Delivery, author, body: str, now: datetime | None = None
) -> Reply:
    """A recipient's answer, kept with the message (the feedback loop)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write your reply before sending it."})
    if len(body) > MAX_REPLY_LENGTH:
        raise ValidationError(
            {"body": f"Keep the reply under {MAX_REPLY_LENGTH} characters ({len(body)} now)."}
        )
    message = Message.objects.get(pk=delivery.message_id)
    if message.status != MessageStatus.RELEASED:
        raise ValidationError("This message is no longer open for replies.")
    now = now or timezone.now()
    read_delivery(delivery, now)
    reply = Reply(
        alliance_id=message.alliance_id,
        message=message,
        delivery=delivery,
        provider_id=message.provider_id,
        author=author,
        body=body,
        created_at=now,
    )
    save_audited(reply, actor=author, reason="reply to a message")
    return reply


# E-mail ------------------------------------------------------------------------------------------


def send_email(outbound_id: int, now: datetime | None = None) -> OutboundEmail | None:
    """Send one queued e-mail through settings.EMAIL_BACKEND, recording the attempt. Returns
    None when the e-mail is not queued (sent already, or another worker took it)."""
    claimed = OutboundEmail.objects.filter(pk=outbound_id, status=EmailStatus.QUEUED).update(
        status=EmailStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=timezone.now()
    )
    if not claimed:
        return None
    email = OutboundEmail.objects.select_related("message__author").get(pk=outbound_id)
    reply_to = [email.message.author.email] if email.message_id else []
    try:
        EmailMessage(
            email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [email.to], reply_to=reply_to
        ).send()
    except Exception as error:  # noqa: BLE001 - any backend failure is logged on the row, retried
        now = now or timezone.now()
        email.last_error = f"{type(error).__name__}: {error}"[:2000]
        if email.attempts >= MAX_EMAIL_ATTEMPTS:
            email.status = EmailStatus.FAILED
        else:
            email.status = EmailStatus.QUEUED
            wait = EMAIL_BACKOFF_MINUTES[min(email.attempts, len(EMAIL_BACKOFF_MINUTES)) - 1]
            email.next_attempt_at = now + timedelta(minutes=wait)
        log.warning(
            "E-mail %s to %s failed (attempt %s): %s", email.pk, email.to, email.attempts, error
        )
    else:
        email.status = EmailStatus.SENT
        email.sent_at = now or timezone.now()
        email.last_error = ""
    email.save(update_fields=["status", "last_error", "next_attempt_at", "sent_at"])
    return email


def send_due_emails(now: datetime | None = None, *, message_id: int | None = None, limit=500):
    """Send the queued e-mails whose next attempt is due (of one message, or all), and put back
    in the queue any send that a dead worker left half done."""
    now = now or timezone.now()
    OutboundEmail.objects.filter(
        status=EmailStatus.SENDING, next_attempt_at__lt=now - STALE_SENDING
    ).update(status=EmailStatus.QUEUED)
    due = OutboundEmail.objects.filter(status=EmailStatus.QUEUED)
    if message_id is None:
        due = due.filter(next_attempt_at__lte=now)
    else:
        # Right after a release its first attempts go out at once; retries wait their turn.
        due = due.filter(Q(attempts=0) | Q(next_attempt_at__lte=now), message_id=message_id)
    ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    return [sent for pk in ids if (sent := send_email(pk, now)) is not None]


def retry_emails(*, ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Queue failed e-mails (these, or all) for one more attempt now. Returns how many."""
    now = now or timezone.now()
    failed = OutboundEmail.objects.filter(status=EmailStatus.FAILED)
    if ids:
        failed = failed.filter(pk__in=ids)
    return failed.update(status=EmailStatus.QUEUED, next_attempt_at=now)
