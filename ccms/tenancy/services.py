"""Every write to alliances, providers, sites, classrooms, users and roles."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from ccms.core.services import save_audited
from ccms.tenancy.models import (
    ALLIANCE_OR_PROVIDER_ROLES,
    ALLIANCE_ROLES,
    Alliance,
    Classroom,
    Membership,
    Provider,
    Role,
    Site,
    User,
)

PROVIDER_SETTINGS_FIELDS = [
    "name",
    "kind",
    "timezone",
    "iq4k_level",
    "kindertrack_provider_id",
    "cca_billing_period",
    "cca_period_anchor",
    "county",
    "city",
    "public_intro",
    "waitlist_priorities",
]
CLASSROOM_FIELDS = [
    "site",
    "name",
    "min_age_months",
    "max_age_months",
    "licensed_capacity",
    "staffed_capacity",
]


@transaction.atomic
def add_user(
    *,
    email: str,
    role: str,
    provider: Provider | None = None,
    alliance: Alliance | None = None,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    actor: User | None = None,
) -> User:
    """Create a user holding one role. Raises ValidationError, writing nothing, on bad input."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"“{email}” is not a valid e-mail address.") from None
    if role not in Role.values:
        raise ValidationError(f"Unknown role “{role}”. Use one of: {', '.join(Role.values)}.")
    role = Role(role)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(f"A user with the e-mail {email} already exists.")
    if role in ALLIANCE_ROLES or (role in ALLIANCE_OR_PROVIDER_ROLES and provider is None):
        if alliance is None and provider is not None:
            alliance = provider.alliance
        if alliance is None:
            raise ValidationError(f"The role {role} needs an alliance (or a provider of one).")
        provider = None
    else:
        alliance = None
        if provider is None:
            raise ValidationError(f"The role {role} needs a provider (--provider KEY).")
    user = User(email=email, first_name=first_name, last_name=last_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    save_audited(user, actor=actor)
    grant_role(user=user, role=role, provider=provider, alliance=alliance, actor=actor)
    return user


@transaction.atomic
def grant_role(
    *,
    user: User,
    role: Role,
    provider: Provider | None = None,
    alliance: Alliance | None = None,
    classrooms=(),
    actor: User | None = None,
) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        user=user, role=role, provider=provider, alliance=alliance
    )
    if classrooms:
        membership.classrooms.add(*classrooms)
    membership._history_user = actor
    membership.save()
    return membership


@transaction.atomic
def update_provider(*, provider: Provider, data: dict, actor: User, reason: str = "") -> Provider:
    for name in PROVIDER_SETTINGS_FIELDS:
        if name in data:
            setattr(provider, name, data[name])
    save_audited(provider, actor=actor, reason=reason)
    return provider


@transaction.atomic
def create_site(*, provider: Provider, name: str, address: str = "", actor: User | None) -> Site:
    site = Site(provider=provider, name=name, address=address)
    save_audited(site, actor=actor)
    return site


@transaction.atomic
def create_classroom(*, provider: Provider, data: dict, actor: User | None) -> Classroom:
    classroom = Classroom(provider=provider, **{k: data[k] for k in CLASSROOM_FIELDS if k in data})
    save_audited(classroom, actor=actor)
    return classroom


@transaction.atomic
def update_classroom(*, classroom: Classroom, data: dict, actor: User, reason: str) -> Classroom:
    for name in CLASSROOM_FIELDS:
        if name in data:
            setattr(classroom, name, data[name])
    save_audited(classroom, actor=actor, reason=reason)
    return classroom


@transaction.atomic
def set_alliance_mfa_policy(*, alliance: Alliance, required: bool, actor: User) -> Alliance:
    alliance.require_mfa_for_staff = required
    state = "required" if required else "optional"
    save_audited(alliance, actor=actor, reason=f"Second factor for directors and staff {state}")
    return alliance
