"""The metrics benchmark on a tiny seeded alliance: the money it seeds, the figures it times,
and the SQL aggregate it compares them with (which must read the same rows)."""

from datetime import date

from ccms.core.seed import seed_alliance
from ccms.insights.bench import metrics_benchmark, seed_money, sql_aggregate
from ccms.insights.models import Expense

TODAY = date(2026, 3, 10)


def test_the_alliance_metrics_benchmark_and_its_baseline(db):
    seeded = seed_alliance(providers=3, children=24, months=2, seed=5, today=TODAY)
    written = seed_money(seeded.alliance, months=2, today=TODAY)
    assert written > 24 * 2 and Expense.objects.exists()
    assert seed_money(seeded.alliance, months=2, today=TODAY) == 0  # seeded once
    result = metrics_benchmark(seeded.alliance, today=TODAY, name="alliance_metrics_3")
    assert result["providers"] == 3 and result["month"] == "2026-02"
    assert result["queries"] <= 12  # a fixed number per batch of providers, whatever their size
    assert result["baseline_queries"] == 1 and result["ratio"] > 0
    rows = sql_aggregate(seeded.alliance, date(2026, 2, 1), date(2026, 2, 28))
    assert len(rows) == 3 and all(row[1] > 0 for row in rows)
