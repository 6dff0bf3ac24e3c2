"""Payments at the desk with receipts, refunds, and autopay set-up."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from ccms.billing import autopay, ledger, payments
from ccms.billing.accounts import family_account
from ccms.billing.ledger import IdempotencyConflict
from ccms.billing.models import AutopayMandate, EntryKind, LedgerEntry
from ccms.core.models import AuditEvent

DAY = date(2026, 3, 2)


@pytest.fixture
def account(world):
    account = family_account(world.a1.family)
    ledger.post(account, kind="charge", amount="400.00", on=DAY, key="tuition", actor=None)
    return account


def pay(account, key, amount="100.00", method="cash", on=DAY, **extra):
    return payments.record_payment(
        account, amount=amount, on=on, method=method, actor=None, key=key, **extra
    )


def test_receipt_numbers_are_sequential_per_provider_and_year(world, account):
    other = family_account(world.a2.family)
    assert pay(account, "a").entry.receipt_number == "R-2026-000001"
    assert pay(account, "b", method="check", reference="1042").entry.receipt_number == (
        "R-2026-000002"
    )
    assert pay(other, "c").entry.receipt_number == "R-2026-000001"  # another provider
    assert pay(account, "d", on=date(2027, 1, 4)).entry.receipt_number == "R-2027-000001"
    assert pay(account, "e").entry.receipt_number == "R-2026-000003"


def test_the_same_key_posts_once_and_a_different_payment_with_it_is_refused(world, account):
    first = pay(account, "k")
    again = pay(account, "k")
    assert first.created and not again.created and again.entry.pk == first.entry.pk
    for change in (
        {"amount": "99.00"},
        {"method": "check", "reference": "1"},
        {"on": date(2026, 3, 3)},
    ):
        with pytest.raises(IdempotencyConflict, match="already used"):
            pay(account, "k", **change)
    assert LedgerEntry.objects.filter(kind="payment").count() == 1
    assert ledger.balance(account) == Decimal("300.00")


def test_a_payment_needs_a_key_a_known_method_and_a_positive_amount(world, account):
    with pytest.raises(ValidationError, match="idempotency key"):
        pay(account, "")
    with pytest.raises(ValidationError, match="Unknown payment method"):
        pay(account, "m", method="bitcoin")
    with pytest.raises(ValidationError, match="more than zero"):
        pay(account, "z", amount="0.004")


def test_a_refund_points_at_the_payment_and_never_exceeds_it(world, account):
    payment = pay(account, "p", amount="150.00").entry
    refund = payments.refund(payment, amount="40.00", reason="Overpaid", actor=None, key="r1")
    assert refund.kind == EntryKind.REFUND and refund.applies_to == payment
    assert refund.effect == Decimal("40.00") and refund.reason == "Overpaid"
    assert ledger.balance(account) == Decimal("290.00")
    # The same key is the same refund.
    assert payments.refund(payment, amount="40.00", reason="x", actor=None, key="r1") == refund
    with pytest.raises(ValidationError, match="At most \\$110.00"):
        payments.refund(payment, amount="110.01", reason="Too much", actor=None, key="r2")
    with pytest.raises(ValidationError, match="Say why"):
        payments.refund(payment, amount="1.00", reason=" ", actor=None, key="r3")
    charge = LedgerEntry.objects.get(key="tuition")
    with pytest.raises(ValidationError, match="Only a payment"):
        payments.refund(charge, amount="1.00", reason="No", actor=None, key="r4")


def test_the_receipt_shows_the_balance_after_the_payment(world, account):
    payment = pay(account, "p", amount="150.00").entry
    pay(account, "later", amount="50.00")
    assert payments.receipt(payment).balance_after == Decimal("250.00")


# --- the desk's pages ---------------------------------------------------------------------------


def test_the_director_records_a_check_and_a_double_submit_posts_once(client, world, account):
    client.force_login(world.a1.users["director"])
    url = reverse("billing_payment_new", args=["a1", account.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"].initial["amount"] == Decimal("400.00")
    key = page.context["form"].initial["idempotency_key"]
    form = {
        "amount": "400.00",
        "on": "2026-03-02",
        "method": "check",
        "reference": "1042",
        "idempotency_key": key,
    }
    first = client.post(url, form)
    second = client.post(url, form)
    payment = LedgerEntry.objects.get(kind="payment")
    receipt_url = reverse("billing_receipt", args=["a1", payment.pk])
    assert first.url == second.url == receipt_url
    assert payment.reference == "1042" and payment.created_by == world.a1.users["director"]
    receipt = client.get(receipt_url)
    assert b"R-2026-000001" in receipt.content and b"#1042" in receipt.content
    assert b"$400.00" in receipt.content


def test_a_check_needs_its_number(client, world, account):
    client.force_login(world.a1.users["director"])
    url = reverse("billing_payment_new", args=["a1", account.pk])
    form = {"amount": "10", "on": "2026-03-02", "method": "check", "idempotency_key": "form:q"}
    page = client.post(url, form)
    assert page.status_code == 200 and b"check or money order number" in page.content
    assert not LedgerEntry.objects.filter(kind="payment").exists()


def test_hub_staff_record_payments_but_consultants_only_read_receipts(client, world, account):
    from ccms.tenancy.models import Role

    payment = pay(account, "p").entry
    url = reverse("billing_payment_new", args=["a1", account.pk])
    client.force_login(world.alliance_users[("alpha", Role.HUB_STAFF)])
    assert client.get(url).status_code == 200
    client.force_login(world.a1.users["consultant"])
    assert client.get(url).status_code == 403
    assert client.get(reverse("billing_receipt", args=["a1", payment.pk])).status_code == 200
    assert client.get(reverse("billing_refund", args=["a1", payment.pk])).status_code == 403


def test_a_guardian_sees_their_own_receipts_only(client, world, account):
    mine = pay(account, "mine").entry
    other_account = family_account(world.a1.other_child.family)
    theirs = pay(other_account, "theirs").entry
    client.force_login(world.a1.users["guardian"])
    assert client.get(reverse("billing_receipt", args=["a1", mine.pk])).status_code == 200
    assert client.get(reverse("billing_receipt", args=["a1", theirs.pk])).status_code == 404
    charge = LedgerEntry.objects.get(key="tuition")
    assert client.get(reverse("billing_receipt", args=["a1", charge.pk])).status_code == 404
    assert client.get(reverse("billing_payment_new", args=["a1", account.pk])).status_code == 403


def test_the_refund_page_records_a_refund(client, world, account):
    payment = pay(account, "p", amount="100.00").entry
    client.force_login(world.a1.users["director"])
    url = reverse("billing_refund", args=["a1", payment.pk])
    assert client.get(url).context["form"].initial["amount"] == Decimal("100.00")
    form = {"amount": "25.00", "reason": "Closed for snow", "idempotency_key": "form:r"}
    assert client.post(url, form).status_code == 302
    client.post(url, form)
    refund = LedgerEntry.objects.get(kind="refund")
    assert refund.applies_to == payment and refund.amount == Decimal("25.00")
    assert (
        b"Closed for snow"
        in client.get(reverse("billing_receipt", args=["a1", payment.pk])).content
    )


# --- autopay set-up ---------------------------------------------------------------------------


def ach_form(**changes):
    form = {
        "holder_name": "Pat Alpha",
        "routing_number": "021000021",
        "account_number": "123456789012",
        "account_number_again": "123456789012",
        "account_type": "checking",
        "accepted": "on",
    }
    return {**form, **changes}


def test_a_guardian_sets_up_bank_debit_stored_encrypted_and_shown_masked(client, world, account):
    client.force_login(world.a1.users["guardian"])
    url = reverse("billing_autopay", args=["a1", account.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, ach_form(), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    mandate = AutopayMandate.objects.get(account=account, is_active=True)
    assert mandate.bank_account_number == "123456789012" and mandate.last4 == "9012"
    assert mandate.authorized_ip == "203.0.113.9" and "debit the bank account I enter" in (
        mandate.authorization_text
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bank_account_number FROM billing_autopaymandate WHERE id = %s", [mandate.pk]
        )
        stored = cursor.fetchone()[0]
    assert "123456789012" not in stored
    page = client.get(url).content.decode()
    assert "••••9012" in page and "123456789012" not in page
    # The audit trail names the change but never the account number.
    assert not any("123456789012" in str(e.changes) for e in AuditEvent.objects.all())


def test_a_routing_number_with_a_wrong_check_digit_is_refused(client, world, account):
    client.force_login(world.a1.users["guardian"])
    url = reverse("billing_autopay", args=["a1", account.pk])
    page = client.post(url, ach_form(routing_number="021000022"))
    assert page.status_code == 200 and "check digit" in page.content.decode()
    assert b"123456789012" not in page.content
    page = client.post(url, ach_form(account_number_again="123456789013"))
    assert "differ" in page.content.decode()
    page = client.post(url, ach_form(accepted=""))
    assert page.status_code == 200
    assert not AutopayMandate.objects.exists()


def test_a_new_authorization_replaces_the_old_one_and_cancel_ends_it(client, world, account):
    guardian = world.a1.users["guardian"]
    first = autopay.set_up_ach(
        account,
        holder_name="Pat",
        routing_number="021000021",
        account_number="1111",
        account_type="checking",
        accepted=True,
        actor=guardian,
    )
    client.force_login(guardian)
    client.post(reverse("billing_autopay", args=["a1", account.pk]), ach_form())
    first.refresh_from_db()
    assert not first.is_active and first.revoked_at is not None
    assert AutopayMandate.objects.filter(is_active=True).count() == 1
    client.post(reverse("billing_autopay_cancel", args=["a1", account.pk]))
    assert not AutopayMandate.objects.filter(is_active=True).exists()


def test_a_guardian_saves_a_card_for_autopay_and_only_its_last_four_are_kept(
    client, world, account
):
    client.force_login(world.a1.users["guardian"])
    url = reverse("billing_autopay_card", args=["a1", account.pk])
    card = {"name": "Pat Alpha", "expiry": "04/30", "cvc": "123", "accepted": "on"}
    declined = client.post(url, {**card, "card_number": "4000 0000 0000 0002"})
    assert b"declined" in declined.content and not AutopayMandate.objects.exists()
    assert client.post(url, {**card, "card_number": "4242 4242 4242 4242"}).status_code == 302
    mandate = AutopayMandate.objects.get()
    assert mandate.method == "card" and mandate.last4 == "4242"
    assert "4242424242424242" not in (mandate.card_token or "")


def test_autopay_charges_cards_and_tells_the_payer_of_a_decline(
    world, account, django_capture_on_commit_callbacks, mailoutbox
):
    from ccms.billing.processors import card_processor

    other = family_account(world.a1.other_child.family)
    other.email = "other@example.org"
    other.save()
    ledger.post(other, kind="charge", amount="75.00", on=DAY, key="o", actor=None)
    processor = card_processor()
    for acct, number in ((account, "4242424242424242"), (other, "4000000000000341")):
        autopay.set_up_card(
            acct,
            card=processor.save_card(acct, card_number=number),
            holder_name="X",
            accepted=True,
            actor=world.a1.users["director"],
        )
    from ccms.core.dates import provider_today

    today = provider_today(world.a1.provider)
    with django_capture_on_commit_callbacks(execute=True):
        result = autopay.run_autopay(world.a1.provider, today, None)
    assert len(result.card_paid) == 1 and len(result.card_declined) == 1
    assert ledger.balance(account) == 0 and ledger.balance(other) == Decimal("75.00")
    assert result.batch is None  # no bank debits, no file
    assert [m.to for m in mailoutbox] == [["other@example.org"]]
    # The same day again: nothing more is charged.
    again = autopay.run_autopay(world.a1.provider, today, None)
    assert (
        again.card_paid == again.card_declined == []
        and LedgerEntry.objects.filter(kind="payment").count() == 1
    )


def test_a_run_for_a_past_day_counts_card_payments_confirmed_since(world, account):
    """A card payment is dated when the processor confirms it; a later run for an earlier day
    must not take the same balance again."""
    from ccms.billing.processors import card_processor

    card = card_processor().save_card(account, card_number="4242424242424242")
    autopay.set_up_card(
        account, card=card, holder_name="Pat", accepted=True, actor=world.a1.users["guardian"]
    )
    first = autopay.run_autopay(world.a1.provider, DAY, None)
    assert len(first.card_paid) == 1 and ledger.balance(account) == 0
    ledger.post(account, kind="charge", amount="50.00", on=date(2026, 4, 1), key="apr", actor=None)
    second = autopay.run_autopay(world.a1.provider, date(2026, 4, 2), None)
    assert [i.amount for i in second.card_paid] == [Decimal("50.00")]
    assert ledger.balance(account) == 0
