"""Collections: the A/R aging report, late payment fees, reminders, payment plans and write-offs."""

import csv
import io
import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ccms.billing import collections, ledger
from ccms.billing.accounts import billing_settings, cca_account, family_account
from ccms.billing.allocation import allocate
from ccms.billing.models import (
    AccountKind,
    AutopayMandate,
    LedgerEntry,
    PayerAccount,
    PaymentPlan,
    Reminder,
    WriteOffRequest,
    WriteOffStatus,
)
from ccms.core import tasks
from ccms.core.dates import provider_today
from ccms.families.models import Family, Guardian
from ccms.tenancy.models import Role

D = Decimal
AS_OF = date(2026, 6, 30)


@pytest.fixture
def a1(world):
    t = world.a1
    policy = billing_settings(t.provider)
    policy.late_payment_fee = D("25.00")
    policy.late_payment_grace_days = 5
    policy.due_days = 10
    policy.reminder_days = "7,14,30"
    policy.save()
    return t


def director(t):
    return t.users["director"]


def hub_staff(world):
    return world.alliance_users[("alpha", Role.HUB_STAFF)]


_keys = iter(range(1, 10**6))


def charge(account, amount, on, *, due_on=None, category="tuition", description=None):
    return ledger.post_entry(
        account,
        kind="charge",
        amount=D(amount),
        on=on,
        due_on=due_on,
        key=f"test-charge:{next(_keys)}",
        actor=None,
        category=category,
        description=description or f"Tuition {on:%b %-d}",
    )


def pay(account, amount, on, kind="payment"):
    return ledger.post_entry(
        account,
        kind=kind,
        amount=D(amount),
        on=on,
        key=f"test-pay:{next(_keys)}",
        actor=None,
        method="check" if kind == "payment" else "",
    )


def url(t, name, *args):
    return reverse(name, args=[t.provider.slug, *args])


def other_account(t, name="Acme employer", kind=AccountKind.EMPLOYER):
    return PayerAccount.objects.create(provider=t.provider, kind=kind, name=name)


# --- A/R aging -------------------------------------------------------------------------------


def test_aging_buckets_open_amounts_by_days_since_the_charge_after_fifo(a1):
    account = family_account(a1.family)
    for days in (10, 45, 75, 120):
        charge(account, "100.00", AS_OF - timedelta(days=days))
    pay(account, "150.00", AS_OF - timedelta(days=5))  # covers the 120-day charge and half of 75
    report = collections.aging_report(a1.provider, AS_OF)
    [line] = report.lines
    assert line.buckets == {
        "0-30": D("100.00"),
        "31-60": D("100.00"),
        "61-90": D("50.00"),
        "90+": 0,
    }
    assert line.total == D("250.00")
    assert line.oldest_open == AS_OF - timedelta(days=75)
    assert line.last_payment == AS_OF - timedelta(days=5)
    assert report.total.buckets == line.buckets


@pytest.mark.parametrize(
    "days, bucket",
    [(0, "0-30"), (30, "0-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"), (90, "61-90"),
     (91, "90+"), (400, "90+")],
)  # fmt: skip
def test_aging_bucket_edges_follow_the_metrics_spec(a1, days, bucket):
    charge(family_account(a1.family), "40.00", AS_OF - timedelta(days=days))
    report = collections.aging_report(a1.provider, AS_OF)
    assert report.total.buckets[bucket] == D("40.00")
    assert report.total.total == D("40.00")


def test_aging_is_per_payer_type_and_in_total(a1):
    family = family_account(a1.family)
    state = cca_account(a1.provider)
    employer = other_account(a1)
    charge(family, "300.00", AS_OF - timedelta(days=40))
    charge(state, "500.00", AS_OF - timedelta(days=3), category="cca")
    charge(employer, "80.00", AS_OF - timedelta(days=100))
    report = collections.aging_report(a1.provider, AS_OF)
    groups = {g.key: g for g in report.groups}
    assert [g.key for g in report.groups] == ["family", "cca", "other", "total"]
    assert groups["family"].buckets["31-60"] == D("300.00")
    assert groups["cca"].buckets["0-30"] == D("500.00")
    assert groups["other"].buckets["90+"] == D("80.00")
    assert groups["total"].total == D("880.00")
    assert groups["total"].accounts == 3
    # The largest group's bar is full length; the others are in proportion.
    assert sum(D(s.width) for s in groups["total"].segments) == 100
    assert sum(D(s.width) for s in groups["family"].segments) == D("34.1")
    only_state = collections.aging_report(a1.provider, AS_OF, payer_type="cca")
    assert [line.account for line in only_state.lines] == [state]


