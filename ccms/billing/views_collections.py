"""Collections pages: the A/R aging report, reminders and late fees, payment plans and
write-offs. Thin: parse input, call ccms.billing.collections, render."""

from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from ccms.billing import collections, ledger
from ccms.billing.accounts import billing_settings
from ccms.billing.allocation import AGING_BUCKETS
from ccms.billing.forms_collections import PaymentPlanForm, WriteOffForm
from ccms.billing.models import PayerAccount, PayerType, PaymentPlan, WriteOffRequest
from ccms.billing.pages import render_page
from ccms.core.access import ProviderAccess
from ccms.core.dates import add_months, provider_today
from ccms.core.decorators import provider_view
from ccms.core.forms import show_validation_error

SORT_LABELS = {"total": "Largest balance", "oldest": "Oldest open charge", "name": "Name"}


def _account(access: ProviderAccess, account_id: int) -> PayerAccount:
    return get_object_or_404(
        PayerAccount.objects.select_related("family", "guardian"),
        pk=account_id,
        provider=access.provider,
    )


def _as_of(request: HttpRequest, today: date) -> date:
    text = request.GET.get("as_of", "").strip()
    if not text:
        return today
    try:
        return date.fromisoformat(text)
    except ValueError:
        messages.error(request, f"“{text}” is not a date (write YYYY-MM-DD); showing today.")
        return today


@provider_view("billing.view")
def billing_aging(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    as_of = _as_of(request, today)
    sort = request.GET.get("sort", "total")
    sort = sort if sort in SORT_LABELS else "total"
    payer = request.GET.get("payer", "")
    payer = payer if payer in PayerType.values else ""
    report = collections.aging_report(access.provider, as_of, sort=sort, payer_type=payer)
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(collections.AGING_CSV_COLUMNS)
        writer.writerows(collections.aging_csv_rows(report))
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        name = f"ar-aging-{access.provider.slug}-{as_of}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    query = {"as_of": as_of.isoformat(), "payer": payer}
    context = {
        "report": report,
        "buckets": AGING_BUCKETS,
        "as_of": as_of,
        "is_today": as_of == today,
        "sort": sort,
        "sorts": SORT_LABELS.items(),
        "payer": payer,
        "payer_types": PayerType.choices,
        "csv_query": urlencode({**query, "sort": sort, "format": "csv"}),
        "sort_query": {s: urlencode({**query, "sort": s}) for s in SORT_LABELS},
        "can_edit": access.can("billing.edit"),
    }
    return render_page(request, "billing/collections/aging.html", context)


@provider_view("billing.view")
def billing_reminders(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    context = {
        "policy": billing_settings(access.provider),
        "reminders": collections.reminders_sent(access.provider),
        "late_fees": collections.late_fees_charged(access.provider),
        "can_edit": access.can("billing.edit"),
        "today": provider_today(access.provider),
    }
    return render_page(request, "billing/collections/reminders.html", context)


@provider_view("billing.edit")
@require_POST
def billing_reminders_run(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    result = collections.daily(
        access.provider, actor=request.user, base_url=request.build_absolute_uri("/")
    )
    messages.success(request, f"Today's collections run: {result.summary()}")
    return redirect("billing_reminders", access.provider.slug)


@provider_view("billing.view")
def billing_plans(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    statuses = collections.plans_with_status(access.provider, today)
    context = {
        "active": [s for s in statuses if s.plan.is_active],
        "ended": [s for s in statuses if not s.plan.is_active],
        "can_edit": access.can("billing.edit"),
        "today": today,
    }
    return render_page(request, "billing/collections/plans.html", context)


@provider_view("billing.edit")
@require_http_methods(["GET", "POST"])
def billing_plan_new(request: HttpRequest, access: ProviderAccess, account_id: int):
    account = _account(access, account_id)
    today = provider_today(access.provider)
    owed = ledger.balance(account)
    current = collections.active_plan(account)
    initial = {
        "amount": owed if owed > 0 else None,
        "installments": 3,
        "first_due": add_months(today, 1).replace(day=1),
    }
    form = PaymentPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan = collections.create_payment_plan(account, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(
                request,
                f"Payment plan agreed: {collections.money(plan.amount)} in "
                f"{plan.installments} {plan.get_frequency_display().lower()} installments "
                f"from {plan.first_due:%b %-d}.",
            )
            return redirect("billing_plans", access.provider.slug)
    context = {"account": account, "owed": owed, "current": current, "form": form}
    return render_page(request, "billing/collections/plan_form.html", context)


@provider_view("billing.edit")
@require_POST
def billing_plan_cancel(request: HttpRequest, access: ProviderAccess, payment_plan_id: int):
    plan = get_object_or_404(
        PaymentPlan.objects.select_related("account"),
        pk=payment_plan_id,
        provider=access.provider,
    )
    try:
        collections.cancel_payment_plan(plan, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The payment plan of {plan.account.name} has ended.")
    return redirect("billing_plans", access.provider.slug)


@provider_view("billing.view")
def billing_writeoffs(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    pending, decided = collections.write_off_requests(access.provider)
    context = {
        "pending": pending,
        "decided": decided,
        "can_approve": access.can("billing.approve"),
    }
    return render_page(request, "billing/collections/writeoffs.html", context)


@provider_view("billing.edit")
@require_http_methods(["GET", "POST"])
def billing_writeoff_new(request: HttpRequest, access: ProviderAccess, account_id: int):
    account = _account(access, account_id)
    open_charges = collections.open_charges(account)
    chosen = request.GET.get("charge", "")
    form = WriteOffForm(
        request.POST or None,
        open_charges=open_charges,
        initial={"charge": chosen} if chosen.isdigit() else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        charge = next((c for c, _ in open_charges if c.pk == data["charge"]), None)
        try:
            if data["charge"] is not None and charge is None:
                raise ValidationError({"charge": "That charge is no longer open; choose again."})
            request_row = collections.request_write_off(
                account,
                amount=data["amount"],
                reason=data["reason"],
                charge=charge,
                actor=request.user,
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            amount = collections.money(request_row.amount)
            if request_row.entry_id:
                messages.success(request, f"{amount} written off {account.name}'s account.")
                return redirect("billing_account", access.provider.slug, account.pk)
            messages.success(
                request, f"Write-off of {amount} requested: it waits for the director's approval."
            )
            return redirect("billing_writeoffs", access.provider.slug)
    context = {
        "account": account,
        "form": form,
        "open_total": sum((left for _, left in open_charges), collections.ZERO),
        "approves_at_once": access.can("billing.approve"),
    }
    return render_page(request, "billing/collections/writeoff_form.html", context)


def _write_off(access: ProviderAccess, writeoff_id: int) -> WriteOffRequest:
    return get_object_or_404(
        WriteOffRequest.objects.select_related("account"),
        pk=writeoff_id,
        provider=access.provider,
    )


@provider_view("billing.approve")
@require_POST
def billing_writeoff_approve(request: HttpRequest, access: ProviderAccess, writeoff_id: int):
    row = _write_off(access, writeoff_id)
    try:
        collections.approve_write_off(row, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Approved: {collections.money(row.amount)} written off {row.account.name}."
        )
    return redirect("billing_writeoffs", access.provider.slug)


@provider_view("billing.approve")
@require_POST
def billing_writeoff_reject(request: HttpRequest, access: ProviderAccess, writeoff_id: int):
    row = _write_off(access, writeoff_id)
    try:
        collections.reject_write_off(row, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Rejected: {collections.money(row.amount)} stays open on {row.account.name}."
        )
    return redirect("billing_writeoffs", access.provider.slug)
