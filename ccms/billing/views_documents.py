"""Payer documents on screen and as PDF (statements, invoices, receipts, year-end tax
statements) and the accounting export.

Directors, hub staff, admins and consultants (billing.view) read every account's documents;
a guardian (billing.own) reads those of their own accounts only: every account named in a URL
is looked up among `accounts_for(access)`, so anything else is a 404 like a missing one."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ccms.billing import accounting, pdf, statements
from ccms.billing.accounts import accounts_for
from ccms.billing.models import BillingRun, BillingSettings, EntryKind, LedgerEntry, PayerAccount
from ccms.billing.pages import render_page
from ccms.core.access import ProviderAccess
from ccms.core.dates import add_months, provider_today
from ccms.core.decorators import provider_view

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _may_read(access: ProviderAccess) -> None:
    if not (access.can("billing.view") or access.can("billing.own")):
        raise PermissionDenied(f"Your role ({access.role.label}) may not see billing documents.")


def _account(access: ProviderAccess, account_id: int) -> PayerAccount:
    _may_read(access)
    return get_object_or_404(
        accounts_for(access).select_related("provider", "family", "guardian"), pk=account_id
    )


def _pdf(content: bytes, filename: str, request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    how = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{how}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _wants_pdf(request: HttpRequest) -> bool:
    return request.GET.get("format") == "pdf"


def _month_from_query(request: HttpRequest) -> tuple[int, int] | None:
    match = MONTH.match(request.GET.get("month", ""))
    if match and 1 <= int(match.group(2)) <= 12:
        return int(match.group(1)), int(match.group(2))
    return None


def _year_choices(provider, chosen: int, today: date) -> list[int]:
    first = (
        LedgerEntry.objects.filter(provider=provider)
        .order_by("on")
        .values_list("on", flat=True)
        .first()
    )
    low = min(first.year if first else today.year, chosen)
    return list(range(max(today.year, chosen), low - 1, -1))


# --- statements ------------------------------------------------------------------------------


@provider_view("provider.view")
def billing_statement(
    request: HttpRequest, access: ProviderAccess, account_id: int, year: int, month: int
) -> HttpResponse:
    account = _account(access, account_id)
    picked = _month_from_query(request)
    if picked:
        return redirect("billing_statement", access.provider.slug, account.pk, *picked)
    try:
        stmt = statements.statement(account, year, month)
    except ValidationError as error:
        raise Http404(error.messages[0]) from error
    if _wants_pdf(request):
        return _statement_pdf(request, stmt)
    first = date(year, month, 1)
    context = {
        "stmt": stmt,
        "account": account,
        "previous": add_months(first, -1),
        "next": add_months(first, 1),
        "month_value": f"{year:04d}-{month:02d}",
    }
    return render_page(request, "billing/documents/statement.html", context)


def _statement_pdf(request, stmt: statements.Statement) -> HttpResponse:
    name = f"statement-{stmt.period_start:%Y-%m}-{stmt.account.pk}.pdf"
    return _pdf(pdf.statement_pdf(stmt), name, request)


@provider_view("provider.view")
def billing_statement_pdf(
    request: HttpRequest, access: ProviderAccess, account_id: int, year: int, month: int
) -> HttpResponse:
    account = _account(access, account_id)
    try:
        stmt = statements.statement(account, year, month)
    except ValidationError as error:
        raise Http404(error.messages[0]) from error
    return _statement_pdf(request, stmt)


@provider_view("billing.view")
def billing_statements(
    request: HttpRequest, access: ProviderAccess, year: int | None = None, month: int | None = None
) -> HttpResponse:
    """Every account's statement for a month, to open or print one by one."""
    picked = _month_from_query(request)
    if picked:
        url = reverse("billing_statements", args=[access.provider.slug, *picked])
        return redirect(url + ("?owing=1" if request.GET.get("owing") else ""))
    if year is None:
        last_month = add_months(provider_today(access.provider).replace(day=1), -1)
        year, month = last_month.year, last_month.month
    try:
        rows = statements.statements_for_month(accounts_for(access), year, month)
    except ValidationError as error:
        raise Http404(error.messages[0]) from error
    owing = bool(request.GET.get("owing"))
    if owing:
        rows = [r for r in rows if r.closing_balance > 0]
    first = date(year, month, 1)
    context = {
        "rows": rows,
        "owing": owing,
        "totals": statements.StatementSummary.total(rows),
        "month": first,
        "previous": add_months(first, -1),
        "next": add_months(first, 1),
        "month_value": f"{year:04d}-{month:02d}",
    }
    return render_page(request, "billing/documents/statements.html", context)


# --- invoices and receipts -------------------------------------------------------------------


def _invoice(access, account_id: int, run_id: int) -> statements.Invoice:
    account = _account(access, account_id)
    run = get_object_or_404(BillingRun, pk=run_id, provider=access.provider)
    found = statements.invoice(account, run)
    if found is None:
        raise Http404("This billing run charged this account nothing.")
    return found


@provider_view("provider.view")
def billing_invoice(
    request: HttpRequest, access: ProviderAccess, account_id: int, run_id: int
) -> HttpResponse:
    inv = _invoice(access, account_id, run_id)
    if _wants_pdf(request):
        return _invoice_pdf(request, inv)
    return render_page(
        request, "billing/documents/invoice.html", {"inv": inv, "account": inv.account}
    )


def _invoice_pdf(request, inv: statements.Invoice) -> HttpResponse:
    return _pdf(pdf.invoice_pdf(inv), f"invoice-{inv.number}.pdf", request)


@provider_view("provider.view")
def billing_invoice_pdf(
    request: HttpRequest, access: ProviderAccess, account_id: int, run_id: int
) -> HttpResponse:
    return _invoice_pdf(request, _invoice(access, account_id, run_id))


