"""Reads of children and families, narrowed to what the caller's role may see.

Every object named by an id in a URL is loaded here, scoped to the provider in the URL and to
the caller's role, so that another provider's id and an id the role may not see both give 404.
"""

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from ccms.core.access import ProviderAccess
from ccms.families.models import (
    AuthorizedPickup,
    Child,
    ChildDocument,
    EmergencyContact,
    Family,
    Guardian,
)
from ccms.tenancy.models import Classroom, Role


def visible_children(access: ProviderAccess) -> QuerySet[Child]:
    """Staff see the children of their classrooms, guardians their own; other roles see all."""
    access.require("children.view")
    children = Child.objects.filter(provider=access.provider).select_related("classroom", "family")
    if access.role == Role.STAFF:
        children = children.filter(classroom_id__in=access.classroom_ids)
    elif access.role == Role.GUARDIAN:
        children = children.filter(family__guardians__user=access.user)
    return children


def visible_families(access: ProviderAccess) -> QuerySet[Family]:
    """Staff see the families of the children in their classrooms, guardians their own."""
    access.require("children.view")
    families = Family.objects.filter(provider=access.provider)
    if access.role == Role.STAFF:
        families = families.filter(
            pk__in=Child.objects.filter(
                provider=access.provider, classroom_id__in=access.classroom_ids
            ).values("family_id")
        )
    elif access.role == Role.GUARDIAN:
        families = families.filter(
            pk__in=Guardian.objects.filter(provider=access.provider, user=access.user).values(
                "family_id"
            )
        )
    return families


def visible_classrooms(access: ProviderAccess) -> QuerySet[Classroom]:
    rooms = Classroom.objects.filter(provider=access.provider)
    if not access.sees_whole_provider:
        rooms = rooms.filter(pk__in=access.classroom_ids)
    return rooms.order_by("min_age_months", "name")


def family_search(access: ProviderAccess, q: str) -> QuerySet[Family]:
    """Families whose name, guardians or (visible) children match `q`, with both prefetched."""
    families = visible_families(access)
    if q:
        children = visible_children(access)
        families = families.filter(
            Q(name__icontains=q)
            | Q(guardians__first_name__icontains=q)
            | Q(guardians__last_name__icontains=q)
            | Q(
                pk__in=children.filter(
                    Q(first_name__icontains=q) | Q(last_name__icontains=q)
                ).values("family_id")
            )
        ).distinct()
    return families.order_by("name", "pk").prefetch_related(
        "guardians", Prefetch("children", queryset=visible_children(access))
    )


def access_family(access: ProviderAccess, family_id: int) -> Family:
    return get_object_or_404(visible_families(access), pk=family_id)


def access_child(access: ProviderAccess, child_id: int, *, with_file: bool = False) -> Child:
    children = visible_children(access)
    return get_object_or_404(with_child_file(children) if with_file else children, pk=child_id)


def access_guardian(access: ProviderAccess, guardian_id: int) -> Guardian:
    return get_object_or_404(
        Guardian.objects.select_related("family").filter(
            family__in=visible_families(access), provider=access.provider
        ),
        pk=guardian_id,
    )


def access_emergency_contact(access: ProviderAccess, contact_id: int) -> EmergencyContact:
    return get_object_or_404(
        EmergencyContact.objects.select_related("family").filter(
            family__in=visible_families(access), provider=access.provider
        ),
        pk=contact_id,
    )


def access_pickup(access: ProviderAccess, pickup_id: int) -> AuthorizedPickup:
    return get_object_or_404(
        AuthorizedPickup.objects.select_related("child").filter(
            child__in=visible_children(access), provider=access.provider
        ),
        pk=pickup_id,
    )


def access_document(access: ProviderAccess, document_id: int) -> ChildDocument:
    """A child's document, for roles that may read child files and see that child."""
    access.require("child_file.view")
    return get_object_or_404(
        ChildDocument.objects.select_related("child").filter(
            child__in=visible_children(access), provider=access.provider
        ),
        pk=document_id,
    )


def with_child_file(children: QuerySet[Child]) -> QuerySet[Child]:
    """Everything the child-file checklist reads, in a fixed number of queries."""
    return children.prefetch_related(
        "family__guardians",
        "family__emergency_contacts",
        "authorized_pickups",
        "documents",
    )
