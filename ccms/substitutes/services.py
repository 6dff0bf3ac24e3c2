"""Every write of the substitute pool: keeping the pool and its credentials, requesting cover,
accepting it (first come, first served), cancelling, and confirming the hours worked, which
bills the member on the hub's ledger. One transaction each; e-mails go after commit."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ccms.alliance.hub import charge_member
from ccms.alliance.members import membership_of
from ccms.billing import ledger
from ccms.billing.models import Category
from ccms.core.dates import provider_today
from ccms.core.money import to_cents
from ccms.core.services import save_audited
from ccms.substitutes import queries
from ccms.substitutes.models import (
    CoverRequest,
    CoverStatus,
    Credential,
    CredentialKind,
    Substitute,
)
from ccms.tenancy import services as tenancy_services
from ccms.tenancy.models import Alliance, Classroom, Provider, Role, User

# The pool ----------------------------------------------------------------------------------------


@transaction.atomic
def add_substitute(
    *,
    alliance: Alliance,
    name: str,
    email: str,
    hourly_rate: Decimal,
    phone: str = "",
    is_active: bool = True,
    actor: User | None,
) -> Substitute:
    """Add a person to the pool. Their e-mail is their login: an existing user is given the
    substitute role, a new one is created without a password (they set one with "Forgot your
    password?")."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": f"“{email}” is not a valid e-mail address."}) from None
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and Substitute.objects.filter(alliance=alliance, user=user).exists():
        raise ValidationError({"email": f"{email} is already in this alliance's pool."})
    if user is None:
        first, _, last = name.strip().partition(" ")
        user = tenancy_services.add_user(
            email=email,
            role=Role.SUBSTITUTE,
            alliance=alliance,
            first_name=first,
            last_name=last,
            actor=actor,
        )
    else:
        tenancy_services.grant_role(user=user, role=Role.SUBSTITUTE, alliance=alliance, actor=actor)
    substitute = Substitute(
        alliance=alliance,
        user=user,
        name=name.strip(),
        email=email,
        phone=phone.strip(),
        hourly_rate=hourly_rate,
        is_active=is_active,
    )
    save_audited(substitute, actor=actor, reason="Added to the substitute pool")
    return substitute


SUBSTITUTE_FIELDS = ("name", "phone", "hourly_rate", "is_active")


@transaction.atomic
def update_substitute(
    *, substitute: Substitute, data: dict, actor: User, reason: str = ""
) -> Substitute:
    for name in SUBSTITUTE_FIELDS:
        if name in data:
            setattr(substitute, name, data[name])
    save_audited(substitute, actor=actor, reason=reason)
    return substitute


@transaction.atomic
def save_credential(
    *,
    substitute: Substitute,
    kind: str,
    number: str = "",
    issued_on: date | None = None,
    expires_on: date | None = None,
    actor: User,
    credential: Credential | None = None,
) -> Credential:
    """Record a credential, or renew the one given (its history keeps the earlier dates)."""
    if kind not in CredentialKind.values:
        raise ValidationError({"kind": "Choose a credential from the list."})
    clash = Credential.objects.filter(substitute=substitute, kind=kind)
    if credential is not None:
        clash = clash.exclude(pk=credential.pk)
    if clash.exists():
        raise ValidationError(
            {"kind": f"{substitute.name} already has this credential: edit it to renew it."}
        )
    credential = credential or Credential(substitute=substitute, alliance_id=substitute.alliance_id)
    credential.kind = kind
    credential.number = number.strip()
    credential.issued_on = issued_on
    credential.expires_on = expires_on
    save_audited(credential, actor=actor)
    return credential


@transaction.atomic
def remove_credential(*, credential: Credential, actor: User, reason: str = "") -> None:
    credential._history_user = actor
    credential._change_reason = reason or "Removed from the substitute's file"
    credential.delete()


# Requests ----------------------------------------------------------------------------------------


@transaction.atomic
def request_cover(
    *,
    provider: Provider,
    classroom: Classroom,
    on: date,
    start: time,
    end: time,
    required_kinds: list[str],
    notes: str = "",
    actor: User,
) -> CoverRequest:
    """Ask the alliance's pool to cover a classroom; the qualified substitutes are e-mailed."""
    today = provider_today(provider)
    if on < today:
        raise ValidationError({"date": "Cover can be requested for today or a later day."})
    if membership_of(provider, on) is None:
        raise ValidationError(
            f"{provider.name} is not a member of {provider.alliance.name} on "
            f"{queries.day_label(on)}, so the substitute pool cannot bill the cover. Ask the "
            "alliance to record the membership first."
        )
    cover = CoverRequest(
        provider=provider,
        classroom=classroom,
        date=on,
        start=start,
        end=end,
        required_kinds=[k for k in CredentialKind.values if k in set(required_kinds)],
        notes=notes.strip(),
        requested_by=actor,
        requested_at=timezone.now(),
    )
    cover.full_clean()
    if cover.ends_at <= timezone.now():
        raise ValidationError({"end": "That time has already passed today."})
    save_audited(cover, actor=actor, validate=False, reason="Cover requested")
    transaction.on_commit(partial(tell_qualified_substitutes, cover_id=cover.pk), robust=True)
    return cover


class AlreadyTaken(ValidationError):
    """Another substitute accepted the request first."""


@transaction.atomic
def accept_cover(*, cover_id: int, substitute: Substitute, actor: User) -> CoverRequest:
    """Take an open request. The row is locked, so of two substitutes accepting at once one
    wins and the other is told the request is filled."""
    cover = (
        CoverRequest.objects.select_for_update(of=("self",))
        .select_related("provider", "classroom")
        .filter(pk=cover_id, provider__alliance_id=substitute.alliance_id)
        .first()
    )
    if cover is None:
        raise ValidationError("This request no longer exists.")
    if cover.status == CoverStatus.FILLED and cover.accepted_by_id == substitute.pk:
        return cover  # a second tap on Accept
    if cover.status != CoverStatus.OPEN:
        raise AlreadyTaken(
            "Another substitute accepted this request first; it is filled."
            if cover.status in queries.BOOKED
            else "This request was cancelled by the provider."
        )
    if cover.ends_at <= timezone.now():
        raise ValidationError("This request's time has passed.")
    # Lock the substitute too: two overlapping requests accepted at once cannot both win.
    substitute = Substitute.objects.select_for_update(of=("self",)).get(pk=substitute.pk)
    problems = queries.problems_for(substitute, cover)
    if problems:
        raise ValidationError(["You cannot take this request:", *problems])
    cover.status = CoverStatus.FILLED
    cover.accepted_by = substitute
    cover.accepted_at = timezone.now()
    cover.hourly_rate = substitute.hourly_rate
    save_audited(
        cover,
        actor=actor,
        validate=False,
        reason=f"Accepted by {substitute.name}",
        update_fields=["status", "accepted_by", "accepted_at", "hourly_rate"],
    )
    transaction.on_commit(partial(tell_requester_accepted, cover_id=cover.pk), robust=True)
    return cover


@transaction.atomic
def cancel_cover(*, cover: CoverRequest, actor: User, reason: str) -> CoverRequest:
    cover = (
        CoverRequest.objects.select_for_update(of=("self",))
        .select_related("provider")
        .get(pk=cover.pk)
    )
    if cover.status not in (CoverStatus.OPEN, CoverStatus.FILLED):
        status = cover.get_status_display().lower()
        raise ValidationError(f"A {status} request cannot be cancelled.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the cover is no longer needed."})
    had_substitute = cover.status == CoverStatus.FILLED
    cover.status = CoverStatus.CANCELLED
    cover.cancel_reason = reason.strip()[:300]
    save_audited(
        cover,
        actor=actor,
        validate=False,
        reason=reason,
        update_fields=["status", "cancel_reason"],
    )
    if had_substitute:
        transaction.on_commit(partial(tell_substitute_cancelled, cover_id=cover.pk), robust=True)
    return cover