def test_aging_as_of_a_past_day_ignores_later_charges_and_payments(a1):
    account = family_account(a1.family)
    charge(account, "100.00", date(2026, 5, 1))
    charge(account, "100.00", date(2026, 7, 1))  # after the day
    pay(account, "100.00", date(2026, 7, 2))  # after the day
    report = collections.aging_report(a1.provider, date(2026, 6, 1))
    assert report.total.buckets["31-60"] == D("100.00")
    assert report.total.total == D("100.00")
    assert collections.aging_report(a1.provider, date(2026, 7, 2)).total.total == D("100.00")


def test_reversed_charges_and_payments_are_not_aged(a1):
    account = family_account(a1.family)
    wrong = charge(account, "90.00", AS_OF - timedelta(days=20))
    ledger.reverse_entry(wrong, actor=None, reason="billed twice", on=AS_OF - timedelta(days=19))
    right = charge(account, "50.00", AS_OF - timedelta(days=20))
    bounced = pay(account, "50.00", AS_OF - timedelta(days=10))
    ledger.reverse_entry(bounced, actor=None, reason="NSF", on=AS_OF - timedelta(days=8))
    [line] = collections.aging_report(a1.provider, AS_OF).lines
    assert line.total == D("50.00") and line.oldest_open == right.on
    assert line.last_payment is None


def test_aging_sorts_by_total_or_by_oldest_open_charge(a1):
    big = other_account(a1, "Big balance")
    old = other_account(a1, "Old balance")
    charge(big, "900.00", AS_OF - timedelta(days=5))
    charge(old, "10.00", AS_OF - timedelta(days=200))
    assert [x.account for x in collections.aging_report(a1.provider, AS_OF).lines] == [big, old]
    by_age = collections.aging_report(a1.provider, AS_OF, sort="oldest")
    assert [x.account for x in by_age.lines] == [old, big]


def _accounts_with_history(t, n):
    for i in range(n):
        account = other_account(t, f"Payer {i:03}")
        charge(account, "100.00", AS_OF - timedelta(days=10 + 30 * (i % 4)))
        pay(account, "30.00", AS_OF - timedelta(days=2))
        if i % 3 == 0:
            PaymentPlan.objects.create(
                provider=t.provider,
                account=account,
                amount=D("70.00"),
                installments=2,
                frequency="monthly",
                first_due=AS_OF + timedelta(days=5),
                created_by=t.users["director"],
            )
        if i % 2 == 0:
            AutopayMandate.objects.create(
                provider=t.provider,
                account=account,
                method="card",
                holder_name="Payer",
                card_token="tok",
                last4="4242",
                authorization_text="I authorize",
                authorized_at=datetime(2026, 1, 1, tzinfo=UTC),
                authorized_by=t.users["director"],
            )


def test_aging_costs_the_same_queries_for_3_or_30_accounts(a1, client):
    client.force_login(director(a1))
    page = url(a1, "billing_aging") + f"?as_of={AS_OF}"

    def count(call):
        with CaptureQueriesContext(connection) as queries:
            result = call()
        return len(queries), result

    _accounts_with_history(a1, 3)
    few, report = count(lambda: collections.aging_report(a1.provider, AS_OF))
    few_page, response = count(lambda: client.get(page))
    assert len(report.lines) == 3 and response.status_code == 200
    _accounts_with_history(a1, 27)
    many, report = count(lambda: collections.aging_report(a1.provider, AS_OF))
    many_page, response = count(lambda: client.get(page))
    assert len(report.lines) == 30 and response.content.decode().count("Payer 0") == 30
    assert many == few <= 5
    assert many_page == few_page


