"""Payment pages: the desk's payment form and receipts, refunds, online card payment through the
processor's checkout, autopay set-up, the ACH files and the bank's return file, and the card
processor's webhook endpoint."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from ccms.billing import autopay, ledger, nacha, payments
from ccms.billing.accounts import accounts_for, billing_settings
from ccms.billing.forms_payments import (
    AchMandateForm,
    CardForm,
    CardMandateForm,
    PayForm,
    PaymentForm,
    RefundForm,
    ReturnFileForm,
)
from ccms.billing.models import (
    AchBatch,
    AchEntry,
    AutopayMandate,
    AutopayMethod,
    EntryKind,
    IntentStatus,
    LedgerEntry,
    PayerAccount,
    PaymentIntent,
)
from ccms.billing.pages import render_page
from ccms.billing.processors import CardDeclined, card_processor
from ccms.billing.processors.signing import HEADER, SignatureError
from ccms.billing.processors.webhooks import WebhookRejected, handle_card_webhook
from ccms.core.access import ProviderAccess
from ccms.core.dates import provider_today
from ccms.core.decorators import provider_view
from ccms.core.forms import show_validation_error
from ccms.tenancy.models import Provider

log = logging.getLogger(__name__)


def _require_payer_or_desk(access: ProviderAccess) -> None:
    """Guardians pay their own accounts; the director and the hub take payments for any."""
    if not (access.can("billing.own") or access.can("billing.edit")):
        raise PermissionDenied("Your role may not take payments here.")


def _account(access: ProviderAccess, account_id: int) -> PayerAccount:
    return get_object_or_404(
        accounts_for(access).select_related("provider", "family", "guardian"), pk=account_id
    )


def _payment(access: ProviderAccess, entry_id: int) -> LedgerEntry:
    return get_object_or_404(
        LedgerEntry.objects.select_related("account", "child", "created_by"),
        pk=entry_id,
        provider=access.provider,
        kind=EntryKind.PAYMENT,
        account__in=accounts_for(access),
    )


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# --- the desk: payments, receipts, refunds ---------------------------------------------------


@provider_view("billing.edit")
@require_http_methods(["GET", "POST"])
def billing_payment_new(request: HttpRequest, access: ProviderAccess, account_id: int):
    account = _account(access, account_id)
    balance = ledger.balance(account)
    today = provider_today(access.provider)
    form = PaymentForm(
        request.POST or None,
        account=account,
        initial={"on": today, "amount": balance if balance > 0 else None, "method": "cash"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            posted = payments.record_payment(
                account,
                amount=data["amount"],
                on=data["on"],
                method=data["method"],
                reference=data["reference"],
                child=data.get("child"),
                actor=request.user,
                key=data["idempotency_key"],
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            entry = posted.entry
            if posted.created:
                messages.success(request, f"Payment of ${entry.amount:,} recorded.")
            else:
                messages.info(request, "This payment was already recorded; here is its receipt.")
            return redirect("billing_receipt", access.provider.slug, entry.pk)
    context = {"account": account, "balance": balance, "form": form}
    return render_page(request, "billing/payments/payment_form.html", context)


@provider_view("provider.view")
def billing_receipt(request: HttpRequest, access: ProviderAccess, entry_id: int):
    if not (access.can("billing.view") or access.can("billing.own")):
        raise PermissionDenied("Your role may not see receipts here.")
    payment = _payment(access, entry_id)
    context = {
        "receipt": payments.receipt(payment),
        "can_refund": access.can("billing.edit"),
        "is_guardian": access.can("billing.own"),
    }
    return render_page(request, "billing/payments/receipt.html", context)


@provider_view("billing.edit")
@require_http_methods(["GET", "POST"])
def billing_refund(request: HttpRequest, access: ProviderAccess, entry_id: int):
    payment = _payment(access, entry_id)
    receipt = payments.receipt(payment)
    form = RefundForm(request.POST or None, initial={"amount": receipt.refundable})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payments.refund(
                payment,
                amount=data["amount"],
                reason=data["reason"],
                actor=request.user,
                key=data["idempotency_key"],
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, f"Refund of ${data['amount']:,} recorded.")
            return redirect("billing_receipt", access.provider.slug, payment.pk)
    context = {"receipt": receipt, "form": form}
    return render_page(request, "billing/payments/refund_form.html", context)


# --- paying online: the pay page and the processor's checkout --------------------------------


@provider_view("provider.view")
@require_http_methods(["GET", "POST"])
def billing_pay(request: HttpRequest, access: ProviderAccess, account_id: int):
    _require_payer_or_desk(access)
    account = _account(access, account_id)
    balance = ledger.balance(account)
    form = PayForm(
        request.POST or None, balance=balance, initial={"amount": balance if balance > 0 else None}
    )
    if request.method == "POST" and form.is_valid():
        try:
            intent = card_processor().create_payment_intent(
                account,
                form.cleaned_data["amount"],
                form.cleaned_data["idempotency_key"],
                request.user,
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            return redirect("billing_card_checkout", access.provider.slug, intent.pk)
    context = {
        "account": account,
        "balance": balance,
        "form": form,
        "mandate": autopay.active_mandate(account),
        "is_guardian": access.can("billing.own"),
    }
    return render_page(request, "billing/payments/pay.html", context)


def _after_payment(request, access: ProviderAccess, intent: PaymentIntent):
    slug = access.provider.slug
    if access.can("billing.own"):
        mine = _url("billing_mine", slug)
        if mine:
            return redirect(mine)
    return redirect("billing_receipt", slug, intent.payment_id)


@provider_view("provider.view")
@require_http_methods(["GET", "POST"])
def billing_card_checkout(request: HttpRequest, access: ProviderAccess, intent_id: int):
    """The sandbox's stand-in for the processor's hosted checkout page."""
    _require_payer_or_desk(access)
    intent = get_object_or_404(
        PaymentIntent.objects.select_related("account"),
        pk=intent_id,
        provider=access.provider,
        account__in=accounts_for(access),
    )
    if intent.status == IntentStatus.SUCCEEDED:
        messages.info(request, "This payment was already made.")
        return _after_payment(request, access, intent)
    form = CardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            intent = card_processor().confirm(intent, card_number=form.cleaned_data["card_number"])
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            if intent.status == IntentStatus.SUCCEEDED:
                messages.success(
                    request,
                    f"Thank you: your payment of ${intent.amount:,} was received "
                    f"(card ending {intent.last4}, receipt {intent.payment.receipt_number}).",
                )
                return _after_payment(request, access, intent)
            form.add_error(
                None,
                f"{intent.failure_message} Nothing was charged: try another card, or pay "
                "another way.",
            )
    context = {
        "intent": intent,
        "account": intent.account,
        "form": form,
        "settings": billing_settings(access.provider),
        "sandbox": card_processor().name == "sandbox",
        "back_url": reverse("billing_pay", args=[access.provider.slug, intent.account_id]),
    }
    return render_page(request, "billing/payments/checkout.html", context)


@csrf_exempt
@require_POST
def billing_card_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """The card processor's events for one provider, signed with the provider's secret."""
    found = Provider.objects.filter(slug=provider).first()
    if found is None:
        raise Http404("No such provider.")
    try:
        result = handle_card_webhook(found, request.body, request.headers.get(HEADER, ""))
    except SignatureError as error:
        return HttpResponseBadRequest(f"Signature refused: {error}", content_type="text/plain")
    except WebhookRejected as error:
        log.warning("Card webhook for %s refused: %s", provider, error)
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    return JsonResponse({"received": True, "event": result.event_id, "outcome": result.outcome})


# --- autopay -------------------------------------------------------------------------------


@provider_view("provider.view")
@require_http_methods(["GET", "POST"])
def billing_autopay(request: HttpRequest, access: ProviderAccess, account_id: int):
    _require_payer_or_desk(access)
    account = _account(access, account_id)
    mandate = autopay.active_mandate(account)
    form = AchMandateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            autopay.set_up_ach(
                account,
                holder_name=data["holder_name"],
                routing_number=data["routing_number"],
                account_number=data["account_number"],
                account_type=data["account_type"],
                accepted=data["accepted"],
                actor=request.user,
                ip=_client_ip(request),
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, "Autopay by bank debit is set up.")
            return redirect("billing_autopay", access.provider.slug, account.pk)
    context = {
        "account": account,
        "mandate": mandate,
        "masked_account": autopay.mask(mandate.bank_account_number) if mandate else "",
        "form": form,
        "ach_text": autopay.authorization_text(account, AutopayMethod.ACH, "bank"),
        "is_guardian": access.can("billing.own"),
        "balance": ledger.balance(account),
    }
    return render_page(request, "billing/payments/autopay.html", context)


@provider_view("provider.view")
@require_http_methods(["GET", "POST"])
def billing_autopay_card(request: HttpRequest, access: ProviderAccess, account_id: int):
    """Save a card for autopay on the processor's (sandbox) hosted card form."""
    _require_payer_or_desk(access)
    account = _account(access, account_id)
    form = CardMandateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            card = card_processor().save_card(account, card_number=data["card_number"])
            autopay.set_up_card(
                account,
                card=card,
                holder_name=data["name"],
                accepted=data["accepted"],
                actor=request.user,
                ip=_client_ip(request),
            )
        except CardDeclined as declined:
            form.add_error(None, f"{declined.message} Try another card.")
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, f"Autopay by card ending {card.last4} is set up.")
            return redirect("billing_autopay", access.provider.slug, account.pk)
    context = {
        "account": account,
        "form": form,
        "card_text": autopay.authorization_text(account, AutopayMethod.CARD),
        "sandbox": card_processor().name == "sandbox",
    }
    return render_page(request, "billing/payments/autopay_card.html", context)


