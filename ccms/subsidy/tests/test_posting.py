"""What a submitted period posts to the billing ledger, what a recall reverses, and the state's
payments on the CCA payer account."""

from datetime import timedelta
from decimal import Decimal

from ccms.billing.accounts import cca_account, family_account
from ccms.billing.ledger import balance
from ccms.billing.models import LedgerEntry
from ccms.subsidy import posting, services
from ccms.subsidy.models import Authorization

D = Decimal


def entries(**filters):
    return list(
        LedgerEntry.objects.filter(**filters)
        .order_by("id")
        .values_list("kind", "category", "amount", "key")
    )


def test_a_submitted_period_charges_the_state_and_the_families(cca):
    Authorization.objects.filter(pk=cca.authorization.pk).update(
        difference_agreement_signed_on=cca.period.start - timedelta(days=10)
    )
    submission = services.submit_period(
        provider=cca.provider, period=cca.period, actor=cca.director
    )
    state = cca_account(cca.provider)
    assert balance(state) == D("190.68") == submission.state_amount
    key = f"cca:{cca.period.start:%Y-%m-%d}:1:{cca.child.pk}"
    assert entries(account=family_account(cca.child.family)) == [
        ("charge", "cca_family_fee", D("0.60"), f"{key}:fee"),
        # (30.00 - 25.66) x 3 units under the agreement signed before the period
        ("charge", "cca_difference", D("13.02"), f"{key}:difference"),
    ]
    assert entries(account=family_account(cca.other.family)) == [
        (
            "charge",
            "cca_family_fee",
            D("2.70"),
            f"cca:{cca.period.start:%Y-%m-%d}:1:{cca.other.pk}:fee",
        )
    ]
    state_charges = LedgerEntry.objects.filter(account=state)
    assert {e.child_id for e in state_charges} == {cca.child.pk, cca.other.pk}
    assert all(e.family_id is not None for e in state_charges)
    line = submission.lines.get(child=cca.child)
    assert line.state_entry_id and line.family_fee_entry_id and line.difference_entry_id


def test_posting_a_submission_again_charges_nothing_twice(cca):
    submission = services.submit_period(
        provider=cca.provider, period=cca.period, actor=cca.director
    )
    count = LedgerEntry.objects.count()
    posting.post_submission(submission, actor=cca.director)
    assert LedgerEntry.objects.count() == count


def test_a_recall_reverses_the_charges_and_the_resubmission_posts_the_new_amounts(cca):
    first = services.submit_period(provider=cca.provider, period=cca.period, actor=cca.director)
    services.recall_submission(submission=first, actor=cca.director, reason="Wrong check-out")
    state, family = cca_account(cca.provider), family_account(cca.child.family)
    assert balance(state) == 0 and balance(family) == 0
    reversals = LedgerEntry.objects.filter(kind="reversal")
    assert reversals.count() == 4 and all(r.key.endswith(":reversal") for r in reversals)
    assert all("Wrong check-out" in r.reason for r in reversals)
    cca.child.presences.order_by("service_date").first().delete()
    second = services.submit_period(provider=cca.provider, period=cca.period, actor=cca.director)
    assert second.number == 2
    assert balance(state) == second.state_amount == D("190.68") - D("25.46")
    assert balance(family) == D("0.40")


def test_the_states_payment_is_a_payment_on_the_cca_account(cca):
    services.submit_period(provider=cca.provider, period=cca.period, actor=cca.director)
    payments = services.record_state_payments(
        provider=cca.provider,
        period=cca.period,
        lines=[
            services.PaymentLine(cca.child, D("76.38")),
            services.PaymentLine(cca.other, D("114.30")),
        ],
        paid_on=cca.today,
        reference="W-555",
        actor=cca.director,
    )
    state = cca_account(cca.provider)
    assert balance(state) == 0
    payment = LedgerEntry.objects.get(pk=payments[0].ledger_entry_id)
    assert (payment.kind, payment.category, payment.method, payment.reference) == (
        "payment",
        "cca",
        "state",
        "W-555",
    )
    assert payment.key == f"cca:payment:{payments[0].pk}" and payment.child_id == cca.child.pk