def test_aging_page_links_each_account_and_downloads_csv(a1, client):
    account = family_account(a1.family)
    charge(account, "120.00", AS_OF - timedelta(days=95))
    collections.create_payment_plan(
        account,
        amount=D("120.00"),
        installments=2,
        frequency="monthly",
        first_due=provider_today(a1.provider) + timedelta(days=3),
        actor=director(a1),
    )
    client.force_login(a1.users["consultant"])  # consultants read the figures
    response = client.get(url(a1, "billing_aging"), {"as_of": AS_OF.isoformat()})
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("billing_account", args=["a1", account.pk]) in body
    assert "90+" in body and "$120.00" in body and "Payment plan: on track" in body
    assert 'data-width="100.0"' in body  # the bar of the only bucket fills the row
    assert "Write off" not in body  # a consultant cannot act
    download = client.get(url(a1, "billing_aging"), {"as_of": AS_OF.isoformat(), "format": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == collections.AGING_CSV_COLUMNS
    assert rows[1][:7] == ["Family a1", "family", "0.00", "0.00", "0.00", "120.00", "120.00"]
    assert rows[1][7:] == [str(AS_OF - timedelta(days=95)), "", "no", "On track"]
    assert rows[-1][0] == "Total: All payers" and rows[-1][6] == "120.00"


def test_aging_page_refuses_guardians_and_staff_and_shows_a_bad_date(a1, client):
    for role in ("guardian", "staff"):
        client.force_login(a1.users[role])
        assert client.get(url(a1, "billing_aging")).status_code == 403
    client.force_login(director(a1))
    response = client.get(url(a1, "billing_aging"), {"as_of": "June 5th"}, follow=True)
    assert response.status_code == 200
    assert "is not a date" in response.content.decode()


def test_aging_through_the_api_gives_the_same_figures_as_strings(a1, client):
    family = family_account(a1.family)
    charge(family, "300.00", AS_OF - timedelta(days=40))
    charge(cca_account(a1.provider), "500.00", AS_OF - timedelta(days=3), category="cca")
    client.force_login(a1.users["consultant"])
    answer = client.get("/api/providers/a1/billing/aging", {"as_of": AS_OF.isoformat()}).json()
    assert answer["as_of"] == AS_OF.isoformat()
    family_row, cca_row, other_row, total_row = answer["by_payer_type"]
    assert family_row == {
        "0-30": "0.00", "31-60": "300.00", "61-90": "0.00", "90+": "0.00", "total": "300.00",
        "payer_type": "family", "accounts": 1,
    }  # fmt: skip
    assert (cca_row["0-30"], total_row["total"], total_row["accounts"]) == ("500.00", "800.00", 2)
    assert [a["name"] for a in answer["accounts"]] == [
        "Iowa Child Care Assistance (HHS)",
        "Family a1",
    ]
    assert answer["accounts"][1]["oldest_open_charge"] == str(AS_OF - timedelta(days=40))
    client.force_login(a1.users["guardian"])
    assert client.get("/api/providers/a1/billing/aging").status_code == 403


# --- late payment fees -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "days_after_due, grace, fee",
    [
        (0, 5, None),  # due today
        (5, 5, None),  # last day of grace
        (6, 5, "25.00"),  # the day after the grace days
        (1, 0, "25.00"),  # no grace: the day after it is due
        (40, 5, "25.00"),
    ],
)
def test_late_fee_after_the_due_date_plus_grace_days(a1, days_after_due, grace, fee):
    policy = billing_settings(a1.provider)
    policy.late_payment_grace_days = grace
    policy.save()
    account = family_account(a1.family)
    due = AS_OF - timedelta(days=days_after_due)
    late = charge(account, "400.00", due - timedelta(days=10), due_on=due)
    posted = collections.assess_late_fees(a1.provider, AS_OF)
    if fee is None:
        assert posted == []
    else:
        [entry] = posted
        assert entry.amount == D(fee) and entry.category == "late_payment"
        assert entry.key == f"late-fee:{late.pk}" and entry.on == AS_OF
        assert entry.account == account and "Late payment fee" in entry.description


def test_late_fee_is_charged_once_per_charge_even_if_the_fee_changes(a1):
    account = family_account(a1.family)
    charge(account, "400.00", date(2026, 5, 1), due_on=date(2026, 5, 11))
    charge(account, "400.00", date(2026, 6, 1), due_on=date(2026, 6, 11))
    assert len(collections.assess_late_fees(a1.provider, AS_OF)) == 2
    assert collections.assess_late_fees(a1.provider, AS_OF) == []
    policy = billing_settings(a1.provider)
    policy.late_payment_fee = D("40.00")
    policy.save()
    assert collections.assess_late_fees(a1.provider, AS_OF + timedelta(days=9)) == []
    fees = LedgerEntry.objects.filter(provider=a1.provider, category="late_payment")
    assert fees.count() == 2
    # ...and no fee is ever charged on a late fee, however long it stays open.
    assert collections.assess_late_fees(a1.provider, AS_OF + timedelta(days=90)) == []


def test_due_date_defaults_to_the_charge_date_plus_days_to_pay(a1):
    account = family_account(a1.family)
    charge(account, "100.00", AS_OF - timedelta(days=15))  # due after 10 days: 5 days late
    assert collections.assess_late_fees(a1.provider, AS_OF) == []
    assert len(collections.assess_late_fees(a1.provider, AS_OF + timedelta(days=1))) == 1


def test_no_late_fee_on_paid_charges_nsf_fees_the_state_or_when_the_fee_is_zero(a1):
    family = family_account(a1.family)
    paid = charge(family, "100.00", date(2026, 4, 1))
    pay(family, "100.00", date(2026, 4, 5))
    charge(family, "30.00", date(2026, 4, 1), category="nsf", description="Returned payment fee")
    charge(cca_account(a1.provider), "900.00", date(2026, 4, 1), category="cca")
    assert collections.assess_late_fees(a1.provider, AS_OF) == []
    assert allocate(family.entries.all()).open_amount(paid) == 0
    charge(family, "100.00", date(2026, 4, 1))
    policy = billing_settings(a1.provider)
    policy.late_payment_fee = D("0.00")
    policy.save()
    assert collections.assess_late_fees(a1.provider, AS_OF) == []


def test_a_kept_payment_plan_holds_back_late_fees_and_a_broken_one_does_not(a1):
    account = family_account(a1.family)
    today = provider_today(a1.provider)
    charge(account, "300.00", today - timedelta(days=60))
    plan = collections.create_payment_plan(
        account,
        amount=D("300.00"),
        installments=3,
        frequency="weekly",
        first_due=today,
        actor=director(a1),
    )
    assert collections.assess_late_fees(a1.provider, today) == []
    # A week on, the first installment (due a week ago) is unpaid: the plan is broken.
    later = today + timedelta(days=7)
    assert not collections.plan_status(plan, later).on_track
    assert len(collections.assess_late_fees(a1.provider, later)) == 1


# --- reminders -------------------------------------------------------------------------------


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    """send_reminders, with the e-mail it leaves for after the commit sent at once."""

    def run(provider, day, **options):
        with django_capture_on_commit_callbacks(execute=True):
            return collections.send_reminders(provider, day, **options)

    return run


def test_reminders_are_sent_once_per_charge_and_step_with_what_is_overdue(a1, settings, remind):
    settings.SITE_URL = "https://ccms.example.org"
    account = family_account(a1.family)
    first = charge(account, "400.00", date(2026, 6, 1), due_on=date(2026, 6, 11))
    charge(account, "50.00", date(2026, 6, 15), due_on=date(2026, 6, 25))  # not yet 7 days
    day = date(2026, 6, 18)  # 7 days past the first charge's due date
    sent = remind(a1.provider, day)
    assert [(r.charge, r.days_overdue) for r in sent] == [(first, 7)]
    [message] = mail.outbox
    assert message.to == ["guardian@a1.test"]  # no account address: the family's guardians
    assert "$400.00" in message.subject
    assert "Tuition Jun 1: $400.00 open, due Jun 11, 2026 (7 days ago)" in message.body
    assert "https://ccms.example.org/p/a1/billing/mine/" in message.body
    assert remind(a1.provider, day) == []  # the same day again: nothing
    assert remind(a1.provider, day + timedelta(days=1)) == []
    assert len(mail.outbox) == 1
    later = remind(a1.provider, date(2026, 6, 25))  # 14 days
    assert [(r.charge, r.days_overdue) for r in later] == [(first, 14)]
    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(charge=first).count() == 2


def test_a_charge_first_seen_late_gets_only_the_step_it_reached(a1, remind):
    account = family_account(a1.family)
    old = charge(account, "80.00", date(2026, 5, 1), due_on=date(2026, 5, 11))
    sent = remind(a1.provider, date(2026, 6, 12))  # 32 days past due
    assert [(r.charge, r.days_overdue) for r in sent] == [(old, 30)]
    assert remind(a1.provider, date(2026, 6, 13)) == []


def test_reminders_go_to_the_account_address_or_only_to_the_guardian_who_pays_the_share(a1, remind):
    family = family_account(a1.family)
    family.email = "billing@family.test"
    family.save()
    other = Guardian.objects.create(
        provider=a1.provider, family=a1.family, first_name="Sam", last_name="Alpha",
        email="sam@home.test",
    )  # fmt: skip
    share = PayerAccount.objects.create(
        provider=a1.provider, kind=AccountKind.GUARDIAN, name="Sam Alpha", family=a1.family,
        guardian=other,
    )  # fmt: skip
    charge(family, "100.00", date(2026, 6, 1), due_on=date(2026, 6, 2))
    charge(share, "100.00", date(2026, 6, 1), due_on=date(2026, 6, 2))
    remind(a1.provider, date(2026, 6, 9))
    assert sorted(m.to for m in mail.outbox) == [["billing@family.test"], ["sam@home.test"]]


def test_no_reminders_for_the_state_or_a_kept_plan_and_a_missing_address_is_shown(a1, remind):
    today = provider_today(a1.provider)
    charge(cca_account(a1.provider), "900.00", today - timedelta(days=40), category="cca")
    planned = family_account(a1.family)
    charge(planned, "200.00", today - timedelta(days=40))
    collections.create_payment_plan(
        planned,
        amount=D("200.00"),
        installments=2,
        frequency="monthly",
        first_due=today,
        actor=director(a1),
    )
    nobody = Family.objects.create(provider=a1.provider, name="No address family")
    silent = family_account(nobody)
    charge(silent, "60.00", today - timedelta(days=40))
    sent = remind(a1.provider, today)
    assert [(r.account, r.sent_to) for r in sent] == [(silent, "")]
    assert mail.outbox == []


def test_daily_job_runs_as_a_task_and_from_the_command_line(a1, capsys):
    account = family_account(a1.family)
    charge(account, "400.00", date(2026, 6, 1), due_on=date(2026, 6, 11))
    task = tasks.enqueue("billing.daily", provider_id=a1.provider.pk, today="2026-06-18")
    assert task.status == "done", task.error
    assert LedgerEntry.objects.filter(category="late_payment").count() == 1
    assert Reminder.objects.count() == 1
    call_command("billing", "daily", "--provider", "a1", "--date", "2026-06-25")
    out = capsys.readouterr().out
    assert "Provider a1, 2026-06-25: 0 late fees charged ($0.00); 1 payer reminded" in out
    call_command("billing", "daily", "--all", "--date", "2026-06-25", "--json")
    import json

    results = json.loads(capsys.readouterr().out)
    assert [r["provider"] for r in results] == ["a1", "a2", "b1"]
    assert results[0]["reminders"] == 0  # already sent for the 14-day step


def test_reminders_page_lists_what_was_sent_and_runs_today_now(
    a1, client, django_capture_on_commit_callbacks
):
    account = family_account(a1.family)
    charge(account, "400.00", provider_today(a1.provider) - timedelta(days=30))
    client.force_login(a1.users["consultant"])
    assert client.get(url(a1, "billing_reminders")).status_code == 200
    assert client.post(url(a1, "billing_reminders_run")).status_code == 403
    client.force_login(director(a1))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(a1, "billing_reminders_run"), follow=True)
    body = response.content.decode()
    assert "1 late fee charged ($25.00); 1 payer reminded of 1 overdue charge." in body
    assert "guardian@a1.test" in body and "Late payment fee: Tuition" in body
    assert "http://testserver/p/a1/billing/mine/" in mail.outbox[0].body
    assert client.get(url(a1, "billing_reminders_run")).status_code == 405


