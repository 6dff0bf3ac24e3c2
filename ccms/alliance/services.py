"""Every write of the alliance's membership, catalog and cost pools. Each validates before it
writes, inside one transaction, and leaves a history row naming who did it."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ccms.alliance import hub
from ccms.alliance.models import (
    AllianceMember,
    CostPool,
    GrantOffset,
    MembershipAgreement,
    PoolCost,
    ServiceUse,
    SharedService,
)
from ccms.core.services import save_audited
from ccms.tenancy.models import Alliance, Provider


def current_agreement(alliance: Alliance, on: date) -> MembershipAgreement | None:
    return (
        MembershipAgreement.objects.filter(alliance=alliance, effective_on__lte=on)
        .order_by("-effective_on", "-id")
        .first()
    )


@transaction.atomic
def add_agreement(*, alliance: Alliance, data: dict, actor) -> MembershipAgreement:
    agreement = MembershipAgreement(alliance=alliance, **data)
    agreement.full_clean()
    agreement.save()
    return agreement


@transaction.atomic
def join(*, alliance: Alliance, provider: Provider, joined_on: date, actor) -> AllianceMember:
    """A provider joins from a date. It signs the current agreement itself (or the hub records
    the signature on paper with `record_signature`)."""
    if provider.alliance_id != alliance.pk:
        raise ValidationError("Only a provider of this alliance can join it.")
    overlapping = AllianceMember.objects.filter(alliance=alliance, provider=provider).filter(
        left_on__isnull=True
    ) | AllianceMember.objects.filter(alliance=alliance, provider=provider, left_on__gte=joined_on)
    if overlapping.exists():
        raise ValidationError(
            f"{provider.name} is already a member on {joined_on:%B %-d, %Y}. "
            "Record its leaving first, or choose a later date."
        )
    member = AllianceMember(
        alliance=alliance,
        provider=provider,
        joined_on=joined_on,
        agreement=current_agreement(alliance, joined_on),
    )
    save_audited(member, actor=actor, reason="Joined the alliance")
    hub.member_account(member)
    return member


@transaction.atomic
def sign(*, member: AllianceMember, name: str, title: str, actor, at=None) -> AllianceMember:
    """The member's director signs the agreement in the app (typed name, time, account)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Type your full name to sign."})
    if member.is_signed:
        raise ValidationError("This membership's agreement is already signed.")
    if member.agreement is None:
        member.agreement = current_agreement(member.alliance, member.joined_on)
    if member.agreement is None:
        raise ValidationError("The alliance has no membership agreement to sign yet.")
    member.signed_by_name = name
    member.signed_by_title = title.strip()
    member.signed_at = at or timezone.now()
    member.signed_by_user = actor
    save_audited(member, actor=actor, reason="Signed the membership agreement")
    return member


@transaction.atomic
def leave(*, member: AllianceMember, left_on: date, reason: str, actor) -> AllianceMember:
    if member.left_on:
        raise ValidationError(f"{member.provider.name} already left on {member.left_on}.")
    if left_on < member.joined_on:
        raise ValidationError({"left_on": "A member cannot leave before it joined."})
    member.left_on = left_on
    member.leave_reason = reason.strip()
    save_audited(member, actor=actor, reason=f"Left the alliance: {reason}".strip(": "))
    # The services it used end with the membership.
    for use in member.uses.filter(ended_on__isnull=True):
        use.ended_on = max(left_on, use.started_on)
        save_audited(use, actor=actor, reason="Membership ended")
    return member


@transaction.atomic
def save_service(service: SharedService, *, actor) -> SharedService:
    save_audited(service, actor=actor)
    return service


@transaction.atomic
def start_use(
    *, member: AllianceMember, service: SharedService, started_on: date, actor
) -> ServiceUse:
    if service.alliance_id != member.alliance_id:
        raise ValidationError("Choose a service of this alliance.")
    if started_on < member.joined_on or (member.left_on and started_on > member.left_on):
        raise ValidationError(
            {"started_on": "A member can use a service only while it is a member."}
        )
    if member.uses.filter(service=service, ended_on__isnull=True).exists():
        raise ValidationError(f"{member.provider.name} already uses {service.name}.")
    use = ServiceUse(member=member, service=service, started_on=started_on)
    save_audited(use, actor=actor, reason="Started using the service")
    return use


@transaction.atomic
def end_use(*, use: ServiceUse, ended_on: date, actor) -> ServiceUse:
    if use.ended_on:
        raise ValidationError("This service use has already ended.")
    use.ended_on = ended_on
    save_audited(use, actor=actor, reason="Stopped using the service")
    return use


@transaction.atomic
def save_pool(pool: CostPool, *, actor) -> CostPool:
    save_audited(pool, actor=actor)
    return pool


@transaction.atomic
def add_cost(*, pool: CostPool, month: date, amount, description: str, actor) -> PoolCost:
    _refuse_allocated_month(pool, month)
    cost = PoolCost(pool=pool, month=month.replace(day=1), amount=amount, description=description)
    save_audited(cost, actor=actor)
    return cost


@transaction.atomic
def add_grant(*, pool: CostPool, month: date, amount, funder: str, actor) -> GrantOffset:
    _refuse_allocated_month(pool, month)
    grant = GrantOffset(pool=pool, month=month.replace(day=1), amount=amount, funder=funder)
    save_audited(grant, actor=actor)
    return grant


def _refuse_allocated_month(pool: CostPool, month: date) -> None:
    if pool.alliance.allocations.filter(month=month.replace(day=1)).exists():
        raise ValidationError(
            f"{month:%B %Y} is already allocated to the members. Enter the cost in the next "
            "month, so that every member's statement stays as it was sent."
        )