@provider_view("provider.view")
@require_POST
def billing_autopay_cancel(request: HttpRequest, access: ProviderAccess, account_id: int):
    _require_payer_or_desk(access)
    account = _account(access, account_id)
    mandate = autopay.active_mandate(account)
    if mandate is None:
        messages.info(request, "Autopay was not on for this account.")
    else:
        autopay.cancel(mandate, actor=request.user)
        messages.success(request, "Autopay is cancelled: nothing more will be taken.")
    return redirect("billing_autopay", access.provider.slug, account.pk)


# --- ACH files and the bank's returns ---------------------------------------------------------


@provider_view("billing.view")
def billing_ach(request: HttpRequest, access: ProviderAccess):
    settings = billing_settings(access.provider)
    batches = list(AchBatch.objects.filter(provider=access.provider).order_by("-created_at")[:50])
    returned = {}
    for batch_id, code in AchEntry.objects.filter(
        provider=access.provider, batch__in=batches
    ).values_list("batch_id", "return_code"):
        if code:
            returned[batch_id] = returned.get(batch_id, 0) + 1
    for batch in batches:
        batch.returned = returned.get(batch.pk, 0)
    mandates = list(
        AutopayMandate.objects.filter(provider=access.provider, is_active=True)
        .select_related("account")
        .order_by("account__name")
    )
    balances = ledger.balances([m.account for m in mandates])
    for m in mandates:
        m.balance = balances[m.account_id]
        m.credit = -m.balance
    context = {
        "batches": batches,
        "mandates": mandates,
        "problems": nacha.ach_setup_problems(settings),
        "can_edit": access.can("billing.edit"),
        "return_form": ReturnFileForm(),
        "today": provider_today(access.provider),
        "settings_url": _url("billing_prices", access.provider.slug),
    }
    return render_page(request, "billing/payments/ach.html", context)