# --- payment plans ---------------------------------------------------------------------------


def test_installments_split_the_amount_to_the_cent_on_their_dates(a1):
    plan = PaymentPlan(
        amount=D("100.00"), installments=3, frequency="monthly", first_due=date(2026, 1, 31)
    )
    schedule = collections.plan_schedule(plan)
    assert [i.amount for i in schedule] == [D("33.34"), D("33.33"), D("33.33")]
    assert [i.due_on for i in schedule] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
    plan.frequency = "weekly"
    assert [i.due_on for i in collections.plan_schedule(plan)][1] == date(2026, 2, 7)


def test_plan_status_counts_payments_since_the_plan_started(a1):
    account = family_account(a1.family)
    today = provider_today(a1.provider)
    charge(account, "300.00", today - timedelta(days=50))
    pay(account, "10.00", today - timedelta(days=1))  # before the plan: not counted
    plan = collections.create_payment_plan(
        account,
        amount=D("290.00"),
        installments=2,
        frequency="weekly",
        first_due=today,
        actor=director(a1),
    )
    assert collections.active_plan(account) == plan
    status = collections.plan_status(plan, today)
    assert (status.paid, status.due_so_far, status.on_track, status.kept) == (0, 0, True, True)
    next_week = today + timedelta(days=8)
    status = collections.plan_status(plan, next_week)
    assert status.due_so_far == D("290.00") and not status.on_track
    assert status.label == "Behind by $290.00"
    pay(account, "145.00", today)
    status = collections.plan_status(plan, today + timedelta(days=3))
    assert status.paid == D("145.00") and status.on_track
    assert [i.is_paid for i in status.schedule] == [True, False]
    pay(account, "145.00", today + timedelta(days=2))
    status = collections.plan_status(plan, next_week)
    assert status.completed and status.label == "Paid off" and not status.kept


