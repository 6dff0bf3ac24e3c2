"""The billing benchmark and the billing data of `ccms seed`: every seeded enrollment has a price,
the large center's run posts a charge per child, and the set-based baseline inserts the same
charges (so the ratio compares equal work)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from ccms.billing.bench import BASELINE_KEY, billing_run_benchmark
from ccms.billing.models import LedgerEntry
from ccms.core.seed import seed_alliance, weekly_tuition
from ccms.enrollment.models import Enrollment
from ccms.families.models import Child, Family
from ccms.tenancy.models import Classroom

TODAY = date(2026, 3, 10)


def seed(large_center: int):
    return seed_alliance(
        providers=2, children=10, months=1, seed=11, today=TODAY, large_center=large_center
    )


def test_seeded_enrollments_are_priced_by_classroom_and_schedule(db):
    seeded = seed(large_center=30)
    enrollments = Enrollment.objects.filter(provider__alliance=seeded.alliance)
    assert enrollments.count() == seeded.enrollments == 40
    assert not enrollments.filter(tuition_amount__isnull=True).exists()
    assert set(enrollments.values_list("tuition_frequency", flat=True)) == {"weekly"}
    large = seeded.large_center
    assert (seeded.providers, seeded.children) == (3, 40)
    assert Child.objects.filter(provider=large).count() == 30
    assert Family.objects.filter(provider=large).count() == 24  # one family in five has two
    infants = Classroom(min_age_months=0, max_age_months=17)
    school_age = Classroom(min_age_months=60, max_age_months=144)
    home = Classroom(min_age_months=0, max_age_months=144)
    assert weekly_tuition(infants, "MTWRF") == Decimal("318.00")
    assert weekly_tuition(infants, "MWF") == Decimal("192.00")
    assert weekly_tuition(school_age, "MTWRF") == Decimal("165.00")
    assert weekly_tuition(home, "MTWRF") == Decimal("201.00")


def test_the_benchmark_posts_a_charge_per_child_and_its_baseline_the_same_charges(db):
    seeded = seed(large_center=25)
    large = seeded.large_center
    result = billing_run_benchmark(large, today=TODAY)
    assert result["name"] == "billing_run_10k_children"
    assert result["children"] == result["charges"] == 25
    assert result["value"] > 0 and result["baseline_value"] > 0 and result["ratio"] > 0
    assert result["queries"] > 0 and result["baseline_queries"] == 1
    run_charges = {
        (e.child_id, e.account_id, e.amount, e.description.split(", ", 1)[1])
        for e in LedgerEntry.objects.filter(provider=large, billing_run__isnull=False)
    }
    baseline = LedgerEntry.objects.filter(provider=large, key__startswith=BASELINE_KEY)
    assert {
        (e.child_id, e.account_id, e.amount, e.description.split(", ", 1)[1]) for e in baseline
    } == run_charges
    assert {(e.on, e.due_on, e.kind, e.category) for e in baseline} == {
        (date(2026, 5, 1), date(2026, 5, 11), "charge", "tuition")
    }
    assert sum(e.amount for e in baseline) == Decimal(result["amount"])


def test_seeding_again_replaces_the_alliance_with_its_ledger(db):
    first = seed(large_center=5)
    billing_run_benchmark(first.large_center, today=TODAY)
    assert LedgerEntry.objects.count() == 10
    again = seed(large_center=5)
    assert LedgerEntry.objects.count() == 0
    assert Child.objects.filter(provider__alliance=again.alliance).count() == 15
    if connection.vendor == "postgresql":
        # The teardown lifted the append-only trigger for its own transaction only.
        billing_run_benchmark(again.large_center, today=TODAY)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM billing_ledgerentry")
