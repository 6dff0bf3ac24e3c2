"""The JSON API. Routes call the same access helpers and queries as the web pages."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from ccms.alliance import api as alliance_api
from ccms.attendance import services as attendance
from ccms.attendance.models import Method
from ccms.billing import api as billing_api
from ccms.communications import api as communications_api
from ccms.core.access import access_alliance, access_provider, accessible_providers
from ccms.enrollment.queries import vacancy_report
from ccms.families.queries import visible_children
from ccms.insights import api as insights_api
from ccms.subsidy import api as subsidy_api
from ccms.tenancy import queries

api = NinjaAPI(
    title="CCMS API",
    version="1",
    auth=django_auth,
    description="Every route answers 404 alike for a missing object and another provider's.",
)


class ProviderOut(Schema):
    slug: str
    name: str
    kind: str
    timezone: str
    iq4k_level: str
    kindertrack_provider_id: str
    cca_billing_period: str
    county: str
    city: str


class ClassroomOut(Schema):
    id: int
    name: str
    site: str
    min_age_months: int
    max_age_months: int
    licensed_capacity: int
    children_count: int


class ChildOut(Schema):
    id: int
    first_name: str
    last_name: str
    birth_date: date
    classroom: str | None


class AggregateRow(Schema):
    key: str
    providers: int
    capacity: int
    children: int


class AllianceAggregatesOut(Schema):
    providers: int
    licensed_capacity: int
    children: int
    fill_percent: int
    by_kind: list[AggregateRow]
    by_county: list[AggregateRow]


@api.get("/providers", response=list[ProviderOut], tags=["tenancy"])
def list_providers(request: HttpRequest):
    return accessible_providers(request.user).order_by("name")


@api.get("/providers/{provider}", response=ProviderOut, tags=["tenancy"])
def get_provider(request: HttpRequest, provider: str):
    return access_provider(request.user, provider).provider


@api.get("/providers/{provider}/classrooms", response=list[ClassroomOut], tags=["tenancy"])
def list_classrooms(request: HttpRequest, provider: str):
    access = access_provider(request.user, provider, "classrooms.view")
    return [
        ClassroomOut(
            id=r.pk,
            name=r.name,
            site=r.site.name,
            min_age_months=r.min_age_months,
            max_age_months=r.max_age_months,
            licensed_capacity=r.licensed_capacity,
            children_count=r.children_count,
        )
        for r in queries.classrooms_with_counts(access)
    ]


@api.get("/providers/{provider}/children", response=list[ChildOut], tags=["families"])
def list_children(request: HttpRequest, provider: str):
    access = access_provider(request.user, provider, "children.view")
    return [
        ChildOut(
            id=c.pk,
            first_name=c.first_name,
            last_name=c.last_name,
            birth_date=c.birth_date,
            classroom=c.classroom.name if c.classroom else None,
        )
        for c in visible_children(access)
    ]


class ClassroomVacancyOut(Schema):
    classroom_key: str
    classroom: str
    age_group: str
    licensed_capacity: int
    staffed_capacity: int
    fte_enrolled: Decimal
    vacancies: Decimal
    vacancies_by_week: list[Decimal]


class VacancyFeedOut(Schema):
    provider: str
    as_of: date
    weeks: list[date]
    confirmed_at: datetime | None
    classrooms: list[ClassroomVacancyOut]


@api.get("/providers/{provider}/vacancies", response=VacancyFeedOut, tags=["enrollment"])
def vacancy_feed(request: HttpRequest, provider: str):
    """Vacancies per classroom and age group now and for the next 12 weeks, with the time a
    director last confirmed them."""
    access = access_provider(request.user, provider, "vacancies.view")
    report = vacancy_report(access.provider)
    return VacancyFeedOut(
        provider=access.provider.slug,
        as_of=report.as_of,
        weeks=report.weeks,
        confirmed_at=report.confirmed.confirmed_at if report.confirmed else None,
        classrooms=[
            ClassroomVacancyOut(
                classroom_key=r.classroom.key,
                classroom=r.classroom.name,
                age_group=r.age_group,
                licensed_capacity=r.licensed_capacity,
                staffed_capacity=r.staffed_capacity,
                fte_enrolled=r.fte_now,
                vacancies=r.vacancies_now,
                vacancies_by_week=r.vacancies_by_week,
            )
            for r in report.rooms
        ],
    )


class PresenceOut(Schema):
    id: int
    child_id: int
    service_date: date
    check_in: datetime
    check_out: datetime | None
    classroom: str | None


class ErrorOut(Schema):
    detail: str


def _presence_out(presence) -> PresenceOut:
    return PresenceOut(
        id=presence.pk,
        child_id=presence.child_id,
        service_date=presence.service_date,
        check_in=presence.check_in,
        check_out=presence.check_out,
        classroom=presence.classroom.name if presence.classroom else None,
    )


def _attendance_child(request: HttpRequest, provider: str, child_id: int):
    access = access_provider(request.user, provider, "attendance.edit")
    child = visible_children(access).filter(pk=child_id).first()
    if child is None:
        raise Http404("No such child.")
    child.provider = access.provider  # the same row, already loaded: saves a query
    return access, child


@api.post(
    "/providers/{provider}/children/{child_id}/check-in",
    response={201: PresenceOut, 409: ErrorOut},
    tags=["attendance"],
)
def api_check_in(request: HttpRequest, provider: str, child_id: int):
    """Check a child in now. 409 with the reason when the child is already checked in."""
    _access, child = _attendance_child(request, provider, child_id)
    try:
        presence = attendance.check_in(child=child, actor=request.user, method=Method.ROSTER)
    except ValidationError as error:
        return 409, {"detail": " ".join(error.messages)}
    return 201, _presence_out(presence)


@api.post(
    "/providers/{provider}/children/{child_id}/check-out",
    response={200: PresenceOut, 409: ErrorOut},
    tags=["attendance"],
)
def api_check_out(request: HttpRequest, provider: str, child_id: int, picked_up_by: str = ""):
    """Check a child out now; `picked_up_by` names who collects the child. 409 when the child is
    not checked in or that person is not authorized."""
    _access, child = _attendance_child(request, provider, child_id)
    try:
        presence = attendance.check_out(
            child=child,
            actor=request.user,
            method=Method.ROSTER,
            picked_up_by=picked_up_by,
        )
    except ValidationError as error:
        return 409, {"detail": " ".join(error.messages)}
    return 200, _presence_out(presence)


@api.get("/alliances/{alliance}/aggregates", response=AllianceAggregatesOut, tags=["alliance"])
def alliance_aggregates(request: HttpRequest, alliance: str):
    access = access_alliance(request.user, alliance, "alliance.aggregates")
    totals = queries.alliance_aggregates(list(queries.alliance_provider_table(access.alliance)))
    for name in ("by_kind", "by_county"):
        totals[name] = [AggregateRow(key=key, **row) for key, row in totals[name]]
    return totals


# Each capability keeps its routes in its own module.
api.add_router("/", billing_api.router, tags=["billing"])
api.add_router("/", subsidy_api.router, tags=["subsidy"])
api.add_router("/", insights_api.router, tags=["insights"])
api.add_router("/", alliance_api.router, tags=["shared services"])
api.add_router("/", communications_api.router, tags=["communications"])
