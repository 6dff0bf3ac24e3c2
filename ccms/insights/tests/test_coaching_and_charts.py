"""Action plan progress read from the metric, the plan's rules, and the SVG charts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ccms.insights import charts, coaching
from ccms.insights.models import ActionPlan


def plan(metric="fee_collection_rate.total", baseline="0.90", target="0.98", due=30, status="open"):
    return ActionPlan(
        title="Collect",
        metric=metric,
        baseline=Decimal(baseline),
        target=Decimal(target),
        due_on=timezone.localdate() + timedelta(days=due),
        status=status,
    )


@pytest.mark.parametrize(
    ("made", "current", "percent", "state"),
    [
        (plan(), "0.94", 50, "In progress"),
        (plan(), "0.98", 100, "Target met"),
        (plan(), "0.99", 100, "Target met"),
        (plan(), "0.85", 0, "Moved away from the target"),
        (plan(due=-1), "0.94", 50, "Overdue"),
        (plan(status="done"), "0.94", 50, "Done"),
        # lower is better: bad debt from 4% to 2%
        (plan("bad_debt_rate", "0.04", "0.02"), "0.03", 50, "In progress"),
        (plan("bad_debt_rate", "0.04", "0.02"), "0.015", 100, "Target met"),
        (plan("bad_debt_rate", "0.04", "0.02"), "0.05", 0, "Moved away from the target"),
        (plan(), None, 0, "In progress"),
    ],
)
def test_progress_is_read_from_the_metric(made, current, percent, state):
    figures = {} if current is None else {"fee_collection_rate": {"total": current}}
    figures["bad_debt_rate"] = current
    progress = coaching.progress_of([made], figures if current else None, None)[0]
    assert (progress.percent, progress.state) == (percent, state)


def test_a_plan_needs_an_owner_of_the_provider_a_known_metric_and_a_future_date(world):
    a1 = world.a1
    consultant = a1.users["consultant"]
    with pytest.raises(ValidationError) as error:
        coaching.create_plan(
            provider=a1.provider,
            title="X",
            metric="happiness",
            target=Decimal(1),
            due_on=date(2020, 1, 1),
            owner=world.b1.users["director"],
            baseline=None,
            actor=consultant,
        )
    assert set(error.value.message_dict) == {"metric", "owner", "due_on"}
    made = coaching.create_plan(
        provider=a1.provider,
        title="Fill the toddler room",
        metric="enrollment_efficiency_staffed",
        target=Decimal("0.95"),
        due_on=timezone.localdate() + timedelta(days=60),
        owner=a1.users["director"],
        baseline=Decimal("0.80"),
        actor=consultant,
    )
    assert made.pk and made.created_by == consultant


def test_a_note_needs_words(world):
    with pytest.raises(ValidationError):
        coaching.add_note(provider=world.a1.provider, author=world.a1.users["consultant"], body=" ")


def money(v):
    return f"${v}"


def test_a_line_chart_has_a_title_markers_by_series_gaps_and_escaped_labels():
    svg = charts.line_chart(
        chart_id="t",
        title="FTE <trend>",
        description="d",
        labels=["Jan", "Feb", "Mar", "Apr"],
        series=[
            charts.Series("A & B", [1, None, 3, 4], 0),
            charts.Series("C", [2, 2, 2, 2], 1),
        ],
        fmt=str,
        guides=[(3, "target")],
    )
    assert 'role="img"' in svg and '<title id="t-t">FTE &lt;trend&gt;</title>' in svg
    assert "A &amp; B" in svg and "<trend>" not in svg
    assert svg.count('<polyline class="line s0"') == 2  # the gap splits the line
    assert '<circle class="mark s0"' in svg and '<rect class="mark s1"' in svg
    assert 'stroke-dasharray="7 4"' in svg  # the second series is dashed
    assert ">target</text>" in svg and ">4</text>" in svg  # guide and the last value written


def test_a_bar_chart_writes_each_value_and_fills_with_patterns():
    svg = charts.bar_chart(
        chart_id="b",
        title="Cost",
        description="d",
        groups=["Infant", "Preschool"],
        series=[charts.Series("Revenue", [1000, 900], 0), charts.Series("Cost", [1200, None], 1)],
        fmt=money,
    )
    assert "$1200" in svg and "$900" in svg and "—" in svg
    assert 'fill="url(#b-p1)"' in svg and '<pattern id="b-p1"' in svg


def test_break_even_and_sparklines_say_what_they_show():
    svg = charts.break_even_chart(
        chart_id="e",
        fixed=Decimal(6000),
        variable_per_child=Decimal(200),
        revenue_per_child=Decimal(1000),
        capacity=20,
        fte_now=Decimal(10),
        break_even=Decimal("7.5"),
        money=money,
        fte_fmt=str,
    )
    assert "They meet at 7.5 FTE" in svg and "Break-even 7.5" in svg and "Now 10" in svg
    assert "no history yet" in charts.sparkline([None, None], label="X", fmt=str)
    spark = charts.sparkline([Decimal(1), None, Decimal(3)], label="FTE", fmt=str)
    assert 'aria-label="FTE: 1 to 3 over 3 months"' in spark


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [(0, 100, [0, 25, 50, 75, 100]), (0, 7, [0, 2, 4, 6, 8]), (72, 98, [70, 80, 90, 100])],
)
def test_nice_ticks(low, high, ticks):
    assert charts.nice_ticks(low, high) == ticks
