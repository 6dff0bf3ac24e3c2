"""Reads of children and families, narrowed to what the caller's role may see."""

from django.db.models import QuerySet

from ccms.core.access import ProviderAccess
from ccms.families.models import Child
from ccms.tenancy.models import Role


def visible_children(access: ProviderAccess) -> QuerySet[Child]:
    """Staff see the children of their classrooms, guardians their own; other roles see all."""
    access.require("children.view")
    children = Child.objects.filter(provider=access.provider).select_related("classroom", "family")
    if access.role == Role.STAFF:
        children = children.filter(classroom_id__in=access.classroom_ids)
    elif access.role == Role.GUARDIAN:
        children = children.filter(family__guardians__user=access.user)
    return children
