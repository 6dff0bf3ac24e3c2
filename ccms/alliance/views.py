"""The shared services pages: the hub's (members, catalog, costs, allocation, cost recovery) and
the member provider's (its membership, agreement, services and fee statements). Views parse
input, call a service or a query, and render."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ccms.alliance import allocation, hub, reports, services
from ccms.alliance.forms import (
    RULE_HELP,
    AgreementForm,
    CostForm,
    GrantForm,
    JoinForm,
    LeaveForm,
    MemberPaymentForm,
    MonthForm,
    PoolForm,
    ServiceForm,
    SignForm,
    UseForm,
)
from ccms.alliance.members import membership_of, uses_on
from ccms.alliance.models import (
    AllianceMember,
    AllocationRun,
    CostPool,
    GrantOffset,
    PoolCost,
    ServiceUse,
    SharedService,
)
from ccms.alliance.navigation import render_page
from ccms.billing import ledger, statements
from ccms.billing.models import EntryKind, Method
from ccms.billing.pdf import statement_pdf
from ccms.core.access import AllianceAccess, ProviderAccess
from ccms.core.dates import provider_today
from ccms.core.decorators import alliance_view, provider_view
from ccms.core.forms import show_validation_error
from ccms.insights import charts
from ccms.insights.display import dollars
from ccms.insights.metrics import shift_month
from ccms.tenancy.models import Alliance

RECOVERY_MONTHS = 6


def _today(alliance: Alliance) -> date:
    """The alliance's day (the site's time zone); reading a page never opens the hub."""
    return timezone.localdate()


def _month(year: int, month: int) -> date:
    try:
        return date(year, month, 1)
    except ValueError as error:
        raise Http404("No such month.") from error


def _member(alliance: Alliance, member_id: int) -> AllianceMember:
    return get_object_or_404(
        AllianceMember.objects.select_related("provider", "agreement", "account"),
        pk=member_id,
        alliance=alliance,
    )


# --- members -------------------------------------------------------------------------------


@alliance_view("shared.view")
def shared_members(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    alliance = access.alliance
    today = _today(alliance)
    form = JoinForm(request.POST or None, alliance=alliance, initial={"joined_on": today})
    if request.method == "POST":
        if not access.can("alliance.manage"):
            raise Http404
        if form.is_valid():
            try:
                member = services.join(alliance=alliance, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                show_validation_error(form, error)
            else:
                messages.success(
                    request,
                    f"{member.provider.name} is a member from {member.joined_on:%B %-d, %Y}.",
                )
                return redirect("shared_member", alliance=alliance.slug, member_id=member.pk)
    members = list(
        AllianceMember.objects.filter(alliance=alliance)
        .select_related("provider", "agreement")
        .prefetch_related("uses__service")
        .order_by("provider__name", "-joined_on")
    )
    current = [m for m in members if m.active_on(today)]
    past = [m for m in members if not m.active_on(today)]
    balances = ledger.balances([m.account for m in members if m.account_id])
    return render_page(
        request,
        "alliance/members.html",
        {
            "current": [
                (
                    m,
                    [u for u in m.uses.all() if u.in_use_on(today)],
                    balances.get(m.account_id),
                )
                for m in current
            ],
            "past": past,
            "form": form,
            "today": today,
            "unsigned": sum(1 for m in current if not m.is_signed),
        },
    )


@alliance_view("shared.view")
def shared_member(request: HttpRequest, access: AllianceAccess, member_id: int) -> HttpResponse:
    alliance = access.alliance
    member = _member(alliance, member_id)
    today = _today(alliance)
    use_form = UseForm(None, alliance=alliance, initial={"started_on": today})
    leave_form = LeaveForm(None, initial={"left_on": today})
    pay_form = MemberPaymentForm(None, initial={"on": today})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "use":
                use_form = UseForm(request.POST, alliance=alliance)
                if use_form.is_valid():
                    services.start_use(member=member, actor=request.user, **use_form.cleaned_data)
                    messages.success(request, "Service added.")
                    return redirect(request.path)
            elif action == "end_use":
                use = get_object_or_404(ServiceUse, pk=request.POST.get("use"), member=member)
                services.end_use(use=use, ended_on=today, actor=request.user)
                messages.success(request, f"{use.service.name} ends today.")
                return redirect(request.path)
            elif action == "leave":
                if not access.can("alliance.manage"):
                    raise Http404
                leave_form = LeaveForm(request.POST)
                if leave_form.is_valid():
                    services.leave(member=member, actor=request.user, **leave_form.cleaned_data)
                    messages.success(
                        request, f"{member.provider.name}'s membership ends on {member.left_on}."
                    )
                    return redirect(request.path)
            elif action == "payment":
                pay_form = MemberPaymentForm(request.POST)
                if pay_form.is_valid():
                    data = pay_form.cleaned_data
                    ledger.post_entry(
                        hub.member_account(member),
                        kind=EntryKind.PAYMENT,
                        amount=data["amount"],
                        on=data["on"],
                        method=Method.CHECK,
                        reference=data["reference"],
                        key=f"member-payment:{member.pk}:{data['reference']}",
                        description=f"Payment, {data['reference']}",
                        actor=request.user,
                    )
                    messages.success(request, f"Payment of {dollars(data['amount'])} recorded.")
                    return redirect(request.path)
        except ValidationError as error:
            form = {"use": use_form, "leave": leave_form, "payment": pay_form}.get(action)
            if form is None:
                messages.error(request, " ".join(error.messages))
                return redirect(request.path)
            show_validation_error(form, error)
    account = member.account
    runs = reports.runs_of(member)
    return render_page(
        request,
        "alliance/member.html",
        {
            "member": member,
            "uses": member.uses.select_related("service").order_by("-started_on"),
            "use_form": use_form,
            "leave_form": leave_form,
            "pay_form": pay_form,
            "balance": ledger.balance(account) if account else None,
            "runs": runs,
            "today": today,
        },
    )


# --- catalog -------------------------------------------------------------------------------


@alliance_view("shared.view")
def shared_services(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    alliance = access.alliance
    today = _today(alliance)
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and access.can("shared.manage") and form.is_valid():
        form.instance.alliance = alliance
        try:
            services.save_service(form.instance, actor=request.user)
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, f"{form.instance.name} added to the catalog.")
            return redirect("shared_services", alliance=alliance.slug)
    catalog = SharedService.objects.filter(alliance=alliance).order_by("-is_active", "name")
    members = {}
    for use in ServiceUse.objects.filter(uses_on(today), service__alliance=alliance).select_related(
        "member__provider"
    ):
        members.setdefault(use.service_id, []).append(use)
    return render_page(
        request,
        "alliance/services.html",
        {"catalog": [(s, members.get(s.pk, [])) for s in catalog], "form": form},
    )


@alliance_view("shared.manage")
def shared_service_edit(
    request: HttpRequest, access: AllianceAccess, service_id: int
) -> HttpResponse:
    service = get_object_or_404(SharedService, pk=service_id, alliance=access.alliance)
    form = ServiceForm(request.POST or None, instance=service)
    return _edit_page(request, form, services.save_service, back="shared_services")


def _edit_page(request, form, save, *, back: str) -> HttpResponse:
    """Edit one row of the alliance's (a service, a pool) and go back to its list."""
    name = form.instance.name
    if request.method == "POST" and form.is_valid():
        try:
            save(form.instance, actor=request.user)
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, f"{form.instance.name} saved.")
            return redirect(back, alliance=request.alliance_access.alliance.slug)
    context = {"form": form, "title": f"Edit {name}", "back": back}
    return render_page(request, "alliance/form.html", context)


