"""Reads about providers and classrooms that pages and the API share."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from ccms.core.access import ProviderAccess
from ccms.families.models import Child
from ccms.tenancy.models import Alliance, Classroom, Provider


def classrooms_with_counts(access: ProviderAccess) -> QuerySet[Classroom]:
    """Classrooms the caller may see, each with the number of children placed in it."""
    access.require("classrooms.view")
    rooms = Classroom.objects.filter(provider=access.provider).select_related("site")
    if not access.sees_whole_provider:
        rooms = rooms.filter(pk__in=access.classroom_ids)
    return rooms.annotate(children_count=Count("children"))


def capacity_summary(rooms) -> dict:
    rooms = list(rooms)
    capacity = sum(r.licensed_capacity for r in rooms)
    children = sum(r.children_count for r in rooms)
    return {
        "classrooms": len(rooms),
        "licensed_capacity": capacity,
        "children": children,
        "open_seats": max(capacity - children, 0),
        "fill_percent": round(100 * children / capacity) if capacity else 0,
    }


def alliance_provider_table(alliance: Alliance) -> QuerySet[Provider]:
    """Alliance roll-up, one row per member provider (a named cross-provider read)."""
    rooms = Classroom.objects.filter(provider=OuterRef("pk")).order_by().values("provider")
    # Children placed in a classroom; prospective children of open inquiries are not counted.
    children = (
        Child.objects.filter(provider=OuterRef("pk"), classroom__isnull=False)
        .order_by()
        .values("provider")
    )
    return (
        Provider.objects.filter(alliance=alliance)
        .annotate(
            licensed_capacity=Coalesce(
                Subquery(rooms.annotate(s=Sum("licensed_capacity")).values("s")), 0
            ),
            classroom_count=Coalesce(Subquery(rooms.annotate(c=Count("pk")).values("c")), 0),
            children_count=Coalesce(Subquery(children.annotate(c=Count("pk")).values("c")), 0),
        )
        .order_by("name")
    )


def alliance_aggregates(providers: list[Provider]) -> dict:
    """What the state sees, from alliance_provider_table rows: counts by provider kind and by
    county; no names of children."""
    by_kind: dict[str, dict] = {}
    by_county: dict[str, dict] = {}
    for p in providers:
        for key, bucket in ((p.get_kind_display(), by_kind), (p.county or "Unknown", by_county)):
            row = bucket.setdefault(key, {"providers": 0, "capacity": 0, "children": 0})
            row["providers"] += 1
            row["capacity"] += p.licensed_capacity or 0
            row["children"] += p.children_count
    total_capacity = sum(p.licensed_capacity or 0 for p in providers)
    total_children = sum(p.children_count for p in providers)
    return {
        "providers": len(providers),
        "licensed_capacity": total_capacity,
        "children": total_children,
        "fill_percent": round(100 * total_children / total_capacity) if total_capacity else 0,
        "by_kind": sorted(by_kind.items()),
        "by_county": sorted(by_county.items()),
    }


def provider_search(providers: QuerySet[Provider], q: str) -> QuerySet[Provider]:
    if q:
        providers = providers.filter(Q(name__icontains=q) | Q(city__icontains=q))
    return providers.order_by("name")