@transaction.atomic
def confirm_hours(
    *, cover: CoverRequest, hours: Decimal, actor: User, reason: str = ""
) -> CoverRequest:
    """Record the hours the substitute worked and bill the member hours x rate on the hub's
    ledger. Confirming the same hours again posts nothing; other hours reverse the charge and
    post the corrected one."""
    cover = (
        CoverRequest.objects.select_for_update(of=("self",))
        .select_related("provider__alliance", "classroom", "accepted_by", "billed_entry")
        .get(pk=cover.pk)
    )
    if cover.status not in queries.BOOKED:
        raise ValidationError("Only a filled request can have its hours confirmed.")
    if cover.date > provider_today(cover.provider):
        raise ValidationError("Confirm the hours after the day of the cover.")
    hours = Decimal(hours)
    if not Decimal("0.25") <= hours <= Decimal("24"):
        raise ValidationError({"hours_worked": "Enter the hours worked, from 0.25 to 24."})
    amount = to_cents(hours * cover.hourly_rate)
    billed = cover.billed_entry
    if billed is not None and billed.amount == amount:
        if cover.hours_worked != hours:
            cover.hours_worked = hours
            save_audited(cover, actor=actor, validate=False, update_fields=["hours_worked"])
        return cover
    member = membership_of(cover.provider, cover.date)
    if member is None:
        raise ValidationError(
            f"{cover.provider.name} was not a member of the alliance on "
            f"{queries.day_label(cover.date)}; the cover cannot be billed through the hub."
        )
    if billed is not None:
        if not reason.strip():
            raise ValidationError({"reason": "Say why the hours are corrected."})
        ledger.reverse_entry(billed, actor=actor, reason=reason, on=provider_today(cover.provider))
        cover.corrections += 1
    key = f"sub:{cover.pk}" if cover.corrections == 0 else f"sub:{cover.pk}:{cover.corrections}"
    entry = charge_member(
        member,
        amount=amount,
        on=cover.date,
        key=key,
        category=Category.SUBSTITUTE,
        description=(
            f"Substitute cover, {cover.classroom.name} at {cover.provider.name}, "
            f"{queries.day_label(cover.date)}: {hours} h × ${cover.hourly_rate}"
        ),
        actor=actor,
    )
    cover.hours_worked = hours
    cover.billed_entry = entry
    cover.status = CoverStatus.COMPLETED
    save_audited(
        cover,
        actor=actor,
        validate=False,
        reason=reason or "Hours confirmed and billed",
        update_fields=["hours_worked", "billed_entry", "status", "corrections"],
    )
    return cover


