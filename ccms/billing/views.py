"""The billing area for directors and the hub (overview, accounts, runs, prices, a child's
payers) and the guardian's own billing page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from ccms.billing import collections, queries, runs, services
from ccms.billing.accounts import accounts_for, billing_settings, family_account
from ccms.billing.forms import (
    ChargeForm,
    CreditForm,
    FeeForm,
    PayerAccountForm,
    ReverseForm,
    RunForm,
    SettingsForm,
    SplitForm,
    StaffDiscountForm,
    TuitionPlanForm,
)
from ccms.billing.ledger import IdempotencyConflict
from ccms.billing.models import (
    AccountKind,
    BillingRun,
    BillingSplit,
    ChildBilling,
    Fee,
    LedgerEntry,
    PayerAccount,
    RunStatus,
    TuitionPlan,
)
from ccms.billing.pages import render_page
from ccms.billing.pricing import period_bounds
from ccms.core.access import ProviderAccess
from ccms.core.dates import add_months, provider_today
from ccms.core.decorators import provider_view
from ccms.core.forms import show_validation_error
from ccms.families.models import Child


def _account(access: ProviderAccess, account_id: int) -> PayerAccount:
    return get_object_or_404(
        accounts_for(access).select_related("family", "guardian"), pk=account_id
    )


@provider_view("billing.view")
def billing_home(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    start, end = period_bounds("monthly", today)
    figures = queries.overview(access.provider, start, end)
    bars = [
        {"label": label, "amount": figures.owed[key]}
        for key, label in (("family", "Families"), ("cca", "State (CCA)"), ("other", "Others"))
    ]
    top = max((b["amount"] for b in bars), default=0) or 1
    for b in bars:
        b["width"] = int(100 * b["amount"] / top)
    context = {
        "figures": figures,
        "bars": bars,
        "month": start,
        "runs": BillingRun.objects.filter(provider=access.provider)[:5],
        "settings": billing_settings(access.provider),
    }
    return render_page(request, "billing/home.html", context)


@provider_view("billing.view")
def billing_accounts(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    accounts = PayerAccount.objects.filter(provider=access.provider).select_related("family")
    kind = request.GET.get("kind", "")
    if kind in AccountKind.values:
        accounts = accounts.filter(kind=kind)
    search = request.GET.get("q", "").strip()
    if search:
        accounts = accounts.filter(Q(name__icontains=search) | Q(family__name__icontains=search))
    rows = queries.accounts_with_balances(accounts)
    if request.GET.get("owing"):
        rows = [(a, b) for a, b in rows if b > 0]
    context = {
        "rows": rows,
        "kinds": AccountKind.choices,
        "kind": kind,
        "q": search,
        "owing": bool(request.GET.get("owing")),
    }
    return render_page(request, "billing/accounts.html", context)


@provider_view("billing.edit")
@require_http_methods(["GET", "POST"])
def billing_account_new(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    form = PayerAccountForm(request.POST or None, provider=access.provider)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.save_row(form.instance, actor=request.user, reason="Payer added")
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, f"Payer account {account} added.")
            return redirect("billing_account", access.provider.slug, account.pk)
    return render_page(request, "billing/form.html", {"form": form, "title": "New payer account"})


@provider_view("billing.view")
def billing_account(request: HttpRequest, access: ProviderAccess, account_id: int) -> HttpResponse:
    account = _account(access, account_id)
    rows = queries.ledger_rows(account)
    today = provider_today(access.provider)
    context = {
        "account": account,
        "rows": list(reversed(rows)),
        "balance": rows[-1].balance if rows else 0,
        "charge_form": ChargeForm(initial={"on": today}),
        "credit_form": CreditForm(initial={"on": today}),
        "can_edit": access.can("billing.edit"),
        "children": Child.objects.filter(provider=access.provider, family=account.family_id)
        if account.family_id
        else [],
        "statement_month": today.replace(day=1),
    }
    return render_page(request, "billing/account.html", context)


@provider_view("billing.edit")
@require_POST
def billing_account_post(
    request: HttpRequest, access: ProviderAccess, account_id: int, what: str
) -> HttpResponse:
    """A charge or a credit made by hand on the account page."""
    account = _account(access, account_id)
    form = (ChargeForm if what == "charge" else CreditForm)(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if what == "charge":
                posted = services.charge(
                    account,
                    category=data["category"],
                    amount=data["amount"],
                    on=data["on"],
                    description=data["description"],
                    actor=request.user,
                    key=data["idempotency_key"],
                )
            else:
                posted = services.credit(
                    account,
                    amount=data["amount"],
                    on=data["on"],
                    description=data["description"],
                    actor=request.user,
                    key=data["idempotency_key"],
                )
        except (ValidationError, IdempotencyConflict) as error:
            messages.error(request, " ".join(error.messages))
        else:
            verb = "posted" if posted.created else "was already posted"
            messages.success(
                request, f"{posted.entry.get_kind_display()} of ${posted.entry.amount} {verb}."
            )
    else:
        problems = "; ".join(
            f"{form.fields[f].label or f}: {' '.join(e)}"
            for f, e in form.errors.items()
            if f in form.fields
        )
        messages.error(request, f"Nothing was posted. {problems}")
    return redirect("billing_account", access.provider.slug, account.pk)


@provider_view("billing.edit")
@require_http_methods(["GET", "POST"])
def billing_entry_reverse(
    request: HttpRequest, access: ProviderAccess, entry_id: int
) -> HttpResponse:
    entry = get_object_or_404(
        LedgerEntry.objects.select_related("account"), pk=entry_id, provider=access.provider
    )
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reverse(entry, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, f"{entry.get_kind_display()} of ${entry.amount} reversed.")
            return redirect("billing_account", access.provider.slug, entry.account_id)
    context = {
        "form": form,
        "title": (
            f"Reverse {entry.get_kind_display().lower()} of ${entry.amount} "
            f"on {entry.on:%b %-d, %Y}"
        ),
        "intro": "The entry stays in the ledger; a reversal that points at it cancels it.",
        "back": ("billing_account", entry.account_id),
    }
    return render_page(request, "billing/form.html", context)


@provider_view("billing.view")
@require_http_methods(["GET", "POST"])
def billing_runs(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    settings = billing_settings(access.provider)
    today = provider_today(access.provider)
    if settings.billing_frequency == "monthly":
        next_start = add_months(today.replace(day=1), 1)
    else:
        next_start = period_bounds("weekly", today)[0]
    form = RunForm(
        request.POST or None,
        initial={"period_start": next_start, "frequency": settings.billing_frequency},
    )
    if request.method == "POST":
        access.require("billing.edit")
        if form.is_valid():
            try:
                run, _ = runs.prepare_run(
                    access.provider,
                    form.cleaned_data["period_start"],
                    request.user,
                    form.cleaned_data["frequency"],
                )
            except ValidationError as error:
                show_validation_error(form, error)
            else:
                return redirect("billing_run", access.provider.slug, run.pk)
    context = {
        "form": form,
        "runs": BillingRun.objects.filter(provider=access.provider).select_related("created_by"),
        "can_edit": access.can("billing.edit"),
    }
    return render_page(request, "billing/runs.html", context)


@provider_view("billing.view")
@require_http_methods(["GET", "POST"])
def billing_run(request: HttpRequest, access: ProviderAccess, run_id: int) -> HttpResponse:
    run = get_object_or_404(BillingRun, pk=run_id, provider=access.provider)
    if request.method == "POST":
        access.require("billing.edit")
        run = runs.start_posting(run)
        if run.status == RunStatus.POSTED:
            messages.success(request, f"Posted {run.lines_posted} charges, ${run.amount_posted}.")
        return redirect("billing_run", access.provider.slug, run.pk)
    if request.htmx and request.GET.get("part") == "progress":
        return render_page(request, "billing/_run_progress.html", {"run": run})
    plan = None
    if run.status not in (RunStatus.QUEUED, RunStatus.POSTING):
        plan = runs.plan_run(access.provider, run.period_start, run.frequency)
    context = {"run": run, "plan": plan, "can_edit": access.can("billing.edit")}
    return render_page(request, "billing/run.html", context)


@provider_view("billing.view")
@require_http_methods(["GET", "POST"])
def billing_prices(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    settings = billing_settings(access.provider)
    form = SettingsForm(request.POST or None, instance=settings)
    if not access.can("billing.edit"):
        del form.fields["ach_settlement_account"]
    if request.method == "POST":
        access.require("billing.edit")
        if form.is_valid():
            try:
                services.save_row(form.instance, actor=request.user, reason="Billing settings")
            except ValidationError as error:
                show_validation_error(form, error)
            else:
                messages.success(request, "Billing settings saved.")
                return redirect("billing_prices", access.provider.slug)
    context = {
        "form": form,
        "plans": TuitionPlan.objects.filter(provider=access.provider).select_related("classroom"),
        "fees": Fee.objects.filter(provider=access.provider),
        "can_edit": access.can("billing.edit"),
    }
    return render_page(request, "billing/prices.html", context)


def _edit_row(request, access, model, form_class, pk, title, reason):
    instance = get_object_or_404(model, pk=pk, provider=access.provider) if pk else None
    form = form_class(request.POST or None, instance=instance, provider=access.provider)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_row(form.instance, actor=request.user, reason=reason)
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, f"{form.instance} saved.")
            return redirect("billing_prices", access.provider.slug)
    context = {"form": form, "title": title, "back": ("billing_prices", None)}
    return render_page(request, "billing/form.html", context)


@provider_view("billing.edit")
@require_http_methods(["GET", "POST"])
def billing_tuition_plan_edit(request, access, tuition_plan_id: int = 0):
    title = "Edit tuition plan" if tuition_plan_id else "New tuition plan"
    return _edit_row(
        request, access, TuitionPlan, TuitionPlanForm, tuition_plan_id, title, "Tuition plan"
    )


@provider_view("billing.edit")
@require_http_methods(["GET", "POST"])
def billing_fee_edit(request, access, fee_id: int = 0):
    title = "Edit fee" if fee_id else "New fee"
    return _edit_row(request, access, Fee, FeeForm, fee_id, title, "Fee")


@provider_view("billing.view")
@require_http_methods(["GET", "POST"])
def billing_child(request: HttpRequest, access: ProviderAccess, child_id: int) -> HttpResponse:
    """Who pays for this child, and how much of it."""
    child = get_object_or_404(
        Child.objects.select_related("family"), pk=child_id, provider=access.provider
    )
    split_form = SplitForm(provider=access.provider)
    billing = ChildBilling.objects.filter(child=child).first()
    discount_form = StaffDiscountForm(
        initial={"staff_discount": bool(billing and billing.staff_discount)}
    )
    if request.method == "POST":
        access.require("billing.edit")
        action = request.POST.get("action")
        if action == "add":
            split_form = SplitForm(request.POST, provider=access.provider)
            if split_form.is_valid():
                try:
                    services.add_split(child, actor=request.user, **split_form.cleaned_data)
                except ValidationError as error:
                    show_validation_error(split_form, error)
                else:
                    messages.success(request, "Payer share added.")
                    return redirect("billing_child", access.provider.slug, child.pk)
        elif action == "remove":
            split = get_object_or_404(
                BillingSplit, pk=request.POST.get("split"), child=child, provider=access.provider
            )
            services.remove_split(split, actor=request.user)
            messages.success(request, f"{split.account} no longer pays a share.")
            return redirect("billing_child", access.provider.slug, child.pk)
        elif action == "discount":
            on = StaffDiscountForm(request.POST).is_valid() and bool(
                request.POST.get("staff_discount")
            )
            services.set_staff_discount(child, on=on, actor=request.user)
            messages.success(request, "Staff discount " + ("on." if on else "off."))
            return redirect("billing_child", access.provider.slug, child.pk)
    splits = list(child.billing_splits.select_related("account"))
    percent_taken = sum(s.percent for s in splits if s.percent is not None)
    context = {
        "child": child,
        "splits": splits,
        "family_account": family_account(child.family),
        "rest_percent": 100 - percent_taken,
        "split_form": split_form,
        "discount_form": discount_form,
        "can_edit": access.can("billing.edit"),
    }
    return render_page(request, "billing/child.html", context)


@provider_view("billing.own")
def billing_mine(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    """A guardian's accounts: what is owed, what is open, what was paid; pay and autopay."""
    today = provider_today(access.provider)
    accounts = []
    for account, balance in queries.accounts_with_balances(accounts_for(access)):
        rows = queries.ledger_rows(account)
        accounts.append(
            {
                "account": account,
                "balance": balance,
                "open": [r for r in rows if r.open_amount and r.open_amount > 0],
                "recent": list(reversed(rows))[:8],
                "plan": _plan_status(account, today),
                "mandate": account.mandates.filter(is_active=True).first(),
            }
        )
    if len(accounts) > 1:  # an unused family account beside a guardian's own share says nothing
        accounts = [a for a in accounts if a["recent"]] or accounts[:1]
    months = [add_months(today.replace(day=1), -i) for i in range(0, 6)]
    context = {"accounts": accounts, "months": months, "year": today.year}
    return render_page(request, "billing/mine.html", context)


def _plan_status(account, today):
    plan = collections.active_plan(account)
    return (plan, collections.plan_status(plan, today)) if plan else None
