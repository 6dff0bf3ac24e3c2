"""POST /api/providers/{provider}/payments: the Idempotency-Key header, replays and conflicts,
and the same payment sent twice at once on PostgreSQL."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from ccms.billing import ledger
from ccms.billing.accounts import family_account
from ccms.billing.models import LedgerEntry

URL = "/api/providers/a1/payments"


@pytest.fixture
def account(world):
    account = family_account(world.a1.family)
    ledger.post(account, kind="charge", amount="300.00", on="2026-03-02", key="c", actor=None)
    return account


def post(client, body, key="key-1"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(URL, body, content_type="application/json", headers=headers)


def body(account, **changes):
    return {
        "account_id": account.pk,
        "amount": "120.00",
        "method": "check",
        "reference": "77",
        "on": "2026-03-03",
        **changes,
    }


def test_a_payment_needs_an_idempotency_key(client, world, account):
    client.force_login(world.a1.users["director"])
    response = post(client, body(account), key=None)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["detail"]
    assert not LedgerEntry.objects.filter(kind="payment").exists()


def test_the_same_key_replays_the_same_response(client, world, account):
    client.force_login(world.a1.users["director"])
    first = post(client, body(account))
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    data = first.json()
    assert data["receipt_number"] == "R-2026-000001" and data["amount"] == "120.00"
    again = post(client, body(account))
    assert again.status_code == 201 and again.json() == data
    assert again.headers["Idempotent-Replayed"] == "true"
    assert LedgerEntry.objects.filter(kind="payment").count() == 1
    assert ledger.balance(account) == Decimal("180.00")


def test_a_different_body_with_the_same_key_is_a_conflict(client, world, account):
    client.force_login(world.a1.users["director"])
    post(client, body(account))
    for changed in (
        body(account, amount="121.00"),
        body(account, reference="78"),
        body(account, method="cash"),
    ):
        response = post(client, changed)
        assert response.status_code == 409 and "already used" in response.json()["detail"]
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_a_retry_without_a_date_on_a_later_day_is_still_a_replay(client, world, account):
    client.force_login(world.a1.users["director"])
    undated = {k: v for k, v in body(account).items() if k != "on"}
    first = post(client, undated, key="undated")
    LedgerEntry.objects.filter(pk=first.json()["id"])  # the date it was posted on is kept
    assert post(client, undated, key="undated").json() == first.json()


def test_card_and_bank_debits_are_not_recorded_by_hand(client, world, account):
    client.force_login(world.a1.users["director"])
    assert post(client, body(account, method="card")).status_code == 400
    assert post(client, body(account, method="ach"), key="k2").status_code == 400


def test_the_account_must_be_the_providers(client, world, account):
    client.force_login(world.a2.users["director"])
    response = client.post(
        "/api/providers/a2/payments",
        body(account),
        content_type="application/json",
        headers={"Idempotency-Key": "x"},
    )
    assert response.status_code == 404
    client.force_login(world.a1.users["consultant"])
    assert post(client, body(account)).status_code == 403
    client.force_login(world.a1.users["guardian"])
    assert post(client, body(account)).status_code == 403
    assert not LedgerEntry.objects.filter(kind="payment").exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two connections racing needs PostgreSQL (SQLite runs one writer at a time); "
    "run with DATABASE_URL=postgres://...",
)
@pytest.mark.django_db(transaction=True)
def test_the_same_payment_posted_twice_at_once_posts_once(world, account):
    director = world.a1.users["director"]
    start = threading.Barrier(2)
    answers = []

    def send():
        client = Client()
        client.force_login(director)
        start.wait()
        try:
            answers.append(post(client, body(account), key="parallel-1"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert LedgerEntry.objects.filter(kind="payment").count() == 1
    assert ledger.balance(account) == Decimal("180.00")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_payments_posted_at_once_get_distinct_receipt_numbers(world, account):
    director = world.a1.users["director"]
    start = threading.Barrier(4)
    answers = []

    def send(i):
        client = Client()
        client.force_login(director)
        start.wait()
        try:
            answers.append(post(client, body(account, amount="10.00"), key=f"many-{i}"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = sorted(a.json()["receipt_number"] for a in answers)
    assert numbers == [f"R-2026-00000{i}" for i in range(1, 5)]


def test_a_malformed_payment_is_explained(client, world, account):
    client.force_login(world.a1.users["director"])
    response = post(client, {"account_id": account.pk, "amount": "-5", "method": "cash"})
    assert response.status_code == 422 and "amount" in response.json()["detail"]


def test_the_payment_body_is_in_the_api_schema(client, world):
    client.force_login(world.a1.users["director"])
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/providers/{provider}/payments"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"account_id", "amount", "method"} <= set(body["required"])
