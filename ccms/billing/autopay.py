"""Autopay: a payer's standing authorization to take their balance by bank debit (ACH) or card.

`run_autopay` takes, for every active authorization whose account owes money on the day, the
balance: bank debits go into one NACHA file (an AchBatch) for the provider to upload to its bank,
each posted as a payment at once (a return file reverses the ones that bounce); cards are charged
through the card processor. Running it again the same day takes nothing twice: the first run's
payments leave nothing owed, and runs of one provider take turns (the settings row is locked)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from ccms.billing import ledger, nacha, payments
from ccms.billing.accounts import billing_settings
from ccms.billing.models import (
    AccountKind,
    AccountType,
    AchBatch,
    AchEntry,
    AutopayMandate,
    AutopayMethod,
    IntentStatus,
    LedgerEntry,
    Method,
    PayerAccount,
    PaymentIntent,
)
from ccms.core.services import save_audited
from ccms.core.tasks import task

FILE_ID_MODIFIERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
TRACE_SEQUENCE_LIMIT = 10**7


def mask(number: str | None) -> str:
    return f"••••{number[-4:]}" if number else ""


def authorization_text(account: PayerAccount, method: str, detail: str = "") -> str:
    """The words the payer agrees to, kept with the authorization."""
    provider = account.provider
    settings = billing_settings(provider)
    payee = settings.legal_name or provider.name
    if method == AutopayMethod.ACH:
        what = f"debit the {detail or 'bank'} account I enter on this form"
        fee = (
            f" If my bank returns a debit, a returned payment fee of ${settings.nsf_fee} is "
            "added to my account."
            if settings.nsf_fee > 0
            else ""
        )
    else:
        what = f"charge my card {detail}".rstrip()
        fee = ""
    return (
        f"I authorize {payee} to {what} for the balance owed on the account "
        f"“{account.name}” each time autopay runs after a bill, until I cancel this "
        f"authorization on this page or in writing to {payee} at least three business days "
        f"before the next debit.{fee} I may ask my bank or card issuer to reverse a charge I "
        "did not authorize."
    )


def active_mandate(account: PayerAccount) -> AutopayMandate | None:
    return AutopayMandate.objects.filter(
        provider_id=account.provider_id, account=account, is_active=True
    ).first()


def _check_account(account: PayerAccount) -> None:
    if account.kind not in (AccountKind.FAMILY, AccountKind.GUARDIAN):
        raise ValidationError("Autopay is for families and guardians paying their own share.")
    if not account.is_active:
        raise ValidationError("This account is closed; reopen it before setting up autopay.")


def _replace(account: PayerAccount, mandate: AutopayMandate, actor) -> AutopayMandate:
    current = (
        AutopayMandate.objects.select_for_update()
        .filter(provider_id=account.provider_id, account=account, is_active=True)
        .first()
    )
    if current is not None:
        _revoke(current, actor=actor, reason="Replaced by a new autopay authorization")
    save_audited(mandate, actor=actor, reason="Autopay authorized")
    return mandate


def _revoke(mandate: AutopayMandate, *, actor, reason: str) -> None:
    mandate.is_active = False
    mandate.revoked_at = timezone.now()
    save_audited(mandate, actor=actor, reason=reason, update_fields=["is_active", "revoked_at"])


def set_up_ach(
    account: PayerAccount,
    *,
    holder_name: str,
    routing_number: str,
    account_number: str,
    account_type: str,
    accepted: bool,
    actor,
    ip: str | None = None,
) -> AutopayMandate:
    """Authorize bank debits; any earlier authorization of the account ends."""
    _check_account(account)
    errors = {}
    holder_name = " ".join((holder_name or "").split())
    routing_number = (routing_number or "").strip()
    account_number = (account_number or "").replace(" ", "").replace("-", "")
    if not holder_name:
        errors["holder_name"] = "Write the name on the bank account."
    elif len(holder_name) > 22:
        errors["holder_name"] = "Banks take at most 22 characters: shorten the name."
    if not (len(routing_number) == 9 and routing_number.isdigit()):
        errors["routing_number"] = "A routing number has 9 digits (bottom left of a check)."
    elif not nacha.routing_is_valid(routing_number):
        errors["routing_number"] = (
            "This is not a valid routing number (its check digit does not match): "
            "copy the 9 digits at the bottom left of a check again."
        )
    if not (4 <= len(account_number) <= 17 and account_number.isdigit()):
        errors["account_number"] = "An account number has 4 to 17 digits."
    if account_type not in AccountType.values:
        errors["account_type"] = "Choose checking or savings."
    if not accepted:
        errors["accepted"] = "Read and accept the authorization to set up autopay."
    if errors:
        raise ValidationError(errors)
    mandate = AutopayMandate(
        provider_id=account.provider_id,
        account=account,
        method=AutopayMethod.ACH,
        holder_name=holder_name,
        routing_number=routing_number,
        bank_account_number=account_number,
        bank_account_type=account_type,
        last4=account_number[-4:],
        # the words shown on the form, as the payer accepted them
        authorization_text=authorization_text(account, AutopayMethod.ACH, "bank"),
        authorized_at=timezone.now(),
        authorized_by=actor,
        authorized_ip=ip,
    )
    with transaction.atomic():
        return _replace(account, mandate, actor)


def set_up_card(
    account: PayerAccount, *, card, holder_name: str, accepted: bool, actor, ip: str | None = None
) -> AutopayMandate:
    """Authorize card charges with a card saved at the processor (`card` is a SavedCard)."""
    _check_account(account)
    if not accepted:
        raise ValidationError({"accepted": "Read and accept the authorization to set up autopay."})
    holder_name = " ".join((holder_name or "").split())[:22] or account.name[:22]
    mandate = AutopayMandate(
        provider_id=account.provider_id,
        account=account,
        method=AutopayMethod.CARD,
        holder_name=holder_name,
        card_token=card.token,
        last4=card.last4,
        authorization_text=authorization_text(account, AutopayMethod.CARD, f"ending {card.last4}"),
        authorized_at=timezone.now(),
        authorized_by=actor,
        authorized_ip=ip,
    )
    with transaction.atomic():
        return _replace(account, mandate, actor)


def cancel(mandate: AutopayMandate, *, actor) -> None:
    if not mandate.is_active:
        raise ValidationError("This autopay was already cancelled.")
    with transaction.atomic():
        _revoke(mandate, actor=actor, reason="Autopay cancelled")


# --- the run -------------------------------------------------------------------------------


@dataclass
class AutopayResult:
    on: date
    batch: AchBatch | None = None
    ach_count: int = 0
    ach_total: Decimal = Decimal("0.00")
    card_paid: list = field(default_factory=list)
    card_declined: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "date": str(self.on),
            "ach_batch": self.batch.pk if self.batch else None,
            "ach_effective_date": str(self.batch.effective_date) if self.batch else None,
            "ach_debits": self.ach_count,
            "ach_total": str(self.ach_total),
            "card_paid": len(self.card_paid),
            "card_paid_total": str(sum((i.amount for i in self.card_paid), Decimal("0.00"))),
            "card_declined": len(self.card_declined),
        }


def _owed(provider, mandates, on: date) -> dict[int, Decimal]:
    """What each account owes for charges dated up to `on`, less every payment and credit
    whatever its date (a card payment is dated the day the processor confirms it, which may be
    after `on`: it must still count, or a run for a past day would take it twice)."""
    ids = [m.account_id for m in mandates]
    rows = (
        LedgerEntry.objects.filter(provider=provider, account_id__in=ids)
        .filter(Q(on__lte=on) | Q(effect__lt=0))
        .values("account_id")
        .annotate(total=Sum("effect"))
        .order_by()
    )
    return {r["account_id"]: ledger.sum_of(r["total"]) for r in rows}


def _active(provider, method: str) -> list[AutopayMandate]:
    return list(
        AutopayMandate.objects.filter(
            provider=provider, method=method, is_active=True, account__is_active=True
        )
        .select_related("account__provider", "account__family")
        .order_by("account_id")
    )


def run_autopay(provider, on: date, actor) -> AutopayResult:
    """Take every autopay account's balance owed on `on`: one NACHA file of bank debits, and a
    card charge for each card authorization."""
    result = AutopayResult(on=on)
    if _active(provider, AutopayMethod.ACH):
        _run_ach(provider, on, actor, result)
    for mandate in _active(provider, AutopayMethod.CARD):
        _charge_card(mandate, on, actor, result)
    return result


def setup_problems(provider) -> str:
    """Why autopay cannot run now (empty when it can): bank debits need the provider's bank."""
    if not AutopayMandate.objects.filter(
        provider=provider, method=AutopayMethod.ACH, is_active=True
    ).exists():
        return ""
    missing = nacha.ach_setup_problems(billing_settings(provider))
    if not missing:
        return ""
    return (
        "Bank debits cannot be sent until the billing settings have "
        + "; ".join(missing)
        + ". Enter them under Prices, in the bank (ACH) section."
    )


