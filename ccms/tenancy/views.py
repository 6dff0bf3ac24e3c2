from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from ccms.core.access import (
    AllianceAccess,
    ProviderAccess,
    accessible_providers,
    alliance_memberships,
)
from ccms.core.decorators import alliance_view, provider_view
from ccms.core.models import AuditEvent
from ccms.families.queries import visible_children
from ccms.tenancy import queries, services
from ccms.tenancy.forms import AllianceSecurityForm, ClassroomForm, ProviderSettingsForm
from ccms.tenancy.models import Classroom, Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the page their role starts from."""
    for m in alliance_memberships(request.user):
        if m.role == Role.ALLIANCE_ADMIN:
            return redirect("alliance_home", alliance=m.alliance.slug)
    providers = list(accessible_providers(request.user).order_by("name")[:2])
    if len(providers) == 1:
        return redirect("provider_home", provider=providers[0].slug)
    if providers and any(m.role == Role.CONSULTANT for m in request.user.memberships.all()):
        # A consultant starts from every assigned provider's Iron Triangle on one screen.
        return redirect("insights_portfolio")
    if providers:
        return redirect("provider_list")
    for m in alliance_memberships(request.user):
        if m.role == Role.STATE_VIEWER:
            return redirect("state_home", alliance=m.alliance.slug)
        if m.role == Role.SUBSTITUTE:
            return redirect("sub_open", alliance=m.alliance.slug)
    return render(request, "tenancy/no_roles.html")


@login_required
def provider_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    providers = queries.provider_search(accessible_providers(request.user), q)
    page = Paginator(providers, 25).get_page(request.GET.get("page"))
    template = "tenancy/_provider_rows.html" if request.htmx else "tenancy/provider_list.html"
    return render(request, template, {"page": page, "q": q})


@provider_view()
def provider_home(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    context = {"access": access}
    if access.role == Role.GUARDIAN:
        context["children"] = visible_children(access)
        return render(request, "tenancy/guardian_home.html", context)
    rooms = list(queries.classrooms_with_counts(access))
    context.update(rooms=rooms, summary=queries.capacity_summary(rooms))
    return render(request, "tenancy/provider_home.html", context)


@provider_view("provider.edit")
@require_http_methods(["GET", "POST"])
def provider_settings(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    form = ProviderSettingsForm(request.POST or None, instance=access.provider)
    if request.method == "POST" and form.is_valid():
        services.update_provider(
            provider=access.provider,
            data=form.cleaned_data,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, "Provider settings saved.")
        return redirect("provider_settings", provider=access.provider.slug)
    return render(request, "tenancy/provider_settings.html", {"access": access, "form": form})


@provider_view("classrooms.view")
def classroom_list(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    rooms = list(queries.classrooms_with_counts(access))
    return render(
        request,
        "tenancy/classroom_list.html",
        {"access": access, "rooms": rooms, "summary": queries.capacity_summary(rooms)},
    )


@provider_view("classrooms.edit")
@require_http_methods(["GET", "POST"])
def classroom_create(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    form = ClassroomForm(request.POST or None, provider=access.provider, with_reason=False)
    if request.method == "POST" and form.is_valid():
        room = services.create_classroom(
            provider=access.provider, data=form.cleaned_data, actor=request.user
        )
        messages.success(request, f"Classroom “{room.name}” added.")
        return redirect("classroom_list", provider=access.provider.slug)
    return render(
        request, "tenancy/classroom_form.html", {"access": access, "form": form, "room": None}
    )


@provider_view("classrooms.edit")
@require_http_methods(["GET", "POST"])
def classroom_edit(request: HttpRequest, access: ProviderAccess, classroom_id: int) -> HttpResponse:
    room = get_object_or_404(Classroom, pk=classroom_id, provider=access.provider)
    form = ClassroomForm(
        request.POST or None, instance=room, provider=access.provider, with_reason=True
    )
    if request.method == "POST" and form.is_valid():
        services.update_classroom(
            classroom=room,
            data=form.cleaned_data,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"Classroom “{room.name}” saved.")
        return redirect("classroom_list", provider=access.provider.slug)
    return render(
        request, "tenancy/classroom_form.html", {"access": access, "form": form, "room": room}
    )


@provider_view("children.view")
def child_list(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    children = visible_children(access).order_by("classroom__min_age_months", "last_name")
    return render(request, "tenancy/child_list.html", {"access": access, "children": children})


def _audit_page(request: HttpRequest, events) -> dict:
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return {"page": page}


@provider_view("audit.view")
def provider_audit(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    events = AuditEvent.objects.filter(provider_id=access.provider.pk)
    context = {"access": access, **_audit_page(request, events)}
    return render(request, "core/audit_log.html", context)


@alliance_view("alliance.manage")
@require_http_methods(["GET", "POST"])
def alliance_home(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    alliance = access.alliance
    form = AllianceSecurityForm(
        request.POST or None, initial={"require_mfa_for_staff": alliance.require_mfa_for_staff}
    )
    if request.method == "POST" and form.is_valid():
        services.set_alliance_mfa_policy(
            alliance=alliance,
            required=form.cleaned_data["require_mfa_for_staff"],
            actor=request.user,
        )
        messages.success(request, "Sign-in policy saved.")
        return redirect("alliance_home", alliance=alliance.slug)
    providers = list(queries.alliance_provider_table(alliance))
    context = {
        "alliance_access": access,
        "providers": providers,
        "totals": queries.alliance_aggregates(providers),
        "form": form,
    }
    return render(request, "tenancy/alliance_home.html", context)


@alliance_view("alliance.audit")
def alliance_audit(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    events = AuditEvent.objects.filter(alliance_id=access.alliance.pk)
    context = {"alliance_access": access, **_audit_page(request, events)}
    return render(request, "core/audit_log.html", context)


@alliance_view("alliance.aggregates")
def state_home(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    providers = list(queries.alliance_provider_table(access.alliance))
    context = {"alliance_access": access, "totals": queries.alliance_aggregates(providers)}
    return render(request, "tenancy/state_home.html", context)
