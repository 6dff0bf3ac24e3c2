"""Pages of the substitute pool: the director's requests (phone first), the hub's pool and
credentials, and the substitute's open requests and shifts. Views parse, call a query or a
service, and render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ccms.core.access import AllianceAccess, ProviderAccess
from ccms.core.dates import provider_today
from ccms.core.decorators import alliance_view, provider_view
from ccms.core.forms import show_validation_error
from ccms.substitutes import queries, services
from ccms.substitutes.forms import (
    CancelForm,
    CoverRequestForm,
    CredentialForm,
    HoursForm,
    SubstituteEditForm,
    SubstituteForm,
)
from ccms.substitutes.models import CoverStatus

# The provider's requests -------------------------------------------------------------------------


@provider_view("substitutes.request")
def sub_cover_list(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    rows = list(queries.provider_requests(access.provider)[:200])
    need_hours = [r for r in rows if r.status == CoverStatus.FILLED and r.date <= today]
    upcoming = [
        r
        for r in rows
        if r.status in (CoverStatus.OPEN, CoverStatus.FILLED) and r not in need_hours
    ]
    upcoming.sort(key=lambda r: (r.date, r.start))
    past = [r for r in rows if r.status in (CoverStatus.COMPLETED, CoverStatus.CANCELLED)]
    return render(
        request,
        "substitutes/cover_list.html",
        {"access": access, "need_hours": need_hours, "upcoming": upcoming, "past": past},
    )


@provider_view("substitutes.request")
@require_http_methods(["GET", "POST"])
def sub_cover_new(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    form = CoverRequestForm(request.POST or None, provider=access.provider, today=today)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cover = services.request_cover(
                provider=access.provider,
                classroom=data["classroom"],
                on=data["date"],
                start=data["start"],
                end=data["end"],
                required_kinds=data["required_kinds"],
                notes=data["notes"],
                actor=request.user,
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(
                request,
                "Cover requested. Qualified substitutes are e-mailed; the first to "
                "accept gets the shift.",
            )
            return redirect("sub_cover_detail", access.provider.slug, cover.pk)
    return render(request, "substitutes/cover_form.html", {"access": access, "form": form})


@provider_view("substitutes.request")
def sub_cover_detail(request: HttpRequest, access: ProviderAccess, cover_id: int) -> HttpResponse:
    cover = queries.cover_of(access.provider, cover_id)
    return render(request, "substitutes/cover_detail.html", _detail_context(access, cover))


def _detail_context(access, cover, *, hours_form=None, cancel_form=None) -> dict:
    today = provider_today(access.provider)
    can_confirm = cover.status in queries.BOOKED and cover.date <= today
    can_cancel = cover.status in (CoverStatus.OPEN, CoverStatus.FILLED) and (
        cover.ends_at > timezone.now()
    )
    if can_confirm and hours_form is None:
        hours = cover.hours_worked or cover.scheduled_hours
        hours_form = HoursForm(initial={"hours_worked": hours})
    if can_cancel and cancel_form is None:
        cancel_form = CancelForm()
    return {
        "access": access,
        "cover": cover,
        "hours_form": hours_form if can_confirm else None,
        "cancel_form": cancel_form if can_cancel else None,
    }


@provider_view("substitutes.request")
@require_POST
def sub_cover_hours(request: HttpRequest, access: ProviderAccess, cover_id: int) -> HttpResponse:
    cover = queries.cover_of(access.provider, cover_id)
    form = HoursForm(request.POST)
    if form.is_valid():
        try:
            cover = services.confirm_hours(
                cover=cover,
                hours=form.cleaned_data["hours_worked"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            billed = cover.billed_entry.amount
            messages.success(request, f"{cover.hours_worked} hours confirmed: billed ${billed}.")
            return redirect("sub_cover_detail", access.provider.slug, cover.pk)
    context = _detail_context(access, cover, hours_form=form)
    return render(request, "substitutes/cover_detail.html", context, status=400)


@provider_view("substitutes.request")
@require_POST
def sub_cover_cancel(request: HttpRequest, access: ProviderAccess, cover_id: int) -> HttpResponse:
    cover = queries.cover_of(access.provider, cover_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_cover(
                cover=cover, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, "Request cancelled.")
            return redirect("sub_cover_list", access.provider.slug)
    context = _detail_context(access, cover, cancel_form=form)
    return render(request, "substitutes/cover_detail.html", context, status=400)


# The hub's pool ----------------------------------------------------------------------------------


def _pool_page(request, template: str, access: AllianceAccess, context: dict, status: int = 200):
    return render(
        request, template, {"alliance": access.alliance, "access": access, **context}, status=status
    )


@alliance_view("substitutes.manage")
def sub_pool(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    today = timezone.localdate()
    rows = queries.pool(access.alliance, today)
    return _pool_page(
        request,
        "substitutes/pool.html",
        access,
        {
            "rows": rows,
            "summary": queries.pool_summary(rows),
            "open_count": len(queries.upcoming_open(access.alliance)),
        },
    )


@alliance_view("substitutes.manage")
@require_http_methods(["GET", "POST"])
def sub_new(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    form = SubstituteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            substitute = services.add_substitute(
                alliance=access.alliance, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, f"{substitute.name} added. Now record their credentials.")
            return redirect("sub_edit", access.alliance.slug, substitute.pk)
    return _pool_page(
        request, "substitutes/substitute_form.html", access, {"form": form, "substitute": None}
    )


@alliance_view("substitutes.manage")
@require_http_methods(["GET", "POST"])
def sub_edit(request: HttpRequest, access: AllianceAccess, substitute_id: int) -> HttpResponse:
    substitute = queries.substitute_in(access.alliance, substitute_id)
    form = SubstituteEditForm(request.POST or None, instance=substitute)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_substitute(
                substitute=substitute,
                data=form.cleaned_data,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, f"{substitute.name} saved.")
            return redirect("sub_pool", access.alliance.slug)
    today = timezone.localdate()
    return _pool_page(
        request,
        "substitutes/substitute_form.html",
        access,
        {
            "form": form,
            "substitute": substitute,
            "credentials": [
                queries.credential_state(c, today) for c in substitute.credentials.all()
            ],
            "shifts": queries.shifts_of(substitute)[:20],
        },
    )


@alliance_view("substitutes.manage")
@require_http_methods(["GET", "POST"])
def sub_credential_new(
    request: HttpRequest, access: AllianceAccess, substitute_id: int
) -> HttpResponse:
    return _credential_page(request, access, substitute_id, None)


@alliance_view("substitutes.manage")
@require_http_methods(["GET", "POST"])
def sub_credential_edit(
    request: HttpRequest, access: AllianceAccess, substitute_id: int, credential_id: int
) -> HttpResponse:
    return _credential_page(request, access, substitute_id, credential_id)


def _credential_page(request, access, substitute_id, credential_id):
    substitute = queries.substitute_in(access.alliance, substitute_id)
    credential = queries.credential_in(substitute, credential_id) if credential_id else None
    form = CredentialForm(request.POST or None, instance=credential)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_credential(
                substitute=substitute,
                credential=credential,
                actor=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, "Credential saved.")
            return redirect("sub_edit", access.alliance.slug, substitute.pk)
    return _pool_page(
        request,
        "substitutes/credential_form.html",
        access,
        {"form": form, "substitute": substitute, "credential": credential},
    )


@alliance_view("substitutes.manage")
@require_POST
def sub_credential_delete(
    request: HttpRequest, access: AllianceAccess, substitute_id: int, credential_id: int
) -> HttpResponse:
    substitute = queries.substitute_in(access.alliance, substitute_id)
    credential = queries.credential_in(substitute, credential_id)
    services.remove_credential(credential=credential, actor=request.user)
    messages.success(request, f"{credential.get_kind_display()} removed.")
    return redirect("sub_edit", access.alliance.slug, substitute.pk)


@alliance_view("substitutes.manage")
def sub_all_requests(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in CoverStatus.values:
        status = ""
    rows = queries.alliance_requests(access.alliance, status)[:300]
    return _pool_page(
        request,
        "substitutes/all_requests.html",
        access,
        {"rows": rows, "status": status, "statuses": CoverStatus.choices},
    )


# The substitute's pages --------------------------------------------------------------------------


@alliance_view("substitutes.work")
def sub_open(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    substitute = queries.substitute_of(request.user, access.alliance)
    return _pool_page(
        request,
        "substitutes/open.html",
        access,
        {"substitute": substitute, "rows": queries.open_requests_for(substitute)},
    )


@alliance_view("substitutes.work")
@require_POST
def sub_accept(request: HttpRequest, access: AllianceAccess, cover_id: int) -> HttpResponse:
    substitute = queries.substitute_of(request.user, access.alliance)
    try:
        cover = services.accept_cover(cover_id=cover_id, substitute=substitute, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("sub_open", access.alliance.slug)
    messages.success(
        request,
        f"The shift is yours: {cover.classroom.name} at {cover.provider.name}, "
        f"{queries.day_label(cover.date)}, {queries.clock(cover.start)} to "
        f"{queries.clock(cover.end)}. The director has been told.",
    )
    return redirect(reverse("sub_shifts", args=[access.alliance.slug]))


@alliance_view("substitutes.work")
def sub_shifts(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    substitute = queries.substitute_of(request.user, access.alliance)
    today = timezone.localdate()
    shifts = list(queries.shifts_of(substitute)[:100])
    upcoming = sorted(
        (s for s in shifts if s.status == CoverStatus.FILLED and s.date >= today),
        key=lambda s: (s.date, s.start),
    )
    past = [s for s in shifts if s not in upcoming]
    return _pool_page(
        request,
        "substitutes/shifts.html",
        access,
        {"substitute": substitute, "upcoming": upcoming, "past": past},
    )
