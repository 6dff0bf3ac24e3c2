"""Who is a member of an alliance, on a day or in a month."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from ccms.alliance.models import AllianceMember
from ccms.tenancy.models import Alliance, Provider


def members_between(alliance: Alliance, first: date, last: date) -> QuerySet[AllianceMember]:
    """Memberships active on any day from `first` to `last`."""
    return (
        AllianceMember.objects.filter(alliance=alliance, joined_on__lte=last)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=first))
        .select_related("provider", "account")
    )


def current_members(alliance: Alliance, on: date) -> QuerySet[AllianceMember]:
    return members_between(alliance, on, on)


def member_providers(alliance: Alliance, on: date) -> QuerySet[Provider]:
    """The providers that are members on `on` (surveys and messages go to these)."""
    return Provider.objects.filter(
        pk__in=current_members(alliance, on).values("provider_id")
    ).order_by("name")


def uses_on(day: date) -> Q:
    """Service uses running on `day` (a filter on ServiceUse; see ServiceUse.in_use_on)."""
    return Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gte=day))


def membership_of(provider: Provider, on: date) -> AllianceMember | None:
    return current_members(provider.alliance, on).filter(provider=provider).first()
