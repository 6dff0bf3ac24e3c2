"""The one place that decides which providers a user may see, and in what role.

Every view and API route that names a provider or an object reaches it through the helpers
here: `access_provider` for a provider named in the URL, `access_alliance` for alliance pages.
Both answer 404 alike for "does not exist" and "not yours"; a user who belongs to the provider
but whose role may not do the thing gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from ccms.tenancy.models import (
    MFA_REQUIRED_ROLES,
    STAFF_ROLES,
    Alliance,
    Membership,
    Provider,
    Role,
    User,
)

# Strongest first: when a user holds several roles at one provider, the first one here wins.
ROLE_PRECEDENCE = [
    Role.ALLIANCE_ADMIN,
    Role.DIRECTOR,
    Role.HUB_STAFF,
    Role.CONSULTANT,
    Role.STAFF,
    Role.GUARDIAN,
]

# Alliance-wide roles that open no provider's pages.
NO_PROVIDER_ROLES = {Role.STATE_VIEWER, Role.SUBSTITUTE}

# What each role may do at a provider. Guardians and staff are further narrowed to their own
# family or classrooms by the queries that list children.
PERMISSIONS: dict[str, set[Role]] = {
    "provider.view": set(ROLE_PRECEDENCE),
    "provider.edit": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF},
    "classrooms.view": {
        Role.ALLIANCE_ADMIN,
        Role.DIRECTOR,
        Role.HUB_STAFF,
        Role.CONSULTANT,
        Role.STAFF,
    },
    "classrooms.edit": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF},
    "children.view": {
        Role.ALLIANCE_ADMIN,
        Role.DIRECTOR,
        Role.HUB_STAFF,
        Role.STAFF,
        Role.GUARDIAN,
    },
    "custody.view": {Role.DIRECTOR},
    # Staff read medical notes only of the children they see: those of their classrooms.
    "medical.view": {Role.DIRECTOR, Role.STAFF},
    "families.edit": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF},
    "child_file.view": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF, Role.STAFF},
    "enrollment.view": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF},
    "enrollment.edit": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF},
    "vacancies.view": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF, Role.CONSULTANT},
    # Attendance: staff work the roster and kiosk; guardians check their own children in.
    "attendance.view": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF, Role.STAFF},
    "attendance.edit": {Role.DIRECTOR, Role.STAFF},
    # Hub staff fix missing check-outs found while preparing a CCA billing period.
    "attendance.correct": {Role.DIRECTOR, Role.STAFF, Role.HUB_STAFF},
    "attendance.kiosk": {Role.DIRECTOR, Role.STAFF},
    "attendance.own_children": {Role.GUARDIAN},
    "attendance.reports": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF},
    "closures.edit": {Role.DIRECTOR, Role.HUB_STAFF},
    "ratios.view": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF, Role.STAFF},
    "staff_time.clock": {Role.DIRECTOR, Role.STAFF},
    "staff_time.manage": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF},
    "money.view": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF, Role.CONSULTANT},
    "audit.view": {Role.ALLIANCE_ADMIN, Role.DIRECTOR},
    # Child Care Assistance: authorizations, billing periods, the KinderTrack feed and what the
    # state paid. Hub staff do this paperwork for member providers; consultants see no children.
    "subsidy.view": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF},
    "subsidy.edit": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF},
    "subsidy.submit": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF},
    # Billing: the hub may do the provider's billing; consultants read the figures; only the
    # director approves write-offs; guardians see and pay their own accounts.
    "billing.view": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF, Role.CONSULTANT},
    "billing.edit": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF},
    "billing.approve": {Role.DIRECTOR},
    "billing.own": {Role.GUARDIAN},
    # Iron Triangle insights: consultants coach (notes, action plans); the provider and the hub
    # keep the costs; everyone here reads the same figures.
    "insights.view": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF, Role.CONSULTANT},
    "insights.coach": {Role.ALLIANCE_ADMIN, Role.CONSULTANT},
    "insights.costs": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF},
    # Alliance membership: the provider's side (agreement, services used, fees to the hub).
    "membership.view": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF, Role.CONSULTANT},
    "membership.sign": {Role.DIRECTOR},
    # Needs assessment: the director answers the alliance's surveys for the provider.
    "surveys.answer": {Role.DIRECTOR},
    # Substitute pool: ask the alliance's pool to cover a classroom, confirm the hours worked.
    "substitutes.request": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF},
    # Communications: the director (or the hub for them) writes to the provider's families;
    # only the director approves what goes out in the provider's name.
    "comms.send": {Role.ALLIANCE_ADMIN, Role.DIRECTOR, Role.HUB_STAFF},
    "comms.approve": {Role.DIRECTOR},
}
ALLIANCE_PERMISSIONS: dict[str, set[Role]] = {
    "alliance.manage": {Role.ALLIANCE_ADMIN},
    "alliance.audit": {Role.ALLIANCE_ADMIN},
    "alliance.aggregates": {Role.ALLIANCE_ADMIN, Role.STATE_VIEWER},
    "subsidy.queue": {Role.ALLIANCE_ADMIN, Role.HUB_STAFF},
    # Shared services: the hub keeps the catalog, its costs and the monthly allocation; only the
    # alliance admin admits and removes members.
    "shared.view": {Role.ALLIANCE_ADMIN, Role.HUB_STAFF},
    "shared.manage": {Role.ALLIANCE_ADMIN, Role.HUB_STAFF},
    "insights.alliance": {Role.ALLIANCE_ADMIN, Role.HUB_STAFF},
    "insights.targets": {Role.ALLIANCE_ADMIN},
    # The state's Iron Triangle page: aggregates only, never a child or a family.
    "insights.state": {Role.ALLIANCE_ADMIN, Role.STATE_VIEWER},
    # The co-design team builds, sends and reads the needs assessment surveys.
    "surveys.manage": {Role.ALLIANCE_ADMIN, Role.HUB_STAFF},
    # Substitute pool: the hub keeps the substitutes and their credentials; a substitute sees
    # the requests they qualify for and their own shifts, never a provider's pages.
    "substitutes.manage": {Role.ALLIANCE_ADMIN, Role.HUB_STAFF},
    "substitutes.work": {Role.SUBSTITUTE},
    # Communications: hub staff write messages; the alliance admin approves them.
    "comms.manage": {Role.ALLIANCE_ADMIN, Role.HUB_STAFF},
    "comms.approve": {Role.ALLIANCE_ADMIN},
}


@dataclass(frozen=True)
class ProviderAccess:
    """A user's standing at one provider, resolved once per request."""

    user: User
    provider: Provider
    roles: frozenset[Role]
    classroom_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def role(self) -> Role:
        return next(r for r in ROLE_PRECEDENCE if r in self.roles)

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"Your role ({self.role.label}) may not do this here.")

    @property
    def permissions(self) -> set[str]:
        """Every permission this role holds here, for templates that show or hide links."""
        return {name for name, roles in PERMISSIONS.items() if self.role in roles}

    @property
    def sees_whole_provider(self) -> bool:
        """Staff see their classrooms and guardians their family; every other role sees all."""
        return self.role not in {Role.STAFF, Role.GUARDIAN}