def test_plan_form_starts_at_the_open_balance_and_refuses_more(a1, client):
    account = family_account(a1.family)
    charge(account, "250.00", AS_OF)
    client.force_login(director(a1))
    page = url(a1, "billing_plan_new", account.pk)
    form = client.get(page).context["form"]
    assert form.initial["amount"] == D("250.00")
    first_due = (provider_today(a1.provider) + timedelta(days=7)).isoformat()
    data = {"amount": "300.00", "installments": "3", "frequency": "monthly", "first_due": first_due}
    response = client.post(page, data)
    assert "more than Family a1 owes ($250.00)" in response.content.decode()
    response = client.post(page, {**data, "first_due": "2020-01-01", "amount": "250.00"})
    assert "cannot be due in the past" in response.content.decode()
    response = client.post(page, {**data, "amount": "250.00", "note": "Agreed with Pat"})
    assert response.status_code == 302
    plan = PaymentPlan.objects.get(account=account)
    assert (plan.amount, plan.installments, plan.note) == (D("250.00"), 3, "Agreed with Pat")
    again = client.post(page, {**data, "amount": "100.00"})
    assert "already has a payment plan" in again.content.decode()


def test_plans_page_shows_the_schedule_and_a_plan_can_be_cancelled(world, a1, client):
    account = family_account(a1.family)
    charge(account, "200.00", AS_OF)
    plan = collections.create_payment_plan(
        account,
        amount=D("200.00"),
        installments=2,
        frequency="monthly",
        first_due=provider_today(a1.provider) + timedelta(days=1),
        actor=director(a1),
    )
    client.force_login(a1.users["consultant"])
    body = client.get(url(a1, "billing_plans")).content.decode()
    assert "Family a1" in body and "On track" in body and "$100.00" in body
    assert "Cancel plan" not in body
    assert client.post(url(a1, "billing_plan_cancel", plan.pk)).status_code == 403
    assert client.get(url(a1, "billing_plan_new", account.pk)).status_code == 403
    client.force_login(hub_staff(world))
    response = client.post(url(a1, "billing_plan_cancel", plan.pk), follow=True)
    assert "The payment plan of Family a1 has ended." in response.content.decode()
    plan.refresh_from_db()
    assert not plan.is_active and collections.active_plan(account) is None