def _run_ach(provider, on: date, actor, result: AutopayResult) -> None:
    problems = setup_problems(provider)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        settings = payments.lock_billing_settings(provider)
        mandates = _active(provider, AutopayMethod.ACH)  # again, under the lock
        owed = _owed(provider, mandates, on)
        due = [(m, owed[m.account_id]) for m in mandates if owed.get(m.account_id, 0) > 0]
        if not due:
            return
        effective = nacha.next_business_day(on)
        used = set(
            AchBatch.objects.filter(provider=provider, effective_date=effective).values_list(
                "file_id_modifier", flat=True
            )
        )
        modifier = next((m for m in FILE_ID_MODIFIERS if m not in used), None)
        if modifier is None:
            raise ValidationError(f"There are already 36 ACH files for {effective}.")
        batch = AchBatch.objects.create(
            provider=provider,
            effective_date=effective,
            file_id_modifier=modifier,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        odfi = settings.ach_odfi_routing[:8]
        last = (
            AchEntry.objects.filter(provider=provider)
            .order_by("-pk")
            .values_list("trace_number", flat=True)
            .first()
        )
        sequence = int(last[8:]) if last else 0

        def trace() -> str:
            nonlocal sequence
            sequence = sequence % (TRACE_SEQUENCE_LIMIT - 1) + 1
            return f"{odfi}{sequence:07d}"

        offset_trace = trace()
        debits = []
        for mandate, amount in due:
            account = mandate.account
            number = trace()
            posted = payments.record_payment(
                account,
                amount=amount,
                on=on,
                method=Method.ACH,
                actor=actor,
                key=f"ach:{batch.pk}:{account.pk}",
                reference=number,
                description=f"Autopay bank debit, account {mask(mandate.bank_account_number)}",
            )
            AchEntry.objects.create(
                provider=provider,
                batch=batch,
                mandate=mandate,
                account=account,
                amount=amount,
                trace_number=number,
                payment=posted.entry,
            )
            debits.append(
                nacha.Debit(
                    routing=mandate.routing_number,
                    account_number=mandate.bank_account_number or "",
                    account_type=mandate.bank_account_type,
                    amount=amount,
                    individual_id=f"ACCT{account.pk}",
                    name=mandate.holder_name,
                    trace=number,
                )
            )
        batch.entry_count = len(debits)
        batch.total = sum((d.amount for d in debits), Decimal("0.00"))
        batch.file_text = nacha.build_file(
            settings=settings,
            modifier=modifier,
            effective=effective,
            created=timezone.localtime(timezone.now(), provider.tz),
            debits=debits,
            offset_trace=offset_trace,
        )
        batch.save(update_fields=["entry_count", "total", "file_text"])
    result.batch = batch
    result.ach_count = batch.entry_count
    result.ach_total = batch.total


def _charge_card(mandate: AutopayMandate, on: date, actor, result: AutopayResult) -> None:
    from ccms.billing.processors import card_processor

    amount = _owed(mandate.account.provider, [mandate], on).get(mandate.account_id, Decimal("0.00"))
    if amount <= 0:
        return
    key = f"autopay:{on}:{mandate.account_id}"
    if PaymentIntent.objects.filter(
        provider_id=mandate.provider_id,
        idempotency_key=key,
        status__in=[IntentStatus.SUCCEEDED, IntentStatus.FAILED],
    ).exists():
        return  # charged (or declined) by an earlier run today
    intent = card_processor().charge_saved_card(
        mandate.account,
        token=mandate.card_token or "",
        amount=amount,
        idempotency_key=key,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    if intent.status == IntentStatus.SUCCEEDED:
        result.card_paid.append(intent)
    elif intent.status == IntentStatus.FAILED:
        result.card_declined.append(intent)
        transaction.on_commit(lambda: _tell_card_declined(intent.pk))


def _tell_card_declined(intent_id: int) -> None:
    intent = PaymentIntent.objects.select_related("account__provider").get(pk=intent_id)
    account, provider = intent.account, intent.account.provider
    recipients = payments.payer_emails(account)
    if not recipients:
        return
    send_mail(
        subject=f"{provider.name}: your card payment of ${intent.amount} was declined",
        message=(
            f"Hello,\n\nThe automatic card payment of ${intent.amount} for {account.name} was "
            f"declined ({intent.failure_message}). Please pay online or set up autopay with "
            f"another card.\n\n{provider.name}\n"
        ),
        from_email=django_settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )


@task("billing.run_autopay")
def run_autopay_task(provider_id: int, on: str, actor_id: int | None = None) -> dict:
    from ccms.tenancy.models import Provider, User

    provider = Provider.objects.get(pk=provider_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return run_autopay(provider, date.fromisoformat(on), actor).as_dict()