def _memberships(user: User) -> list[Membership]:
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_ccms_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user).select_related("provider__alliance", "alliance")
        )
        user._ccms_memberships = cached
    return cached


def accessible_providers(user: User) -> QuerySet[Provider]:
    """Every provider whose pages this user may open. State viewers see aggregates only and
    substitutes their shifts only: none."""
    provider_ids = set()
    alliance_ids = set()
    for m in _memberships(user):
        if m.role in NO_PROVIDER_ROLES:
            continue
        if m.provider_id:
            provider_ids.add(m.provider_id)
        else:
            alliance_ids.add(m.alliance_id)
    if not provider_ids and not alliance_ids:
        return Provider.objects.none()
    return Provider.objects.filter(Q(pk__in=provider_ids) | Q(alliance_id__in=alliance_ids))


def provider_roles(user: User, provider: Provider) -> frozenset[Role]:
    roles = set()
    for m in _memberships(user):
        if m.role in NO_PROVIDER_ROLES:
            continue
        if m.provider_id == provider.pk or (
            m.alliance_id and m.alliance_id == provider.alliance_id
        ):
            roles.add(Role(m.role))
    return frozenset(roles)


def access_provider(user: User, slug: str, permission: str = "provider.view") -> ProviderAccess:
    provider = Provider.objects.filter(slug=slug).select_related("alliance").first()
    roles = provider_roles(user, provider) if provider else frozenset()
    if not roles:
        raise Http404("No such provider.")
    classroom_ids: frozenset[int] = frozenset()
    if Role.STAFF in roles:
        classroom_ids = frozenset(
            Membership.classrooms.through.objects.filter(
                membership__user=user, membership__provider=provider
            ).values_list("classroom_id", flat=True)
        )
    access = ProviderAccess(user=user, provider=provider, roles=roles, classroom_ids=classroom_ids)
    access.require(permission)
    return access


@dataclass(frozen=True)
class AllianceAccess:
    user: User
    alliance: Alliance
    roles: frozenset[Role]

    @property
    def role(self) -> Role:
        return Role.ALLIANCE_ADMIN if Role.ALLIANCE_ADMIN in self.roles else next(iter(self.roles))

    def can(self, permission: str) -> bool:
        return bool(self.roles & ALLIANCE_PERMISSIONS[permission])

    @property
    def permissions(self) -> set[str]:
        return {name for name in ALLIANCE_PERMISSIONS if self.can(name)}


def access_alliance(user: User, slug: str, permission: str) -> AllianceAccess:
    roles = frozenset(
        Role(m.role) for m in _memberships(user) if m.alliance_id and m.alliance.slug == slug
    )
    if not roles:
        raise Http404("No such alliance.")
    alliance = next(
        m.alliance for m in _memberships(user) if m.alliance_id and m.alliance.slug == slug
    )
    access = AllianceAccess(user=user, alliance=alliance, roles=roles)
    if not access.can(permission):
        raise PermissionDenied("Your role may not do this for the alliance.")
    return access


def alliance_memberships(user: User) -> list[Membership]:
    """The user's alliance-wide roles (admin, hub staff, state viewer), for navigation."""
    return [m for m in _memberships(user) if m.alliance_id]


def requires_mfa(user: User) -> bool:
    """Whether this user must sign in with a second factor, by role and by alliance policy."""
    for m in _memberships(user):
        if m.role in MFA_REQUIRED_ROLES:
            return True
        if m.role in STAFF_ROLES and m.provider.alliance.require_mfa_for_staff:
            return True
    return False