# --- write-offs ------------------------------------------------------------------------------


def test_hub_staff_asks_and_only_the_director_approves_a_write_off(world, a1, client):
    account = family_account(a1.family)
    older = charge(account, "100.00", date(2026, 3, 1))
    named = charge(account, "250.00", date(2026, 4, 1))
    client.force_login(hub_staff(world))
    page = url(a1, "billing_writeoff_new", account.pk)
    assert named.pk in dict(client.get(page).context["form"].fields["charge"].choices)
    response = client.post(page, {"charge": named.pk, "amount": "250.00", "reason": "Moved away"})
    assert response.status_code == 302
    request = WriteOffRequest.objects.get()
    assert request.status == WriteOffStatus.PENDING and request.requested_by == hub_staff(world)
    assert not LedgerEntry.objects.filter(kind="write_off").exists()  # nothing until approved
    approve = url(a1, "billing_writeoff_approve", request.pk)
    assert client.post(approve).status_code == 403  # hub staff cannot approve
    assert client.post(url(a1, "billing_writeoff_reject", request.pk)).status_code == 403
    with pytest.raises(PermissionDenied):
        collections.approve_write_off(request, actor=hub_staff(world))

    client.force_login(director(a1))
    body = client.get(url(a1, "billing_writeoffs")).content.decode()
    assert "Moved away" in body and "Approve" in body
    assert 'Write-offs <span class="badge warn">1' in body  # the menu counts what waits
    response = client.post(approve, follow=True)
    assert "Approved: $250.00 written off Family a1." in response.content.decode()
    request.refresh_from_db()
    entry = request.entry
    assert request.status == WriteOffStatus.APPROVED and request.decided_by == director(a1)
    assert request.decided_at is not None
    assert (entry.kind, entry.amount, entry.applies_to, entry.key, entry.reason) == (
        "write_off", D("250.00"), named, f"write-off:{request.pk}", "Moved away"
    )  # fmt: skip
    allocation = allocate(account.entries.all())
    assert allocation.open_amount(named) == 0  # the write-off closed the named charge
    assert allocation.open_amount(older) == D("100.00")  # not the older one
    assert client.post(approve, follow=True).status_code == 200
    assert LedgerEntry.objects.filter(kind="write_off").count() == 1  # approved once