# E-mails (after commit) --------------------------------------------------------------------------


def _when(cover: CoverRequest) -> str:
    return (
        f"{cover.date:%A}, {queries.day_label(cover.date)}, "
        f"{queries.clock(cover.start)} to {queries.clock(cover.end)}"
    )


def _link(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def tell_qualified_substitutes(*, cover_id: int) -> int:
    cover = CoverRequest.objects.select_related("provider__alliance", "classroom__site").get(
        pk=cover_id
    )
    if cover.status != CoverStatus.OPEN:
        return 0
    link = _link("sub_open", cover.provider.alliance.slug)
    sent = 0
    for substitute in queries.qualified_substitutes(cover):
        body = (
            f"Hello {substitute.name},\n\n{cover.provider.name} needs a substitute in "
            f"{cover.classroom.name} on {_when(cover)}.\n"
            + (f"Address: {cover.classroom.site.address}\n" if cover.classroom.site.address else "")
            + (f"Notes: {cover.notes}\n" if cover.notes else "")
            + f"\nThe first substitute to accept gets the shift:\n{link}\n\n"
            f"{cover.provider.alliance.name}\n"
        )
        sent += send_mail(
            subject=f"Cover needed: {cover.provider.name}, {queries.day_label(cover.date)}",
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[substitute.email],
        )
    return sent


def tell_requester_accepted(*, cover_id: int) -> None:
    cover = CoverRequest.objects.select_related(
        "provider", "classroom", "accepted_by", "requested_by"
    ).get(pk=cover_id)
    substitute = cover.accepted_by
    contact = ", ".join(x for x in (substitute.phone, substitute.email) if x)
    send_mail(
        subject=f"Cover filled: {cover.classroom.name}, {queries.day_label(cover.date)}",
        message=(
            f"{substitute.name} ({contact}) accepted your request to cover "
            f"{cover.classroom.name} on {_when(cover)}.\n\n"
            f"{_link('sub_cover_detail', cover.provider.slug, cover.pk)}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[cover.requested_by.email],
    )


def tell_substitute_cancelled(*, cover_id: int) -> None:
    cover = CoverRequest.objects.select_related("provider", "classroom", "accepted_by").get(
        pk=cover_id
    )
    send_mail(
        subject=f"Cover cancelled: {cover.provider.name}, {queries.day_label(cover.date)}",
        message=(
            f"Hello {cover.accepted_by.name},\n\n{cover.provider.name} no longer needs you in "
            f"{cover.classroom.name} on {_when(cover)}: {cover.cancel_reason}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[cover.accepted_by.email],
    )