@provider_view("provider.view")
def billing_receipt_pdf(
    request: HttpRequest, access: ProviderAccess, entry_id: int
) -> HttpResponse:
    _may_read(access)
    payment = get_object_or_404(
        LedgerEntry.objects.select_related("account", "account__provider"),
        pk=entry_id,
        provider=access.provider,
        kind=EntryKind.PAYMENT,
        account__in=accounts_for(access),
    )
    found = statements.receipt(payment)
    return _pdf(pdf.receipt_pdf(found), f"receipt-{found.number}.pdf", request)


@provider_view("provider.view")
def billing_account_documents(
    request: HttpRequest, access: ProviderAccess, account_id: int
) -> HttpResponse:
    """Everything an account can print: monthly statements, invoices, receipts, tax years."""
    account = _account(access, account_id)
    context = {"account": account, **statements.documents_of(account)}
    return render_page(request, "billing/documents/account_documents.html", context)


# --- year-end tax statements -----------------------------------------------------------------


def _ein_missing(access: ProviderAccess) -> bool:
    settings = BillingSettings.objects.filter(provider=access.provider).first()
    return not (settings and settings.ein)


@provider_view("provider.view")
def billing_tax_statements(
    request: HttpRequest, access: ProviderAccess, year: int | None = None
) -> HttpResponse:
    _may_read(access)
    today = provider_today(access.provider)
    if request.GET.get("year", "").isdigit():
        return redirect("billing_tax_statements", access.provider.slug, int(request.GET["year"]))
    if year is None:
        year = today.year - 1
    try:
        found = statements.tax_statements(access.provider, accounts_for(access), year)
    except ValidationError as error:
        raise Http404(error.messages[0]) from error
    context = {
        "year": year,
        "rows": found,
        "years": _year_choices(access.provider, year, today),
        "this_year": today.year,
        "issuer": statements.issuer_of(access.provider),
        "ein_missing": _ein_missing(access),
        "can_edit": access.can("billing.edit"),
        "staff": access.can("billing.view"),
    }
    return render_page(request, "billing/documents/tax_statements.html", context)


def _tax_statement(access, account_id: int, year: int) -> statements.TaxStatement:
    account = _account(access, account_id)
    if account.kind in statements.NO_TAX_STATEMENT_KINDS:
        raise Http404("The state's CCA account gets no tax statement.")
    try:
        return statements.tax_statement(account, year)
    except ValidationError as error:
        raise Http404(error.messages[0]) from error


@provider_view("provider.view")
def billing_tax_statement(
    request: HttpRequest, access: ProviderAccess, account_id: int, year: int
) -> HttpResponse:
    found = _tax_statement(access, account_id, year)
    if _wants_pdf(request):
        return _tax_pdf(request, found)
    context = {
        "t": found,
        "account": found.account,
        "ein_missing": not found.issuer.has_ein,
        "can_edit": access.can("billing.edit"),
        "staff": access.can("billing.view"),
    }
    return render_page(request, "billing/documents/tax_statement.html", context)


def _tax_pdf(request, found: statements.TaxStatement) -> HttpResponse:
    name = f"child-care-payments-{found.year}-{found.account.pk}.pdf"
    return _pdf(pdf.tax_statement_pdf(found), name, request)


@provider_view("provider.view")
def billing_tax_statement_pdf(
    request: HttpRequest, access: ProviderAccess, account_id: int, year: int
) -> HttpResponse:
    return _tax_pdf(request, _tax_statement(access, account_id, year))


# --- accounting export -----------------------------------------------------------------------


class GlAccountsForm(forms.Form):
    """One field per journal item: the name of the account in the provider's books."""

    def __init__(self, *args, names: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for item, label, default, _ in accounting.GL_ITEMS:
            self.fields[item] = forms.CharField(
                label=label,
                required=item not in accounting.OPTIONAL_ITEMS,
                max_length=100,
                initial=names[item],
                help_text=f"Default: {default}" if default else "",
            )


@provider_view("billing.view")
@require_http_methods(["GET", "POST"])
def billing_accounting(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    today = provider_today(access.provider)
    picked = _month_from_query(request)
    if picked is None:
        last_month = add_months(today.replace(day=1), -1)
        picked = (last_month.year, last_month.month)
    settings = BillingSettings.objects.filter(provider=access.provider).first()
    names = accounting.gl_accounts(settings)
    form = GlAccountsForm(request.POST or None, names=names)
    if request.method == "POST":
        access.require("billing.edit")
        if form.is_valid():
            try:
                accounting.update_gl_accounts(
                    access.provider, names=form.cleaned_data, actor=request.user
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Account names saved; the next export uses them.")
                return redirect("billing_accounting", access.provider.slug)
    year, month = picked
    try:
        book = accounting.journal(access.provider, year, month)
    except ValidationError as error:
        raise Http404(error.messages[0]) from error
    wanted = request.GET.get("format")
    if wanted == "csv" and request.method == "GET":
        response = HttpResponse(accounting.to_csv(book), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{book.filename_stem}.csv"'
        return response
    if wanted == "iif" and request.method == "GET":
        response = HttpResponse(
            accounting.iif_bytes(book), content_type="text/plain; charset=windows-1252"
        )
        response["Content-Disposition"] = f'attachment; filename="{book.filename_stem}.iif"'
        return response
    context = {
        "book": book,
        "month_value": f"{year:04d}-{month:02d}",
        "form": form,
        "can_edit": access.can("billing.edit"),
        "open_settings": request.method == "POST",
    }
    return render_page(request, "billing/documents/accounting.html", context)
