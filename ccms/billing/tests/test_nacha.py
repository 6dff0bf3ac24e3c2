"""The autopay run's NACHA file and the bank's return file."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from ccms.billing import autopay, ledger, nacha
from ccms.billing.accounts import billing_settings, family_account
from ccms.billing.models import AchBatch, AchEntry, EntryKind, LedgerEntry
from ccms.families.models import Family, Guardian

RUN_DAY = date(2026, 3, 6)  # a Friday: the debits take effect on Monday
ROUTINGS = ["021000021", "011000015", "111000025", "073000228", "091000019"]


def ach_ready(provider):
    settings = billing_settings(provider)
    settings.ach_company_name = "Provider A1 LLC"
    settings.ach_company_id = "1420000001"
    settings.ach_bank_name = "First Prairie Bank"
    settings.ach_odfi_routing = "073000228"
    settings.ach_settlement_account = "9988776655"
    settings.nsf_fee = Decimal("30.00")
    settings.save()
    return settings


def autopay_families(tenant, count=5, owed=("612.50", "480.00", "1210.75", "95.10", "300.00")):
    """`count` families, each owing an amount and paying by bank debit."""
    accounts = []
    for i in range(count):
        family = Family.objects.create(provider=tenant.provider, name=f"Autopay family {i}")
        Guardian.objects.create(
            provider=tenant.provider,
            family=family,
            first_name=f"Parent{i}",
            last_name="Payer",
            email=f"parent{i}@example.org",
        )
        account = family_account(family)
        ledger.post(
            account,
            kind="charge",
            amount=owed[i],
            on=date(2026, 3, 1),
            key=f"tuition:{i}",
            actor=None,
            category="tuition",
        )
        autopay.set_up_ach(
            account,
            holder_name=f"Parent{i} Payer",
            routing_number=ROUTINGS[i],
            account_number=f"00012345{i}",
            account_type="savings" if i == 3 else "checking",
            accepted=True,
            actor=tenant.users["guardian"],
        )
        accounts.append(account)
    return accounts


@pytest.fixture
def demo_run(world):
    tenant = world.a1
    ach_ready(tenant.provider)
    accounts = autopay_families(tenant)
    result = autopay.run_autopay(tenant.provider, RUN_DAY, tenant.users["director"])
    return tenant, accounts, result


def test_routing_numbers_are_checked_by_their_check_digit():
    assert nacha.routing_is_valid("021000021")
    assert not nacha.routing_is_valid("021000022")
    assert not nacha.routing_is_valid("02100002")
    assert not nacha.routing_is_valid("02100002a")


def test_an_autopay_run_makes_one_well_formed_balanced_file(demo_run):
    tenant, accounts, result = demo_run
    batch = result.batch
    assert result.ach_count == 5 and result.ach_total == Decimal("2698.35")
    assert batch.effective_date == date(2026, 3, 9)
    assert nacha.check(batch.file_text) == []
    lines = batch.file_text.splitlines()
    assert all(len(line) == 94 for line in lines)
    # 1 + 5 + six entries + 8 + 9: exactly one block of ten, no padding needed.
    assert len(lines) == 10 and lines[-1][:7] == "9000001" and lines[-1][7:13] == "000001"
    assert lines[0][0] == "1" and lines[1][0] == "5" and lines[1][50:53] == "PPD"
    assert lines[1][1:4] == "200"
    entries = [line for line in lines if line[0] == "6"]
    codes = [line[1:3] for line in entries]
    assert codes == ["22", "27", "27", "27", "37", "27"]  # the balancing credit first
    # The balancing credit goes to the provider's own account for the total.
    assert entries[0][3:12] == "073000228" and entries[0][12:29].strip() == "9988776655"
    assert int(entries[0][29:39]) == 269835
    # Trace numbers: the bank's 8 digits and a sequence, ascending.
    traces = [line[79:94] for line in entries]
    assert all(t.startswith("07300022") for t in traces) and traces == sorted(traces)
    control = next(line for line in lines if line[0] == "8")
    expected_hash = sum(int(r[:8]) for r in [*ROUTINGS, "073000228"]) % 10**10
    assert int(control[10:20]) == expected_hash
    assert int(control[20:32]) == int(control[32:44]) == 269835
    # Every debit is a payment on its account, with the entry's trace number.
    for account in accounts:
        assert ledger.balance(account) == 0
        entry = AchEntry.objects.get(account=account)
        assert entry.payment.method == "ach" and entry.payment.reference == entry.trace_number
        assert entry.payment.key == f"ach:{batch.pk}:{account.pk}"
        assert entry.trace_number in batch.file_text


def test_running_autopay_again_the_same_day_debits_nothing_twice(demo_run):
    tenant, accounts, _ = demo_run
    again = autopay.run_autopay(tenant.provider, RUN_DAY, None)
    assert again.batch is None and again.ach_count == 0
    assert AchBatch.objects.filter(provider=tenant.provider).count() == 1
    # A new charge the same day goes into a second file with the next file ID modifier.
    ledger.post(accounts[0], kind="charge", amount="10.00", on=RUN_DAY, key="late", actor=None)
    third = autopay.run_autopay(tenant.provider, RUN_DAY, None)
    assert third.ach_count == 1 and third.batch.file_id_modifier == "B"
    assert nacha.check(third.batch.file_text) == []
    first_traces = set(
        AchEntry.objects.exclude(batch=third.batch).values_list("trace_number", flat=True)
    )
    assert third.batch.entries.get().trace_number not in first_traces


def test_the_checker_finds_broken_files(demo_run):
    _, _, result = demo_run
    text = result.batch.file_text
    lines = text.splitlines()
    short = "\n".join([lines[0][:93], *lines[1:]])
    assert any("93 characters" in p for p in nacha.check(short))
    # Change one debit's amount: the batch no longer balances and the totals disagree.
    i = next(i for i, line in enumerate(lines) if line[:3] == "627")
    changed = lines[i][:29] + str(int(lines[i][29:39]) + 1).zfill(10) + lines[i][39:]
    problems = nacha.check("\n".join([*lines[:i], changed, *lines[i + 1 :]]))
    assert any("not balanced" in p for p in problems)
    assert any("total debits" in p for p in problems)
    # An extra padding record breaks the blocking.
    assert any("multiple of 10" in p for p in nacha.check(text + "9" * 94 + "\n"))


def test_autopay_needs_the_providers_bank_details(world):
    autopay_families(world.a1, count=1)
    with pytest.raises(ValidationError, match="routing number"):
        autopay.run_autopay(world.a1.provider, RUN_DAY, None)


def test_a_return_file_reverses_exactly_the_returned_payments(
    demo_run, django_capture_on_commit_callbacks
):
    tenant, accounts, result = demo_run
    batch = result.batch
    entries = list(batch.entries.order_by("pk"))
    returned = {entries[1].trace_number: "R01", entries[3].trace_number: "R02"}
    text = nacha.build_return_file(batch, returned, billing_settings(tenant.provider))
    assert nacha.check(text) == []
    with django_capture_on_commit_callbacks(execute=True):
        outcome = nacha.process_returns(
            tenant.provider, text, actor=tenant.users["director"], base_url="https://x.test"
        )
    assert {e.trace_number for e in outcome.returned} == set(returned)
    assert outcome.nsf_fees == 2
    for entry in entries:
        entry.refresh_from_db()
        payment = entry.payment
        reversal = LedgerEntry.objects.filter(reverses=payment).first()
        if entry.trace_number in returned:
            assert reversal is not None and entry.return_code == returned[entry.trace_number]
            fee = LedgerEntry.objects.get(key=f"nsf:{payment.pk}")
            assert fee.category == "nsf" and fee.amount == Decimal("30.00")
            assert ledger.balance(entry.account) == entry.amount + Decimal("30.00")
        else:
            assert reversal is None and entry.return_code == ""
            assert ledger.balance(entry.account) == 0
    r01 = LedgerEntry.objects.get(reverses=entries[1].payment)
    assert r01.reason == "ACH return R01: Insufficient funds"
    # R02 (account closed) ends the authorization; R01 does not.
    entries[1].mandate.refresh_from_db()
    entries[3].mandate.refresh_from_db()
    assert entries[1].mandate.is_active and not entries[3].mandate.is_active
    # The two payers and the director are told.
    to = sorted(address for m in mail.outbox for address in m.to)
    assert to == ["director@a1.test", "parent1@example.org", "parent3@example.org"]
    payer_mail = next(m for m in mail.outbox if m.to == ["parent1@example.org"])
    assert "insufficient funds" in payer_mail.body and "$30.00" in payer_mail.body
    assert f"https://x.test/p/a1/billing/pay/{entries[1].account_id}/" in payer_mail.body


def test_processing_the_same_return_file_twice_changes_nothing(
    demo_run, django_capture_on_commit_callbacks
):
    tenant, _, result = demo_run
    entry = result.batch.entries.first()
    text = nacha.build_return_file(
        result.batch, {entry.trace_number: "R01"}, billing_settings(tenant.provider)
    )
    with django_capture_on_commit_callbacks(execute=True):
        nacha.process_returns(tenant.provider, text, actor=None)
    count, sent = LedgerEntry.objects.count(), len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = nacha.process_returns(tenant.provider, text, actor=None)
    assert again.returned == [] and len(again.already) == 1
    assert LedgerEntry.objects.count() == count and len(mail.outbox) == sent
    assert LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1


def test_a_return_for_another_providers_trace_is_left_alone(demo_run, world):
    tenant, _, result = demo_run
    entry = result.batch.entries.first()
    text = nacha.build_return_file(
        result.batch, {entry.trace_number: "R01"}, billing_settings(tenant.provider)
    )
    outcome = nacha.process_returns(world.a2.provider, text, actor=None)
    assert outcome.returned == [] and len(outcome.unknown) == 1
    assert not LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).exists()


def test_a_file_that_is_not_a_return_file_is_refused_with_the_reason(world):
    with pytest.raises(ValidationError, match="not an ACH file"):
        nacha.process_returns(world.a1.provider, "hello\n", actor=None)


# --- the pages and the command line -------------------------------------------------------------


def test_the_ach_page_lists_files_and_the_director_downloads_one(client, demo_run):
    tenant, _, result = demo_run
    client.force_login(tenant.users["director"])
    page = client.get(reverse("billing_ach", args=["a1"]))
    assert page.status_code == 200 and b"2,698.35" in page.content
    assert b"Autopay family 0" in page.content  # the autopay accounts
    download = client.get(reverse("billing_ach_file", args=["a1", result.batch.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith(
        'attachment; filename="ach-a1-20260309-A.txt"'
    )
    assert download.content.decode() == result.batch.file_text
    detail = client.get(reverse("billing_ach_batch", args=["a1", result.batch.pk]))
    assert detail.status_code == 200 and b"Checked" in detail.content
    assert b"000123450" not in detail.content  # bank account numbers are never shown


def test_consultants_see_the_files_but_cannot_download_account_numbers(client, demo_run):
    tenant, _, result = demo_run
    client.force_login(tenant.users["consultant"])
    assert client.get(reverse("billing_ach", args=["a1"])).status_code == 200
    assert client.get(reverse("billing_ach_file", args=["a1", result.batch.pk])).status_code == 403
    assert client.post(reverse("billing_autopay_run", args=["a1"])).status_code == 403


def test_uploading_a_return_file_reverses_the_payment(
    client, demo_run, django_capture_on_commit_callbacks
):
    tenant, _, result = demo_run
    entry = result.batch.entries.first()
    text = nacha.build_return_file(
        result.batch, {entry.trace_number: "R01"}, billing_settings(tenant.provider)
    )
    client.force_login(tenant.users["director"])
    upload = SimpleUploadedFile("returns.ach", text.encode(), content_type="text/plain")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("billing_ach_returns", args=["a1"]), {"file": upload}, follow=True
        )
    assert b"1 payment(s) returned and reversed" in response.content
    entry.refresh_from_db()
    assert entry.return_code == "R01"
    bad = SimpleUploadedFile("x.txt", b"not a file", content_type="text/plain")
    response = client.post(reverse("billing_ach_returns", args=["a1"]), {"file": bad}, follow=True)
    assert b"not an ACH file" in response.content


def test_the_run_button_makes_the_file(client, world):
    ach_ready(world.a1.provider)
    autopay_families(world.a1, count=2)
    client.force_login(world.a1.users["director"])
    response = client.post(reverse("billing_autopay_run", args=["a1"]), follow=True)
    assert b"Autopay for" in response.content
    batch = AchBatch.objects.get()
    assert batch.entry_count == 2 and nacha.check(batch.file_text) == []


def test_the_run_button_says_what_bank_details_are_missing(client, world):
    autopay_families(world.a1, count=1)
    client.force_login(world.a1.users["director"])
    response = client.post(reverse("billing_autopay_run", args=["a1"]), follow=True)
    assert b"routing number" in response.content and not AchBatch.objects.exists()


def test_ccms_billing_autopay_runs_from_the_command_line(world):
    ach_ready(world.a1.provider)
    autopay_families(world.a1, count=3)
    out = StringIO()
    call_command(
        "billing", "autopay", "--provider", "a1", "--date", "2026-03-06", "--json", stdout=out
    )
    result = json.loads(out.getvalue())
    assert result["ach_debits"] == 3 and result["ach_effective_date"] == "2026-03-09"
    again = StringIO()
    call_command("billing", "autopay", "--provider", "a1", "--date", "2026-03-06", stdout=again)
    assert "no bank debits due" in again.getvalue()
    with pytest.raises(CommandError, match="No provider"):
        call_command("billing", "autopay", "--provider", "nope")


def test_the_autopay_task_runs_the_same_service(world):
    from ccms.core import tasks

    ach_ready(world.a1.provider)
    autopay_families(world.a1, count=1)
    task = tasks.enqueue("billing.run_autopay", provider_id=world.a1.provider.pk, on="2026-03-06")
    assert task.status == "done" and AchBatch.objects.get().entry_count == 1