def test_a_write_off_over_what_is_open_is_refused_with_the_amount_that_is(world, a1, client):
    account = family_account(a1.family)
    named = charge(account, "250.00", date(2026, 4, 1))
    pay(account, "100.00", date(2026, 4, 5))
    client.force_login(hub_staff(world))
    page = url(a1, "billing_writeoff_new", account.pk)
    response = client.post(page, {"charge": named.pk, "amount": "200.00", "reason": "Gone"})
    assert response.status_code == 200
    assert (
        "The write-off of $200.00 is more than what is open: $150.00 is open on this charge "
        "(Tuition Apr 1). Enter $150.00 or less." in response.content.decode()
    )
    collections.request_write_off(
        account, amount=D("100.00"), reason="Gone", actor=hub_staff(world)
    )
    with pytest.raises(ValidationError, match=r"\$100.00 of it already waits .* \$50.00 or less"):
        collections.request_write_off(
            account, amount=D("60.00"), reason="Gone", actor=hub_staff(world)
        )
    with pytest.raises(ValidationError) as error:
        collections.request_write_off(account, amount=D("10.00"), reason=" ", actor=director(a1))
    assert "Say why" in str(error.value)
    assert not WriteOffRequest.objects.filter(reason="").exists()


def test_a_directors_own_write_off_is_approved_at_once_and_both_steps_recorded(a1):
    account = family_account(a1.family)
    older = charge(account, "100.00", date(2026, 3, 1))
    newer = charge(account, "100.00", date(2026, 4, 1))
    request = collections.request_write_off(
        account, amount=D("120.00"), reason="Family left the state", actor=director(a1)
    )
    assert request.status == WriteOffStatus.APPROVED
    assert request.requested_by == request.decided_by == director(a1)
    assert request.entry.applies_to is None  # no charge named: the oldest close first
    allocation = allocate(account.entries.all())
    assert allocation.open_amount(older) == 0 and allocation.open_amount(newer) == D("80.00")
    from ccms.core.models import AuditEvent

    reasons = list(
        AuditEvent.objects.filter(object_type="Write off request").values_list("reason", flat=True)
    )
    assert sorted(reasons) == [
        "Write-off approved: Family left the state",
        "Write-off requested: Family left the state",
    ]


