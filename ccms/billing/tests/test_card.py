"""The card processor adapter: signed webhooks (signed locally here, as the processor signs
them), the sandbox's hosted checkout, and online payment by a guardian and at the desk."""

import json
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from ccms.billing import ledger
from ccms.billing.accounts import billing_settings, family_account
from ccms.billing.models import IntentStatus, LedgerEntry, PaymentIntent, WebhookEvent
from ccms.billing.processors import card_processor, signing
from ccms.billing.processors.base import FAILED, SUCCEEDED, intent_event
from ccms.billing.processors.webhooks import handle_card_webhook


@pytest.fixture
def owing(world):
    """The a1 family owes $250.00."""
    account = family_account(world.a1.family)
    ledger.post(account, kind="charge", amount="250.00", on=_today(world), key="c1", actor=None)
    return account


def _today(world):
    from ccms.core.dates import provider_today

    return provider_today(world.a1.provider)


def _intent(account, amount="250.00", key="k1"):
    return card_processor().create_payment_intent(account, Decimal(amount), key, None)


def _webhook(client, provider, event, *, secret=None, timestamp=None, body=None):
    payload = body if body is not None else json.dumps(event).encode()
    secret = secret if secret is not None else billing_settings(provider).card_webhook_secret
    header = signing.sign(payload, secret, timestamp)
    return client.post(
        reverse("billing_card_webhook", args=[provider.slug]),
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )


# --- signatures ------------------------------------------------------------------------------


def test_a_signature_is_the_hmac_of_timestamp_and_body():
    header = signing.sign(b'{"a":1}', "whsec_x", 1700000000)
    assert header.startswith("t=1700000000,v1=")
    assert signing.verify(b'{"a":1}', header, "whsec_x", now=1700000100) == 1700000000


@pytest.mark.parametrize(
    ("payload", "secret", "now", "message"),
    [
        (b'{"a":2}', "whsec_x", 1700000000, "does not match"),  # tampered body
        (b'{"a":1}', "whsec_other", 1700000000, "does not match"),  # wrong secret
        (b'{"a":1}', "whsec_x", 1700000301, "too old"),  # stale timestamp
        (b'{"a":1}', "whsec_x", 1699999600, "too old"),  # from the future
    ],
)
def test_bad_signatures_are_refused(payload, secret, now, message):
    header = signing.sign(b'{"a":1}', "whsec_x", 1700000000)
    with pytest.raises(signing.SignatureError, match=message):
        signing.verify(payload, header, secret, now=now)


def test_a_missing_or_garbled_header_is_refused():
    for header in ("", "v1=abc", "t=123", "t=abc,v1=def"):
        with pytest.raises(signing.SignatureError):
            signing.verify(b"{}", header, "whsec_x", now=123)


# --- the webhook endpoint ---------------------------------------------------------------------


def test_a_signed_success_event_posts_the_payment_once(client, world, owing):
    intent = _intent(owing)
    event = intent_event(intent, SUCCEEDED, last4="4242")
    response = _webhook(client, world.a1.provider, event)
    assert response.status_code == 200 and response.json()["outcome"] == "processed"
    intent.refresh_from_db()
    assert intent.status == IntentStatus.SUCCEEDED and intent.last4 == "4242"
    payment = intent.payment
    assert payment.key == f"card:{intent.processor_id}" and payment.method == "card"
    assert payment.amount == Decimal("250.00") and payment.receipt_number.startswith("R-")
    assert ledger.balance(owing) == 0
    # The processor delivers the same event again: nothing changes.
    again = _webhook(client, world.a1.provider, event)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    # A second, different event about the same intent posts nothing either (the key).
    other = intent_event(intent, SUCCEEDED, last4="4242")
    assert _webhook(client, world.a1.provider, other).json()["outcome"] == "processed"
    assert LedgerEntry.objects.filter(kind="payment").count() == 1
    assert WebhookEvent.objects.filter(provider=world.a1.provider).count() == 2