def _batch(access: ProviderAccess, batch_id: int) -> AchBatch:
    return get_object_or_404(AchBatch, pk=batch_id, provider=access.provider)


@provider_view("billing.view")
def billing_ach_batch(request: HttpRequest, access: ProviderAccess, batch_id: int):
    batch = _batch(access, batch_id)
    entries = batch.entries.select_related("account", "mandate", "payment").order_by("pk")
    context = {
        "batch": batch,
        "entries": entries,
        "problems": nacha.check(batch.file_text),
        "can_edit": access.can("billing.edit"),
    }
    return render_page(request, "billing/payments/ach_batch.html", context)


@provider_view("billing.edit")
def billing_ach_file(request: HttpRequest, access: ProviderAccess, batch_id: int):
    """The file to upload to the bank (it holds account numbers: billing.edit only)."""
    batch = _batch(access, batch_id)
    name = f"ach-{access.provider.slug}-{batch.effective_date:%Y%m%d}-{batch.file_id_modifier}.txt"
    response = HttpResponse(batch.file_text, content_type="text/plain; charset=ascii")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@provider_view("billing.edit")
@require_POST
def billing_autopay_run(request: HttpRequest, access: ProviderAccess):
    from ccms.core import tasks

    today = provider_today(access.provider)
    problems = autopay.setup_problems(access.provider)
    if problems:
        messages.error(request, problems)
        return redirect("billing_ach", access.provider.slug)
    tasks.enqueue(
        "billing.run_autopay",
        provider_id=access.provider.pk,
        on=str(today),
        actor_id=request.user.pk,
    )
    messages.success(
        request,
        f"Autopay for {today:%B %-d} started: bank debits appear below as a file when it is "
        "ready (refresh the page); card payments go straight to the accounts.",
    )
    return redirect("billing_ach", access.provider.slug)


@provider_view("billing.edit")
@require_POST
def billing_ach_returns(request: HttpRequest, access: ProviderAccess):
    form = ReturnFileForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("billing_ach", access.provider.slug)
    try:
        result = nacha.process_returns(
            access.provider,
            form.cleaned_data["file"],
            actor=request.user,
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("billing_ach", access.provider.slug)
    summary = [f"{len(result.returned)} payment(s) returned and reversed"]
    if result.nsf_fees:
        summary.append(f"{result.nsf_fees} returned payment fee(s) charged")
    if result.already:
        summary.append(f"{len(result.already)} already processed before (unchanged)")
    if result.notices:
        summary.append(f"{result.notices} notice(s) of change (nothing to reverse)")
    messages.success(request, "Return file processed: " + "; ".join(summary) + ".")
    if result.unknown:
        traces = ", ".join(i.original_trace for i in result.unknown[:10])
        messages.warning(
            request,
            f"{len(result.unknown)} returned entr(ies) are not from this provider's files "
            f"(trace {traces}); check that the file is for {access.provider.name}.",
        )
    for problem in result.problems[:10]:
        messages.warning(request, problem)
    return redirect("billing_ach", access.provider.slug)