def test_a_rejected_write_off_records_who_and_when_and_posts_nothing(world, a1, client):
    account = family_account(a1.family)
    charge(account, "100.00", date(2026, 3, 1))
    request = collections.request_write_off(
        account, amount=D("100.00"), reason="Hardship", actor=hub_staff(world)
    )
    client.force_login(director(a1))
    response = client.post(url(a1, "billing_writeoff_reject", request.pk), follow=True)
    assert "Rejected: $100.00 stays open on Family a1." in response.content.decode()
    request.refresh_from_db()
    assert request.status == WriteOffStatus.REJECTED and request.decided_by == director(a1)
    assert request.decided_at is not None and request.entry is None
    assert not LedgerEntry.objects.filter(kind="write_off").exists()
    with pytest.raises(ValidationError, match="already rejected"):
        collections.approve_write_off(request, actor=director(a1))


def test_approval_rechecks_what_is_still_open(world, a1):
    account = family_account(a1.family)
    named = charge(account, "100.00", date(2026, 3, 1))
    request = collections.request_write_off(
        account, amount=D("100.00"), reason="Hardship", charge=named, actor=hub_staff(world)
    )
    pay(account, "60.00", date(2026, 3, 10))
    with pytest.raises(ValidationError, match="Reject this request"):
        collections.approve_write_off(request, actor=director(a1))


# --- the screenshot --------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_aging_report_reads_on_a_phone_and_a_desktop(world, browser, live_server):
    """Balances in every bucket for several payers. With CCMS_SCREENSHOTS=1 it saves
    docs/screenshots/billing-aging.png (desktop) and billing-aging-phone.png."""
    from ccms.conftest import PASSWORD

    t = world.a1
    today = provider_today(t.provider)
    rows = [
        ("Alvarez family", AccountKind.FAMILY, [(5, "640.00"), (38, "640.00"), (70, "120.00")]),
        ("Brooks family", AccountKind.FAMILY, [(12, "980.00")]),
        ("Chen family", AccountKind.FAMILY, [(95, "310.00"), (64, "310.00"), (33, "310.00")]),
        ("Iowa Child Care Assistance (HHS)", AccountKind.CCA, [(9, "2150.00"), (40, "430.00")]),
        ("Prairie Hospital (employer)", AccountKind.EMPLOYER, [(120, "450.00")]),
        ("Rotary scholarship", AccountKind.SCHOLARSHIP, [(20, "200.00")]),
    ]
    for name, kind, charges in rows:
        if kind == AccountKind.FAMILY:
            family = Family.objects.create(provider=t.provider, name=name)
            account = family_account(family)
        else:
            account = PayerAccount.objects.create(provider=t.provider, kind=kind, name=name)
        for days, amount in charges:
            charge(account, amount, today - timedelta(days=days))
        if name.startswith("Alvarez"):
            pay(account, "300.00", today - timedelta(days=2))
        if name.startswith("Chen"):
            collections.create_payment_plan(
                account,
                amount=D("930.00"),
                installments=3,
                frequency="monthly",
                first_due=today + timedelta(days=3),
                actor=t.users["director"],
            )
    # A write-off waiting for the director puts a count in the menu (it must not widen the page).
    collections.request_write_off(
        account,
        amount=D("50.00"),
        reason="Hardship",
        actor=world.alliance_users[("alpha", Role.HUB_STAFF)],
    )
    out = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
    for name, viewport in (("billing-aging", (1366, 900)), ("billing-aging-phone", (390, 844))):
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, base_url=live_server.url
        )
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill("director@a1.test")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/p/a1/")
        page.goto("/p/a1/billing/aging/")
        assert page.get_by_role("heading", level=1).inner_text() == "A/R aging"
        assert page.locator(".aging-accounts tbody tr").count() == 6
        width = page.evaluate("document.querySelector('.aging-bars .agebar').offsetWidth")
        assert width > 100
        if viewport[0] < 500:
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]
        if os.environ.get("CCMS_SCREENSHOTS") == "1":
            page.screenshot(path=str(out / f"{name}.png"), full_page=True, animations="disabled")
        context.close()
