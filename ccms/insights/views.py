"""The Iron Triangle pages: the director's dashboard and the provider's insights area, the
consultant's portfolio, the alliance roll-up and the state's aggregates. Views parse input, call a
query or a service, and render."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ccms.core.access import AllianceAccess, ProviderAccess
from ccms.core.dates import provider_today
from ccms.core.decorators import alliance_view, provider_view
from ccms.core.services import save_audited
from ccms.insights import (
    coaching,
    costs,
    dashboard,
    metrics,
    queries,
    reports,
    scenarios,
    snapshots,
)
from ccms.insights.display import dollars
from ccms.insights.forms import (
    ActionPlanForm,
    BudgetLineForm,
    ExpenseForm,
    NoteForm,
    PlanStatusForm,
    ReasonForm,
    ScenarioForm,
    TargetsForm,
    UploadForm,
    WageForm,
)
from ccms.insights.models import ExpenseCategory, Targets
from ccms.insights.navigation import render_page


def _form_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _month(request: HttpRequest, today: date) -> date:
    return queries.pick_month(request.GET.get("month") or request.POST.get("month"), today)


def _month_context(month: date, today: date) -> dict:
    return {
        "month": month,
        "month_key": metrics.month_key(month),
        "month_options": queries.month_options(today),
        "this_month": today.replace(day=1),
    }


# The director's dashboard ------------------------------------------------------------------------


@provider_view("insights.view")
def insights_dashboard(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    month = _month(request, today)
    trend = queries.history(access.provider, month, 12)
    current = trend[-1]
    targets = current.figures.targets
    collected_today = (
        metrics.provider_metrics(access.provider, month.year, month.month, today)
        if current.closed
        else None
    )
    context = {
        **_month_context(month, today),
        "current": current,
        "data": current.data,
        "cards": dashboard.side_cards(current, trend, collected_today),
        "enrollment_chart": dashboard.enrollment_chart(trend),
        "collection_chart": dashboard.collection_chart(trend, targets),
        "age_chart": dashboard.age_group_chart(current),
        "break_even_chart": dashboard.break_even(current),
        "trend_table": dashboard.trend_table(trend),
        "age_table": dashboard.age_group_table(current, compact=True),
        "aging_table": dashboard.aging_table(current),
        "aging_bars": dashboard.aging_bars(current),
        "changed_since": queries.live_differences(current),
        "restatements": snapshots.restatements(access.provider)[:6],
        "alerts": coaching.open_alerts(access.provider).filter(
            month__gte=metrics.shift_month(month, -2), month__lte=month
        )[:5],
        "targets": targets,
    }
    return render_page(request, "insights/dashboard.html", context)


@provider_view("insights.view")
@require_POST
def insights_restate(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    """Record a restatement of a closed month whose data changed since it was frozen."""
    today = provider_today(access.provider)
    month = _month(request, today)
    taken = snapshots.take_snapshots([access.provider], month)
    if taken.restated:
        messages.success(request, f"{month:%B %Y} restated; the differences are listed below.")
    else:
        messages.info(request, f"{month:%B %Y} has not changed since it was frozen.")
    return redirect(
        f"{reverse('insights_dashboard', args=[access.provider.slug])}?month={month:%Y-%m}"
    )


# Costs -------------------------------------------------------------------------------------------


@provider_view("insights.view")
@require_http_methods(["GET", "POST"])
def insights_costs(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    month = _month(request, today)
    can_edit = access.can("insights.costs")
    form = ExpenseForm(
        request.POST if request.method == "POST" and "amount" in request.POST else None,
        provider=access.provider,
        initial={"month": month},
    )
    upload = UploadForm(
        request.POST if "upload" in request.POST else None,
        request.FILES if "upload" in request.POST else None,
    )
    upload_errors: list[str] = []
    if request.method == "POST":
        access.require("insights.costs")
        if "upload" in request.POST:
            if upload.is_valid():
                result = costs.upload_expenses(
                    provider=access.provider, text=upload.cleaned_data["file"], actor=request.user
                )
                if result.errors:
                    upload_errors = result.errors
                else:
                    messages.success(
                        request,
                        f"Expenses uploaded: {result.created} added, {result.updated} changed, "
                        f"{result.unchanged} unchanged.",
                    )
                    return redirect(request.get_full_path())
        elif form.is_valid():
            try:
                expense = costs.record_expense(
                    provider=access.provider,
                    actor=request.user,
                    **{k: form.cleaned_data[k] for k in ("month", "category", "classroom")},
                    amount=form.cleaned_data["amount"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(request, f"{expense.get_category_display()} expense added.")
                return redirect(
                    f"{reverse('insights_costs', args=[access.provider.slug])}"
                    f"?month={expense.month:%Y-%m}"
                )
    expenses = list(costs.expenses_of(access.provider, month))
    context = {
        **_month_context(month, today),
        "expenses": expenses,
        "total": sum((e.amount for e in expenses), Decimal("0.00")),
        "months": costs.expense_months(access.provider, today, 12),
        "categories": ExpenseCategory.choices,
        "form": form,
        "upload": upload,
        "upload_errors": upload_errors,
        "can_edit": can_edit,
    }
    return render_page(request, "insights/costs.html", context)


@provider_view("insights.view")
@require_http_methods(["GET", "POST"])
def insights_expense_edit(
    request: HttpRequest, access: ProviderAccess, expense_id: int
) -> HttpResponse:
    expense = costs.access_expense(access.provider, expense_id)
    access.require("insights.costs")
    deleting = "delete" in request.POST
    form = ExpenseForm(
        request.POST if request.method == "POST" and not deleting else None,
        provider=access.provider,
        initial={
            "month": expense.month,
            "category": expense.category,
            "classroom": expense.classroom_id,
            "amount": expense.amount,
            "note": expense.note,
        },
    )
    reason = ReasonForm(request.POST or None)
    back = f"{reverse('insights_costs', args=[access.provider.slug])}?month={expense.month:%Y-%m}"
    if request.method == "POST" and reason.is_valid():
        why = reason.cleaned_data["reason"]
        if deleting:
            costs.delete_expense(expense=expense, actor=request.user, reason=why)
            messages.success(request, "Expense removed.")
            return redirect(back)
        if form.is_valid():
            try:
                costs.update_expense(
                    expense=expense, data=form.cleaned_data, actor=request.user, reason=why
                )
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(request, "Expense saved.")
                return redirect(back)
    return render_page(
        request,
        "insights/expense_form.html",
        {"form": form, "reason": reason, "expense": expense, "back": back},
    )


@provider_view("insights.view")
@require_http_methods(["GET", "POST"])
def insights_budget(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, 2000), 2100)
    form = BudgetLineForm(
        request.POST if "annual_amount" in request.POST else None, provider=access.provider
    )
    here = f"{reverse('insights_budget', args=[access.provider.slug])}?year={year}"
    if request.method == "POST":
        access.require("insights.costs")
        if "apply" in request.POST:
            result = costs.apply_budget(provider=access.provider, year=year, actor=request.user)
            messages.success(
                request,
                f"Budget {year} applied: {result.written} monthly expenses written, "
                f"{result.kept_actuals} months kept their entered figures, "
                f"{result.removed} removed.",
            )
            return redirect(here)
        if "remove" in request.POST:
            line_id = request.POST.get("remove", "")
            line = (
                costs.budget_lines(access.provider, year).filter(pk=line_id).first()
                if line_id.isdigit()
                else None
            )
            if line is None:
                raise Http404("No such budget line.")
            costs.delete_budget_line(line=line, actor=request.user)
            messages.success(request, "Budget line removed; apply the budget to update the months.")
            return redirect(here)
        if form.is_valid():
            try:
                costs.save_budget_line(
                    provider=access.provider, year=year, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(
                    request, "Budget line saved; apply the budget to write the months."
                )
                return redirect(here)
    lines = list(costs.budget_lines(access.provider, year))
    context = {
        "year": year,
        "years": [today.year - 1, today.year, today.year + 1],
        "lines": lines,
        "total": sum((line.annual_amount for line in lines), Decimal("0.00")),
        "form": form,
        "can_edit": access.can("insights.costs"),
    }
    return render_page(request, "insights/budget.html", context)


@provider_view("insights.view")
@require_http_methods(["GET", "POST"])
def insights_staff_costs(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    month = _month(request, today)
    people = costs.staff_members(access.provider)
    form = WageForm(
        request.POST if "hourly_wage" in request.POST else None,
        people=people,
        initial={"effective_from": month},
    )
    here = f"{reverse('insights_staff_costs', args=[access.provider.slug])}?month={month:%Y-%m}"
    if request.method == "POST":
        access.require("insights.costs")
        if "post" in request.POST:
            posted = costs.post_staff_costs(
                provider=access.provider, month=month, actor=request.user
            )
            messages.success(
                request,
                f"Staff costs of {month:%B %Y} written as personnel expenses: "
                f"{dollars(posted.total)}.",
            )
            return redirect(here)
        if form.is_valid():
            try:
                costs.set_wage(provider=access.provider, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(request, "Wage saved.")
                return redirect(here)
    wages = costs.wages_of(access.provider)
    context = {
        **_month_context(month, today),
        "staff_costs": costs.staff_costs(access.provider, month),
        "people": [(p, wages.get(p.pk, [])) for p in people],
        "form": form,
        "can_edit": access.can("insights.costs"),
    }
    return render_page(request, "insights/staff_costs.html", context)


# Coaching: alerts, notes and action plans --------------------------------------------------------


def _coaching_context(access: ProviderAccess, note_form=None, plan_form=None) -> dict:
    today = provider_today(access.provider)
    month = queries.default_month(today)
    figures = queries.provider_month(access.provider, month)
    owners = coaching.plan_owners(access.provider)
    plans = coaching.progress_of(coaching.plans_of(access.provider), figures.data, month)
    return {
        "figures_month": figures,
        "alerts": list(coaching.open_alerts(access.provider)),
        "notes": coaching.notes_of(access.provider),
        "plans": plans,
        "note_form": note_form or NoteForm(),
        "plan_form": plan_form
        or ActionPlanForm(owners=owners, initial={"owner": str(access.user.pk)}),
        "can_coach": access.can("insights.coach"),
        "status_choices": PlanStatusForm.base_fields["status"].choices,
    }


@provider_view("insights.view")
def insights_coaching(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    return render_page(request, "insights/coaching.html", _coaching_context(access))


@provider_view("insights.coach")
@require_POST
def insights_note_add(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    form = NoteForm(request.POST)
    if form.is_valid():
        coaching.add_note(
            provider=access.provider,
            author=request.user,
            body=form.cleaned_data["body"],
            month=queries.default_month(provider_today(access.provider)),
        )
        messages.success(request, "Coaching note saved.")
        return redirect("insights_coaching", access.provider.slug)
    return render_page(
        request, "insights/coaching.html", _coaching_context(access, note_form=form), status=400
    )


@provider_view("insights.coach")
@require_POST
def insights_plan_add(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    form = ActionPlanForm(request.POST, owners=coaching.plan_owners(access.provider))
    if form.is_valid():
        month = queries.default_month(provider_today(access.provider))
        figures = queries.provider_month(access.provider, month).data
        try:
            coaching.create_plan(
                provider=access.provider,
                actor=request.user,
                baseline=coaching.metric_value(figures, form.cleaned_data["metric"]),
                **form.cleaned_data,
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"Action plan “{form.cleaned_data['title']}” added.")
            return redirect("insights_coaching", access.provider.slug)
    return render_page(
        request, "insights/coaching.html", _coaching_context(access, plan_form=form), status=400
    )


@provider_view("insights.view")
@require_POST
def insights_plan_status(request: HttpRequest, access: ProviderAccess, plan_id: int):
    # The plan first: another provider's plan is "not found" for everyone, as a missing one.
    plan = coaching.access_plan(access.provider, plan_id)
    access.require("insights.coach")
    form = PlanStatusForm(request.POST)
    if form.is_valid():
        coaching.set_plan_status(plan=plan, status=form.cleaned_data["status"], actor=request.user)
        messages.success(request, f"“{plan.title}” is now {plan.get_status_display().lower()}.")
    return redirect("insights_coaching", access.provider.slug)


@provider_view("insights.view")
@require_POST
def insights_alert_ack(request: HttpRequest, access: ProviderAccess, alert_id: int):
    alert = coaching.acknowledge_alert(
        provider=access.provider, alert_id=alert_id, actor=request.user
    )
    messages.success(request, f"Alert on {alert.get_side_display().lower()} acknowledged.")
    return redirect("insights_coaching", access.provider.slug)


# The scenario planner ----------------------------------------------------------------------------


def _scenario_initial(base: scenarios.Base, staff_cost: Decimal) -> dict:
    initial = {
        "tuition_change": Decimal(0),
        "cca_share": metrics.round_half_up(base.cca_share * 100, 1),
        "cca_revenue_per_child": metrics.round_half_up(base.cca_revenue_per_child, 2),
        "staff_change": Decimal(0),
        "staff_monthly_cost": staff_cost,
        "fixed_change": Decimal(0),
        "variable_change_per_child": Decimal(0),
    }
    for group in base.groups:
        initial[f"fte_{group}"] = metrics.round_half_up(base.fte_by_group[group], 2)
    return initial


def default_staff_cost(provider) -> Decimal:
    """A full-time month (40 hours a week) at the provider's average current wage, else a
    typical Iowa child care wage of $14 an hour."""
    wages = [w[0].hourly_wage for w in costs.wages_of(provider).values() if w]
    hourly = sum(wages, Decimal(0)) / len(wages) if wages else Decimal(14)
    return metrics.round_half_up(hourly * 40 * 52 / 12, 2)


@provider_view("insights.view")
def insights_scenario(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    month = _month(request, today)
    current = queries.provider_month(access.provider, month)
    base = scenarios.base_from(current.figures)
    initial = _scenario_initial(base, default_staff_cost(access.provider))
    asked = "tuition_change" in request.GET
    form = ScenarioForm(request.GET if asked else None, groups=base.groups, initial=initial)
    change = None
    if asked and form.is_valid():
        data = form.cleaned_data
        change = scenarios.Change(
            tuition_change=scenarios.as_fraction(data["tuition_change"]) / 100,
            fte_by_group={g: scenarios.as_fraction(data[f"fte_{g}"]) for g in base.groups},
            cca_share=scenarios.as_fraction(data["cca_share"]) / 100,
            cca_revenue_per_child=scenarios.as_fraction(data["cca_revenue_per_child"]),
            staff_change=scenarios.as_fraction(data["staff_change"]),
            staff_monthly_cost=scenarios.as_fraction(data["staff_monthly_cost"]),
            fixed_change=scenarios.as_fraction(data["fixed_change"]),
            variable_change_per_child=scenarios.as_fraction(data["variable_change_per_child"]),
        )
    now = scenarios.today(base)
    projected = scenarios.project(base, change) if change else None
    context = {
        **_month_context(month, today),
        "current": current,
        "form": form,
        "rows": dashboard.scenario_rows(now, projected),
        "group_rows": dashboard.scenario_group_rows(now, projected),
        "projected": projected,
    }
    template = "insights/_scenario_results.html" if request.htmx else "insights/scenario.html"
    return render_page(request, template, context)


# Comparing with the alliance ---------------------------------------------------------------------


@provider_view("insights.view")
def insights_compare(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    """This provider against the alliance median. Other providers are named only to those who
    may see them (alliance admins and hub staff, consultants for their own providers)."""
    today = provider_today(access.provider)
    month = _month(request, today)
    result = queries.alliance_month(access.provider.alliance, month)
    visible = {p.pk for p in queries.insight_providers(request.user)}
    names = {}
    letter = 0
    for row in result.rows:
        if row.provider.pk in visible:
            names[row.provider.pk] = row.provider.name
        else:
            names[row.provider.pk] = f"Provider {chr(65 + letter % 26)}{letter // 26 or ''}"
            letter += 1
    context = {
        **_month_context(month, today),
        **dashboard.comparison(result, names, highlight={access.provider.pk}),
        "named": len(visible & {r.provider.pk for r in result.rows}),
    }
    return render_page(request, "insights/compare.html", context)


# Reports and exports -----------------------------------------------------------------------------


@provider_view("insights.view")
def insights_reports(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    month = _month(request, today)
    tables = [
        ("summary", "The month's figures"),
        ("age_groups", "By age group"),
        ("classrooms", "By classroom"),
        ("aging", "Money owed by age"),
        ("trend", "Twelve months"),
        ("expenses", "The month's expenses"),
    ]
    return render_page(
        request, "insights/reports.html", {**_month_context(month, today), "tables": tables}
    )


@provider_view("insights.view")
def insights_report_pdf(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    month = _month(request, today)
    trend = queries.history(access.provider, month, 12)
    current = trend[-1]
    plans = coaching.progress_of(
        coaching.plans_of(access.provider).filter(status="open"), current.data, month
    )
    pdf = reports.provider_report_pdf(
        current, trend, plans, list(coaching.notes_of(access.provider, 3))
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    how = "attachment" if request.GET.get("download") else "inline"
    filename = f"{access.provider.slug}-iron-triangle-{month:%Y-%m}.pdf"
    response["Content-Disposition"] = f'{how}; filename="{filename}"'
    return response


def export_response(tables: list[dashboard.TableData], stem: str, fmt: str) -> HttpResponse:
    if fmt == "xlsx":
        response = HttpResponse(
            reports.to_xlsx(tables),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
        return response
    response = HttpResponse(reports.to_csv(tables[0]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    return response


@provider_view("insights.view")
def insights_export(request: HttpRequest, access: ProviderAccess, table: str) -> HttpResponse:
    today = provider_today(access.provider)
    month = _month(request, today)
    trend = queries.history(access.provider, month, 12)
    tables = reports.provider_tables(trend[-1], trend)
    tables["expenses"] = dashboard.expense_table(access.provider, month)
    fmt = request.GET.get("format", "csv")
    if table == "all":
        chosen = list(tables.values())
        fmt = "xlsx"
    elif table in tables:
        chosen = [tables[table]]
    else:
        raise Http404("No such table.")
    return export_response(chosen, f"{access.provider.slug}-{table}-{month:%Y-%m}", fmt)


# The consultant's portfolio ----------------------------------------------------------------------


@login_required
def insights_portfolio(request: HttpRequest) -> HttpResponse:
    """Every provider this person may coach or read, on one screen, riskiest first."""
    providers = queries.insight_providers(request.user)
    today = timezone.localdate()
    month = _month(request, today)
    rows = queries.portfolio(providers, month) if providers else []
    return render(
        request,
        "insights/portfolio.html",
        {
            **_month_context(month, today),
            "rows": rows,
            "figures": queries.TREND_FIGURES,
        },
    )


# The alliance ------------------------------------------------------------------------------------


@alliance_view("insights.alliance")
def insights_alliance(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    today = timezone.localdate()
    month = _month(request, today)
    result = queries.alliance_month(access.alliance, month)
    names = {r.provider.pk: r.provider.name for r in result.rows}
    context = {
        "alliance_access": access,
        **_month_context(month, today),
        **dashboard.comparison(result, names, highlight=set()),
        "result": result,
        "cards": dashboard.alliance_cards(result.total_data),
        "can_set_targets": access.can("insights.targets"),
    }
    return render(request, "insights/alliance.html", context)


@alliance_view("insights.targets")
@require_http_methods(["GET", "POST"])
def insights_targets(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    targets = Targets.objects.filter(alliance=access.alliance).first() or Targets(
        alliance=access.alliance
    )
    form = TargetsForm(request.POST or None, instance=targets)
    if request.method == "POST" and form.is_valid():
        save_audited(form.instance, actor=request.user, reason="Targets changed")
        messages.success(request, "Targets saved. Months frozen before keep their statuses.")
        return redirect("insights_alliance", access.alliance.slug)
    return render(request, "insights/targets.html", {"alliance_access": access, "form": form})


@alliance_view("insights.alliance")
def insights_alliance_export(request: HttpRequest, access: AllianceAccess, table: str):
    if table != "providers":
        raise Http404("No such table.")
    today = timezone.localdate()
    month = _month(request, today)
    result = queries.alliance_month(access.alliance, month)
    data = dashboard.TableData(
        "providers",
        f"{access.alliance.name}, {month:%B %Y}",
        ["Provider", *[label for _, label, _, _ in queries.COMPARED], "Status"],
        numeric=set(range(1, len(queries.COMPARED) + 1)),
    )
    for row in [*result.rows, None]:
        d = row.data if row else result.total_data
        name = row.provider.name if row else "Alliance total"
        data.rows.append(
            [
                name,
                *[
                    dashboard.shown(queries.value_at(d, path), unit)
                    for path, _l, unit, _h in queries.COMPARED
                ],
                " / ".join(str(s) for s in d["status"].values()),
            ]
        )
    return export_response(
        [data], f"{access.alliance.slug}-providers-{month:%Y-%m}", request.GET.get("format", "csv")
    )


# The state's page: aggregates only ---------------------------------------------------------------


@alliance_view("insights.state")
def insights_state(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    today = timezone.localdate()
    month = _month(request, today)
    return render(
        request,
        "insights/state.html",
        {
            "alliance_access": access,
            **_month_context(month, today),
            **dashboard.state_tables(access.alliance, month),
        },
    )


@alliance_view("insights.state")
def insights_state_export(request: HttpRequest, access: AllianceAccess, table: str):
    today = timezone.localdate()
    month = _month(request, today)
    tables = dashboard.state_tables(access.alliance, month)["tables"]
    if table not in tables:
        raise Http404("No such table.")
    return export_response(
        [tables[table]],
        f"{access.alliance.slug}-{table}-{month:%Y-%m}",
        request.GET.get("format", "csv"),
    )