# --- costs ---------------------------------------------------------------------------------


@alliance_view("shared.view")
def shared_costs(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    alliance = access.alliance
    today = _today(alliance)
    month = _picked_month(request, today)
    forms_ = {
        "pool": PoolForm(None, alliance=alliance),
        "cost": CostForm(None, alliance=alliance, initial={"month": month}),
        "grant": GrantForm(None, alliance=alliance, initial={"month": month}),
    }
    if request.method == "POST":
        if not access.can("shared.manage"):
            raise Http404
        action = request.POST.get("action")
        if action not in forms_:
            raise Http404
        form = forms_[action] = type(forms_[action])(request.POST, alliance=alliance)
        if form.is_valid():
            try:
                if action == "pool":
                    services.save_pool(form.instance, actor=request.user)
                elif action == "cost":
                    services.add_cost(actor=request.user, **form.cleaned_data)
                else:
                    services.add_grant(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                show_validation_error(form, error)
            else:
                messages.success(
                    request,
                    {"pool": "Pool added.", "cost": "Cost entered.", "grant": "Grant entered."}[
                        action
                    ],
                )
                picked = form.cleaned_data.get("month") or month
                return redirect(f"{request.path}?month={picked:%Y-%m}")
    pools = list(CostPool.objects.filter(alliance=alliance).select_related("service"))
    costs = PoolCost.objects.filter(pool__alliance=alliance, month=month).select_related("pool")
    grants = GrantOffset.objects.filter(pool__alliance=alliance, month=month).select_related("pool")
    return render_page(
        request,
        "alliance/costs.html",
        {
            "pools": [(p, RULE_HELP[p.rule]) for p in pools],
            "costs": costs,
            "grants": grants,
            "cost_total": sum((c.amount for c in costs), 0),
            "grant_total": sum((g.amount for g in grants), 0),
            "month": month,
            "allocated": AllocationRun.objects.filter(alliance=alliance, month=month).first(),
            **{f"{k}_form": v for k, v in forms_.items()},
        },
    )


@alliance_view("shared.manage")
def shared_pool_edit(request: HttpRequest, access: AllianceAccess, pool_id: int) -> HttpResponse:
    pool = get_object_or_404(CostPool, pk=pool_id, alliance=access.alliance)
    form = PoolForm(request.POST or None, instance=pool, alliance=access.alliance)
    return _edit_page(request, form, services.save_pool, back="shared_costs")


def _picked_month(request, today: date) -> date:
    form = MonthForm(request.GET or None)
    if request.GET.get("month") and form.is_valid():
        return form.cleaned_data["month"]
    return today.replace(day=1)


# --- allocation ------------------------------------------------------------------------------


@alliance_view("shared.view")
def shared_allocation(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    alliance = access.alliance
    today = _today(alliance)
    default = shift_month(today.replace(day=1), -1)  # the month just ended
    month = _picked_month(request, today) if request.GET.get("month") else default
    preview, error = None, None
    if not AllocationRun.objects.filter(alliance=alliance, month=month).exists():
        try:
            preview = allocation.plan(alliance, month)
        except ValidationError as problem:
            error = problem.messages
    return render_page(
        request,
        "alliance/allocation.html",
        {
            "runs": AllocationRun.objects.filter(alliance=alliance),
            "month": month,
            "preview": preview,
            "preview_rows": _plan_rows(preview) if preview else [],
            "errors": error,
        },
    )


def _plan_rows(planned) -> list[dict]:
    rows = []
    for m in planned.members:
        cells = [(p.pool.name, p.shares.get(m.pk)) for p in planned.pools]
        rows.append({"member": m, "cells": cells, "total": planned.member_total(m.pk)})
    return rows


@alliance_view("shared.manage")
@require_POST
def shared_allocation_run(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    alliance = access.alliance
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the month to allocate, as YYYY-MM.")
        return redirect("shared_allocation", alliance=alliance.slug)
    month = form.cleaned_data["month"]
    try:
        run, created = allocation.run(alliance, month, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{request.path.rsplit('run/', 1)[0]}?month={month:%Y-%m}")
    if created:
        members = run.lines.values("member").distinct().count()
        messages.success(
            request,
            f"{month:%B %Y} allocated: {dollars(run.allocated)} billed to {members} members.",
        )
    else:
        messages.warning(request, f"{month:%B %Y} was already allocated; nothing new was posted.")
    return redirect(
        "shared_allocation_month", alliance=alliance.slug, year=month.year, month=month.month
    )


@alliance_view("shared.view")
def shared_allocation_month(
    request: HttpRequest, access: AllianceAccess, year: int, month: int
) -> HttpResponse:
    alliance = access.alliance
    run = get_object_or_404(AllocationRun, alliance=alliance, month=_month(year, month))
    lines = list(
        run.lines.select_related("member__provider", "pool").order_by(
            "member__provider__name", "pool__name"
        )
    )
    pools = sorted({line.pool for line in lines}, key=lambda p: p.name)
    by_member: dict[int, dict] = {}
    for line in lines:
        row = by_member.setdefault(line.member_id, {"member": line.member, "cells": {}, "total": 0})
        row["cells"][line.pool_id] = line
        row["total"] += line.amount
    rows = [
        {**r, "cells": [(p.name, r["cells"].get(p.pk)) for p in pools]} for r in by_member.values()
    ]
    pool_totals = [sum((line.amount for line in lines if line.pool_id == p.pk), 0) for p in pools]
    return render_page(
        request,
        "alliance/allocation_month.html",
        {"run": run, "pools": pools, "rows": rows, "pool_totals": pool_totals},
    )


def _fee_statement_context(member: AllianceMember, run: AllocationRun) -> dict:
    fees = reports.fee_statement(member, run)
    if member.account_id is None:
        raise Http404("This member has no account at the hub.")
    ledger_statement = statements.statement(member.account, run.month.year, run.month.month)
    return {"fees": fees, "statement": ledger_statement, "member": member, "run": run}


@alliance_view("shared.view")
def shared_fee_statement(request, access: AllianceAccess, year: int, month: int, member_id: int):
    member = _member(access.alliance, member_id)
    run = get_object_or_404(AllocationRun, alliance=access.alliance, month=_month(year, month))
    context = _fee_statement_context(member, run)
    return render_page(request, "alliance/fee_statement.html", {**context, "hub_view": True})


@alliance_view("shared.view")
def shared_fee_statement_pdf(
    request, access: AllianceAccess, year: int, month: int, member_id: int
):
    member = _member(access.alliance, member_id)
    run = get_object_or_404(AllocationRun, alliance=access.alliance, month=_month(year, month))
    return _pdf(_fee_statement_context(member, run))


def _pdf(context: dict) -> HttpResponse:
    body = statement_pdf(context["statement"])
    response = HttpResponse(body, content_type="application/pdf")
    name = f"{context['member'].provider.slug}-hub-statement-{context['run'].month:%Y-%m}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# --- cost recovery ---------------------------------------------------------------------------


@alliance_view("shared.view")
def shared_recovery(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    alliance = access.alliance
    months = reports.months_back(_today(alliance), RECOVERY_MONTHS)
    rows = reports.recovery(alliance, months)
    savings = reports.savings(alliance, months)
    chart = charts.bar_chart(
        chart_id="hub-recovery",
        title="Hub costs and what recovered them",
        description="For each month, the hub's pooled cost against member fees plus grants.",
        groups=[f"{r.month:%b}" for r in rows],
        series=[
            charts.Series("Pooled cost", [r.cost for r in rows], 1),
            charts.Series(
                "Fees + grants", [r.recovered if r.allocated_on else None for r in rows], 0
            ),
        ],
        fmt=lambda v: dollars(v, cents=False),
    )
    return render_page(
        request,
        "alliance/recovery.html",
        {
            "rows": rows,
            "savings": savings,
            "chart": chart,
            "saved_total": sum((s.saved for s in savings), 0),
            "alone_total": sum((s.alone for s in savings), 0),
            "fees_total": sum((s.fees for s in savings), 0),
        },
    )


# --- agreement -------------------------------------------------------------------------------


@alliance_view("shared.view")
def shared_agreement(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    alliance = access.alliance
    form = AgreementForm(request.POST or None)
    if request.method == "POST":
        if not access.can("alliance.manage"):
            raise Http404
        if form.is_valid():
            try:
                services.add_agreement(
                    alliance=alliance, data=form.cleaned_data, actor=request.user
                )
            except ValidationError as error:
                show_validation_error(form, error)
            else:
                messages.success(request, "New version of the agreement added.")
                return redirect("shared_agreement", alliance=alliance.slug)
    return render_page(
        request,
        "alliance/agreement.html",
        {"agreements": alliance.agreements.all(), "form": form},
    )


# --- the member provider's side -----------------------------------------------------------------


@provider_view("membership.view")
def membership_home(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    provider = access.provider
    today = provider_today(provider)
    member = membership_of(provider, today)
    form = SignForm(request.POST or None)
    if request.method == "POST":
        if not access.can("membership.sign") or member is None:
            raise Http404
        if form.is_valid():
            try:
                services.sign(
                    member=member,
                    name=form.cleaned_data["name"],
                    title=form.cleaned_data["title"],
                    actor=request.user,
                )
            except ValidationError as error:
                show_validation_error(form, error)
            else:
                messages.success(request, "Thank you: the agreement is signed.")
                return redirect("membership_home", provider=provider.slug)
    runs, balance = [], None
    if member is not None:
        runs = reports.runs_of(member)
        balance = ledger.balance(member.account) if member.account_id else None
    return render(
        request,
        "alliance/membership.html",
        {
            "access": access,
            "member": member,
            "agreement": (
                member.agreement or services.current_agreement(member.alliance, member.joined_on)
            )
            if member
            else None,
            "uses": member.uses.select_related("service").filter(uses_on(today)) if member else [],
            "catalog": SharedService.objects.filter(alliance=provider.alliance, is_active=True),
            "runs": runs,
            "balance": balance,
            "form": form,
        },
    )


def _own_run(access: ProviderAccess, year: int, month: int):
    member = membership_of(access.provider, provider_today(access.provider))
    run = get_object_or_404(
        AllocationRun, alliance=access.provider.alliance, month=_month(year, month)
    )
    if member is None or not run.lines.filter(member=member).exists():
        raise Http404("No statement for this month.")
    return member, run


@provider_view("membership.view")
def membership_statement(request, access: ProviderAccess, year: int, month: int):
    member, run = _own_run(access, year, month)
    context = _fee_statement_context(member, run)
    return render(request, "alliance/fee_statement.html", {**context, "access": access})


@provider_view("membership.view")
def membership_statement_pdf(request, access: ProviderAccess, year: int, month: int):
    member, run = _own_run(access, year, month)
    return _pdf(_fee_statement_context(member, run))