def test_a_tampered_body_is_refused_and_posts_nothing(client, world, owing):
    intent = _intent(owing)
    event = intent_event(intent, SUCCEEDED)
    payload = json.dumps(event).encode()
    secret = billing_settings(world.a1.provider).card_webhook_secret
    header = signing.sign(payload, secret)
    tampered = payload.replace(b'"amount": 25000', b'"amount": 1')
    assert tampered != payload
    response = client.post(
        reverse("billing_card_webhook", args=["a1"]),
        data=tampered,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
    assert response.status_code == 400 and b"does not match" in response.content
    assert not WebhookEvent.objects.exists() and not LedgerEntry.objects.filter(kind="payment")


def test_a_wrong_secret_or_a_stale_timestamp_is_refused(client, world, owing):
    intent = _intent(owing)
    event = intent_event(intent, SUCCEEDED)
    wrong = _webhook(client, world.a1.provider, event, secret="whsec_guess")
    stale = _webhook(client, world.a1.provider, event, timestamp=int(time.time()) - 301)
    unsigned = client.post(
        reverse("billing_card_webhook", args=["a1"]),
        data=json.dumps(event),
        content_type="application/json",
    )
    assert wrong.status_code == stale.status_code == unsigned.status_code == 400
    assert not WebhookEvent.objects.exists()
    intent.refresh_from_db()
    assert intent.status == IntentStatus.REQUIRES_PAYMENT


def test_another_providers_secret_does_not_sign_for_this_provider(client, world, owing):
    intent = _intent(owing)
    event = intent_event(intent, SUCCEEDED)
    other_secret = billing_settings(world.b1.provider).card_webhook_secret
    assert _webhook(client, world.a1.provider, event, secret=other_secret).status_code == 400
    # Signed by b1 and sent to b1's endpoint: b1 has no such intent.
    assert _webhook(client, world.b1.provider, event).status_code == 400
    assert not LedgerEntry.objects.filter(kind="payment").exists()


def test_a_failed_event_marks_the_intent_declined(client, world, owing):
    intent = _intent(owing)
    response = _webhook(client, world.a1.provider, intent_event(intent, FAILED, error="No."))
    assert response.status_code == 200
    intent.refresh_from_db()
    assert intent.status == IntentStatus.FAILED and intent.failure_message == "No."
    assert ledger.balance(owing) == Decimal("250.00")


def test_an_event_with_another_amount_is_refused(world, owing):
    intent = _intent(owing)
    event = intent_event(intent, SUCCEEDED)
    event["data"]["object"]["amount"] = event["data"]["object"]["amount_received"] = 100
    payload = json.dumps(event).encode()
    secret = billing_settings(world.a1.provider).card_webhook_secret
    from ccms.billing.processors.webhooks import WebhookRejected

    with pytest.raises(WebhookRejected, match="250.00"):
        handle_card_webhook(world.a1.provider, payload, signing.sign(payload, secret))
    assert not WebhookEvent.objects.exists()


def test_the_webhook_takes_posts_only(client, world):
    assert client.get(reverse("billing_card_webhook", args=["a1"])).status_code == 405
    assert client.post(reverse("billing_card_webhook", args=["nobody"])).status_code == 404


def test_unknown_event_types_are_recorded_and_ignored(client, world):
    event = {"id": "evt_1", "type": "charge.refunded", "data": {"object": {"id": "ch_1"}}}
    response = _webhook(client, world.a1.provider, event)
    assert response.status_code == 200 and response.json()["outcome"] == "ignored"
    assert WebhookEvent.objects.get().type == "charge.refunded"


# --- the sandbox processor and the pages ------------------------------------------------------


def test_the_same_key_makes_the_same_intent(world, owing):
    first = _intent(owing, key="same")
    assert _intent(owing, key="same").pk == first.pk
    assert first.processor_id.startswith("pi_")
    from ccms.billing.ledger import IdempotencyConflict

    with pytest.raises(IdempotencyConflict):
        _intent(owing, amount="10.00", key="same")


def test_a_guardian_pays_the_balance_by_card_and_sees_it_paid(client, world, owing):
    client.force_login(world.a1.users["guardian"])
    pay_url = reverse("billing_pay", args=["a1", owing.pk])
    page = client.get(pay_url)
    assert page.status_code == 200 and b"250.00" in page.content
    key = page.context["form"].initial["idempotency_key"]
    response = client.post(pay_url, {"amount": "250.00", "idempotency_key": key})
    intent = PaymentIntent.objects.get()
    assert response.url == reverse("billing_card_checkout", args=["a1", intent.pk])
    # A double submit of the pay form makes no second intent.
    client.post(pay_url, {"amount": "250.00", "idempotency_key": key})
    assert PaymentIntent.objects.count() == 1
    checkout = client.get(response.url)
    assert checkout.status_code == 200 and b"4242 4242 4242 4242" in checkout.content
    done = client.post(
        response.url,
        {
            "name": "Pat Alpha",
            "card_number": "4242 4242 4242 4242",
            "expiry": "04/30",
            "cvc": "123",
        },
        follow=True,
    )
    assert done.redirect_chain[-1][0] == reverse("billing_mine", args=["a1"])
    assert b"Thank you" in done.content
    assert ledger.balance(owing) == 0
    intent.refresh_from_db()
    assert intent.last4 == "4242" and intent.payment.method == "card"
    # The card number is nowhere in the database.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM billing_paymentintent")
        rows = cursor.fetchall()
        cursor.execute("SELECT payload FROM billing_webhookevent")
        rows += cursor.fetchall()
    assert "4242424242424242" not in str(rows)


def test_a_declined_card_charges_nothing_and_can_be_retried(client, world, owing):
    client.force_login(world.a1.users["guardian"])
    intent = _intent(owing)
    url = reverse("billing_card_checkout", args=["a1", intent.pk])
    card = {"name": "Pat", "expiry": "04/30", "cvc": "123"}
    declined = client.post(url, {**card, "card_number": "4000000000000002"})
    assert declined.status_code == 200 and b"declined" in declined.content
    assert b"4000000000000002" not in declined.content  # never written back into the page
    intent.refresh_from_db()
    assert intent.status == IntentStatus.FAILED and ledger.balance(owing) == Decimal("250.00")
    paid = client.post(url, {**card, "card_number": "4242424242424242"})
    assert paid.status_code == 302
    assert ledger.balance(owing) == 0
    # Confirming a paid intent again charges nothing.
    again = client.post(url, {**card, "card_number": "4242424242424242"})
    assert again.status_code == 302 and LedgerEntry.objects.filter(kind="payment").count() == 1


def test_an_unknown_card_number_is_explained(client, world, owing):
    client.force_login(world.a1.users["guardian"])
    intent = _intent(owing)
    url = reverse("billing_card_checkout", args=["a1", intent.pk])
    page = client.post(
        url, {"name": "Pat", "card_number": "4111111111111111", "expiry": "04/30", "cvc": "123"}
    )
    assert b"test checkout" in page.content
    intent.refresh_from_db()
    assert intent.status == IntentStatus.REQUIRES_PAYMENT


def test_a_guardian_cannot_pay_more_than_the_balance(client, world, owing):
    client.force_login(world.a1.users["guardian"])
    url = reverse("billing_pay", args=["a1", owing.pk])
    page = client.post(url, {"amount": "250.01", "idempotency_key": "form:x"})
    assert page.status_code == 200 and b"pay that amount or less" in page.content
    assert not PaymentIntent.objects.exists()
    assert client.post(url, {"amount": "100.00", "idempotency_key": "form:y"}).status_code == 302


def test_with_nothing_owed_a_guardian_may_pay_ahead(client, world):
    account = family_account(world.a1.family)
    client.force_login(world.a1.users["guardian"])
    url = reverse("billing_pay", args=["a1", account.pk])
    assert client.post(url, {"amount": "80.00", "idempotency_key": "form:z"}).status_code == 302


def test_a_guardian_cannot_pay_or_see_another_familys_account(client, world):
    other = family_account(world.a1.other_child.family)
    intent = _intent(other, amount="5.00")
    client.force_login(world.a1.users["guardian"])
    assert client.get(reverse("billing_pay", args=["a1", other.pk])).status_code == 404
    assert client.get(reverse("billing_card_checkout", args=["a1", intent.pk])).status_code == 404


def test_staff_may_not_take_payments(client, world, owing):
    client.force_login(world.a1.users["staff"])
    assert client.get(reverse("billing_pay", args=["a1", owing.pk])).status_code == 403


def test_the_director_takes_a_card_payment_and_lands_on_the_receipt(client, world, owing):
    client.force_login(world.a1.users["director"])
    url = reverse("billing_pay", args=["a1", owing.pk])
    response = client.post(url, {"amount": "50.00", "idempotency_key": "form:d"})
    done = client.post(
        response.url,
        {"name": "Pat", "card_number": "5555 5555 5555 4444", "expiry": "04/30", "cvc": "123"},
    )
    payment = LedgerEntry.objects.get(kind="payment")
    assert done.url == reverse("billing_receipt", args=["a1", payment.pk])
    assert ledger.balance(owing) == Decimal("200.00")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_guardian_pays_by_card_on_a_phone(browser, live_server, world):
    """In a real browser: the guardian's billing page, the pay form, the (sandbox) checkout, a
    declined card, then a good one, and back to the billing page with a zero balance."""
    import re

    from playwright.sync_api import expect

    from ccms.conftest import PASSWORD

    account = family_account(world.a1.family)
    ledger.post(account, kind="charge", amount="480.00", on=_today(world), key="c", actor=None)
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    context.set_default_timeout(10000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("guardian@a1.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("^Sign in$", re.I)).click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.goto(reverse("billing_pay", args=["a1", account.pk]))
    expect(page.get_by_label("Amount to pay ($)")).to_have_value("480.00")
    page.get_by_role("button", name="Continue to card payment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("$480.00")
    card = {"Name on the card": "Pat Alpha", "Expiry (MM/YY)": "04/30", "Security code": "123"}
    for label, value in card.items():
        page.get_by_label(label).fill(value)
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_role("button", name="Pay $480.00").click()
    expect(page.get_by_role("alert")).to_contain_text("declined")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Pay $480.00").click()
    page.wait_for_url(re.compile(r"/p/a1/billing/mine/$"))
    expect(page.get_by_role("status")).to_contain_text("Thank you")
    expect(page.get_by_test_id("balance").first).to_have_text("$0.00")
    context.close()
    assert ledger.balance(account) == 0
