"""What the insights pages show, built from the metrics JSON of each month: the three sides of the
triangle with their status, the charts and the tables beside them. Views stay thin; the PDF report
and the exports use the same builders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ccms.insights import charts, costs, display, metrics, queries
from ccms.insights.display import dollars, percent
from ccms.insights.metrics import AGE_GROUP_LABELS, AGE_GROUPS, AGING_BUCKETS, PAYERS
from ccms.insights.queries import Month, value_at

PAYER_LABELS = {"family": "Families", "cca": "CCA (state)", "other": "Other payers"}
SIDE_TITLES = {
    "enrollment": "Full enrollment",
    "fee_collection": "Full fee collection",
    "cost_coverage": "Revenue covers cost per child",
}


def _d(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _pct_points(value) -> Decimal | None:
    return None if value is None else Decimal(value) * 100


def pct_label(value) -> str:
    return f"{Decimal(value):.0f}%" if value is not None else "—"


def usd_label(value) -> str:
    return display.dollars(value, cents=False)


def fte_label(value) -> str:
    return f"{Decimal(value):.1f}".rstrip("0").rstrip(".") if value is not None else "—"


def age_groups(data: dict) -> list[tuple[str, dict]]:
    """The figures' age groups, youngest first (a frozen month's JSON keeps no key order)."""
    found = data.get("by_age_group", {})
    return [(g, found[g]) for g in AGE_GROUPS if g in found]


def day_label(day) -> str:
    return f"{day:%b} {day.day}"


def short_month(month: Month) -> str:
    return f"{month.first:%b}"


@dataclass
class SideCard:
    key: str
    title: str
    status: str | None
    headline: str
    headline_label: str
    details: list[str]
    spark: str

    @property
    def word(self) -> str:
        return display.status_word(self.status)

    @property
    def css(self) -> str:
        return display.status_class(self.status)

    @property
    def mark(self) -> str:
        return display.status_mark(self.status)


def side_cards(month: Month, trend: list[Month], collected_today: dict | None = None):
    """The three sides. `collected_today` (the month's metrics as of today, for a frozen
    month) adds how much of its charges has been collected since it was frozen."""
    d = month.data
    status = d["status"]

    def series(path, convert=_d):
        return [convert(value_at(m.data, path)) if m.has_data else None for m in trend]

    enrollment = SideCard(
        "enrollment",
        SIDE_TITLES["enrollment"],
        status["enrollment"],
        display.percent(d["enrollment_efficiency_staffed"]),
        "of staffed capacity filled",
        [
            f"{d['fte_enrolled']} FTE enrolled of {d['staffed_capacity']} staffed seats "
            f"({d['licensed_capacity']} licensed: "
            f"{display.percent(d['enrollment_efficiency_licensed'])})",
            f"{d['vacancies']} vacancies",
        ],
        charts.sparkline(
            series("enrollment_efficiency_staffed", _pct_points),
            label="Enrollment efficiency",
            fmt=lambda v: f"{v:.1f}%",
        ),
    )
    rates = d["fee_collection_rate"]
    collection = SideCard(
        "fee_collection",
        SIDE_TITLES["fee_collection"],
        status["fee_collection"],
        display.percent(rates["total"]),
        f"of the month's charges collected by {day_label(month.figures.as_of)}",
        [
            f"{display.dollars(d['collected']['total'])} of "
            f"{display.dollars(d['billed']['total'])} billed",
            f"Families {display.percent(rates['family'])}, CCA {display.percent(rates['cca'])}, "
            f"bad debt {display.percent(d['bad_debt_rate'])}",
            *(
                [
                    f"By {day_label(date.fromisoformat(collected_today['as_of']))}: "
                    f"{display.percent(collected_today['fee_collection_rate']['total'])} "
                    "collected"
                ]
                if collected_today
                else []
            ),
        ],
        charts.sparkline(
            series("fee_collection_rate.total", _pct_points),
            label="Fee collection rate",
            fmt=lambda v: f"{v:.1f}%",
        ),
    )
    coverage = SideCard(
        "cost_coverage",
        SIDE_TITLES["cost_coverage"],
        status["cost_coverage"],
        display.dollars(d["revenue_per_child"]),
        f"revenue per child against a cost of {display.dollars(d['cost_per_child'])}",
        [
            f"Net income {display.dollars(d['net_income'])}",
            (
                f"Break-even at {d['break_even_fte']} FTE "
                f"({display.percent(d['break_even_enrollment'])} of licensed capacity)"
                if d["break_even_fte"] is not None
                else "No break-even: revenue per child does not cover the per-child costs"
            ),
        ],
        charts.sparkline(series("net_income"), label="Net income", fmt=usd_label),
    )
    return [enrollment, collection, coverage]


@dataclass
class TableData:
    """A table as pages, CSV, Excel and PDF show it."""

    name: str
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)

    @property
    def cells(self) -> list[list[tuple[str, object, bool]]]:
        """Each row as (column heading, value, is a number) for the page's table."""
        return [
            [(self.header[i], value, i in self.numeric) for i, value in enumerate(row)]
            for row in self.rows
        ]


def trend_table(trend: list[Month]) -> TableData:
    table = TableData(
        "trend",
        "Twelve months",
        [
            "Month",
            "FTE enrolled",
            "Staffed capacity",
            "Licensed capacity",
            "Vacancies",
            "Efficiency (staffed)",
            "Billed",
            "Fee collection",
            "Bad debt",
            "Cost per child",
            "Revenue per child",
            "Net income",
            "Frozen",
        ],
        numeric=set(range(1, 12)),
    )
    for m in trend:
        d = m.data
        table.rows.append(
            [
                m.label,
                d["fte_enrolled"],
                d["staffed_capacity"],
                d["licensed_capacity"],
                d["vacancies"],
                display.percent(d["enrollment_efficiency_staffed"]),
                display.dollars(d["billed"]["total"]),
                display.percent(d["fee_collection_rate"]["total"]),
                display.percent(d["bad_debt_rate"]),
                display.dollars(d["cost_per_child"]),
                display.dollars(d["revenue_per_child"]),
                display.dollars(d["net_income"]),
                (
                    ("restated" if m.original else "yes")
                    if m.closed
                    else f"no, to {day_label(m.figures.as_of)}"
                ),
            ]
        )
    return table


def summary_table(month: Month) -> TableData:
    d = month.data
    rows = [
        ["Operating days", d["operating_days"]],
        ["FTE enrolled", d["fte_enrolled"]],
        ["Licensed capacity", d["licensed_capacity"]],
        ["Staffed capacity", d["staffed_capacity"]],
        ["Enrollment efficiency (licensed)", display.percent(d["enrollment_efficiency_licensed"])],
        ["Enrollment efficiency (staffed)", display.percent(d["enrollment_efficiency_staffed"])],
        ["Vacancies", d["vacancies"]],
    ]
    for payer in PAYERS:
        rows.append([f"Billed, {PAYER_LABELS[payer].lower()}", display.dollars(d["billed"][payer])])
    rows.append(["Billed, total", display.dollars(d["billed"]["total"])])
    for payer in PAYERS:
        rows.append(
            [
                f"Fee collection, {PAYER_LABELS[payer].lower()}",
                display.percent(d["fee_collection_rate"][payer]),
            ]
        )
    rows += [
        ["Collected, total", display.dollars(d["collected"]["total"])],
        ["Fee collection rate", display.percent(d["fee_collection_rate"]["total"])],
        ["Bad debt rate", display.percent(d["bad_debt_rate"])],
        ["Expenses", display.dollars(d["expenses"])],
        ["Fixed expenses", display.dollars(d.get("expenses_fixed"))],
        ["Variable (per-child) expenses", display.dollars(d.get("expenses_variable"))],
        ["Cost per child", display.dollars(d["cost_per_child"])],
        ["Revenue per child", display.dollars(d["revenue_per_child"])],
        ["Break-even FTE", display.number(d["break_even_fte"])],
        ["Break-even enrollment", display.percent(d["break_even_enrollment"])],
        ["Net income", display.dollars(d["net_income"])],
    ]
    for side, title in SIDE_TITLES.items():
        rows.append([f"Status: {title.lower()}", display.status_word(d["status"][side])])
    return TableData("summary", f"{month.label}: the figures", ["Figure", "Value"], rows, {1})


def age_group_table(month: Month, *, compact: bool = False) -> TableData:
    """By age group; the compact form (for a card) leaves out capacity and vacancies."""
    header = [
        "Age group",
        "FTE enrolled",
        "Staffed capacity",
        "Vacancies",
        "Cost per child",
        "Revenue per child",
        "Revenue less cost",
    ]
    keep = [0, 1, 4, 5, 6] if compact else list(range(len(header)))
    table = TableData(
        "age_groups",
        "By age group",
        [header[i] for i in keep],
        numeric=set(range(1, len(keep))),
    )
    for group, values in age_groups(month.data):
        cost, revenue = values["cost_per_child"], values["revenue_per_child"]
        gap = (
            display.dollars(Decimal(revenue) - Decimal(cost))
            if cost is not None and revenue is not None
            else "—"
        )
        row = [
            AGE_GROUP_LABELS[group],
            values["fte_enrolled"],
            values.get("staffed_capacity", "—"),
            values.get("vacancies", "—"),
            display.dollars(cost),
            display.dollars(revenue),
            gap,
        ]
        table.rows.append([row[i] for i in keep])
    return table


def classroom_table(month: Month) -> TableData:
    table = TableData(
        "classrooms",
        "By classroom",
        ["Classroom", "Age group", "FTE enrolled", "Staffed capacity", "Licensed", "Vacancies"],
        numeric={2, 3, 4, 5},
    )
    rooms = month.data.get("by_classroom", {}).values()
    order = {g: n for n, g in enumerate(AGE_GROUPS)}
    for values in sorted(rooms, key=lambda r: (order.get(r["age_group"], 9), r["name"])):
        table.rows.append(
            [
                values["name"],
                AGE_GROUP_LABELS[values["age_group"]],
                values["fte_enrolled"],
                values["staffed_capacity"],
                values["licensed_capacity"],
                values["vacancies"],
            ]
        )
    return table


def aging_table(month: Month) -> TableData:
    table = TableData(
        "aging",
        f"Open charges by age on {day_label(month.figures.as_of)}, {month.figures.as_of.year}",
        ["Payer", *[f"{b} days" for b in AGING_BUCKETS], "Total"],
        numeric={1, 2, 3, 4, 5},
    )
    by_payer = month.data.get("aging_by_payer", {})
    for payer in PAYERS:
        buckets = by_payer.get(payer)
        if not buckets:
            continue
        total = sum((Decimal(v) for v in buckets.values()), Decimal(0))
        table.rows.append(
            [
                PAYER_LABELS[payer],
                *[display.dollars(buckets[b]) for b in AGING_BUCKETS],
                display.dollars(total),
            ]
        )
    totals = month.data["aging"]
    table.rows.append(
        [
            "All payers",
            *[display.dollars(totals[b]) for b in AGING_BUCKETS],
            display.dollars(sum((Decimal(v) for v in totals.values()), Decimal(0))),
        ]
    )
    return table


def aging_bars(month: Month) -> list[dict]:
    """Stacked bars per payer (the collections page's style: hatched, figures beside)."""
    by_payer = month.data.get("aging_by_payer", {})
    totals = {
        p: sum((Decimal(v) for v in by_payer.get(p, {}).values()), Decimal(0)) for p in PAYERS
    }
    top = max(totals.values(), default=Decimal(0)) or Decimal(1)
    bars = []
    for payer in PAYERS:
        total = totals[payer]
        parts = []
        for index, bucket in enumerate(AGING_BUCKETS):
            amount = Decimal(by_payer.get(payer, {}).get(bucket, "0"))
            if amount:
                parts.append(
                    {
                        "css": f"b{index}",
                        "width": int(amount * 100 / top),
                        "label": f"{bucket} days: {display.dollars(amount)}",
                    }
                )
        bars.append({"label": PAYER_LABELS[payer], "total": display.dollars(total), "parts": parts})
    return bars


def enrollment_chart(trend: list[Month], chart_id: str = "enrollment-trend"):
    labels = [short_month(m) for m in trend]

    def values(path):
        return [_d(value_at(m.data, path)) if m.has_data else None for m in trend]

    return charts.line_chart(
        chart_id=chart_id,
        title="Enrollment and vacancies, twelve months",
        description=(
            "FTE enrolled, staffed and licensed capacity and vacancies for each month from "
            f"{trend[0].label} to {trend[-1].label}. The table below has every figure."
        ),
        labels=labels,
        series=[
            charts.Series("FTE enrolled", values("fte_enrolled"), 0),
            charts.Series("Staffed capacity", values("staffed_capacity"), 1),
            charts.Series("Licensed", values("licensed_capacity"), 2),
            charts.Series("Vacancies", values("vacancies"), 3),
        ],
        fmt=fte_label,
    )


def collection_chart(trend: list[Month], targets, chart_id: str = "collection-trend"):
    labels = [short_month(m) for m in trend]

    def values(path):
        return [_pct_points(value_at(m.data, path)) if m.has_data else None for m in trend]

    return charts.line_chart(
        chart_id=chart_id,
        title="Fee collection rate, twelve months",
        description=(
            "The share of each month's charges collected, in total, from families and from CCA, "
            f"with the targets for green ({targets.collection_green * 100:.0f}%) and yellow "
            f"({targets.collection_yellow * 100:.0f}%)."
        ),
        labels=labels,
        series=[
            charts.Series("All payers", values("fee_collection_rate.total"), 0),
            charts.Series("Families", values("fee_collection_rate.family"), 1),
            charts.Series("CCA", values("fee_collection_rate.cca"), 2),
        ],
        fmt=pct_label,
        floor=None,
        ceiling=100,
        guides=[
            (targets.collection_green * 100, f"{targets.collection_green * 100:.0f}%"),
            (targets.collection_yellow * 100, f"{targets.collection_yellow * 100:.0f}%"),
        ],
    )


def age_group_chart(month: Month, chart_id: str = "age-groups"):
    groups = [group for group, _ in age_groups(month.data)]
    return charts.bar_chart(
        chart_id=chart_id,
        title="Cost and revenue per child by age group",
        description="For each age group, the cost per child (hatched) and the revenue per child "
        "(solid) in " + month.label + ".",
        groups=[AGE_GROUP_LABELS[g] for g in groups],
        series=[
            charts.Series(
                "Revenue per child",
                [_d(month.data["by_age_group"][g]["revenue_per_child"]) for g in groups],
                0,
            ),
            charts.Series(
                "Cost per child",
                [_d(month.data["by_age_group"][g]["cost_per_child"]) for g in groups],
                1,
            ),
        ],
        fmt=usd_label,
    )


def break_even(month: Month, chart_id: str = "break-even"):
    d = month.data
    fte = Decimal(d["fte_enrolled"])
    variable = Decimal(d.get("expenses_variable") or 0)
    return charts.break_even_chart(
        chart_id=chart_id,
        fixed=Decimal(d.get("expenses_fixed") or 0),
        variable_per_child=(variable / fte) if fte else Decimal(0),
        revenue_per_child=Decimal(d["revenue_per_child"] or 0),
        capacity=d["licensed_capacity"],
        fte_now=fte,
        break_even=_d(d["break_even_fte"]),
        money=usd_label,
        fte_fmt=fte_label,
    )


# Scenario planner rows ----------------------------------------------------------------------


def _money(value) -> str:
    return dollars(metrics.money(value)) if value is not None else "—"


def _ratio(value) -> str:
    return percent(metrics.ratio(value)) if value is not None else "—"


def _fte(value) -> str:
    return metrics.fte(value) or "—"


def shown(value, unit: str) -> str:
    return percent(value) if unit == "percent" else dollars(value)


SCENARIO_FIGURES = [
    ("FTE enrolled", "fte", _fte, True),
    ("Revenue (billed)", "revenue", _money, True),
    ("Expenses", "expenses", _money, False),
    ("Revenue per child", "revenue_per_child", _money, True),
    ("Cost per child", "cost_per_child", _money, False),
    ("Break-even FTE", "break_even_fte", _fte, False),
    ("Break-even enrollment", "break_even_enrollment", _ratio, False),
    ("Net income", "net_income", _money, True),
]


def scenario_rows(now, projected) -> list[dict]:
    rows = []
    for label, name, fmt, up in SCENARIO_FIGURES:
        before = getattr(now, name)
        after = getattr(projected, name) if projected else None
        change, better = "", None
        if projected is not None and before is not None and after is not None:
            delta = after - before
            if delta:
                sign = "+" if delta > 0 else "−"
                change = f"{sign}{fmt(abs(delta)) if fmt is not _ratio else _ratio(abs(delta))}"
                better = (delta > 0) == up
        rows.append(
            {
                "label": label,
                "today": fmt(before),
                "scenario": fmt(after) if projected else "",
                "change": change,
                "better": better,
            }
        )
    return rows


def scenario_group_rows(now, projected) -> list[dict]:
    rows = []
    for group, outcome in now.by_group.items():
        after = projected.by_group.get(group) if projected else None
        rows.append(
            {
                "label": metrics.AGE_GROUP_LABELS[group],
                "fte": _fte(outcome.fte),
                "fte_after": _fte(after.fte) if after else "",
                "revenue": _money(outcome.revenue_per_child),
                "revenue_after": _money(after.revenue_per_child) if after else "",
                "cost": _money(outcome.cost_per_child),
                "cost_after": _money(after.cost_per_child) if after else "",
            }
        )
    return rows


# The comparison with the alliance ------------------------------------------------------------


def comparison(result: queries.AllianceMonth, names: dict, highlight: set) -> dict:
    medians = queries.medians(result.rows)
    figures = []
    for path, label, unit, higher_better in queries.COMPARED:
        fmt = pct_label if unit == "percent" else usd_label
        scale = Decimal(100) if unit == "percent" else Decimal(1)
        points = [
            (names[r.provider.pk], Decimal(v) * scale, r.provider.pk in highlight)
            for r in result.rows
            if r.has_data and (v := queries.value_at(r.data, path)) is not None
        ]
        median = medians[path] * scale if medians[path] is not None else None
        figures.append(
            {
                "label": label,
                "path": path,
                "unit": unit,
                "higher_better": higher_better,
                "median": medians[path],
                "chart": charts.strip_chart(
                    chart_id=f"cmp-{path.replace('.', '-').replace('_', '-')}",
                    title=f"{label}: each provider and the alliance median",
                    points=points,
                    median=median,
                    fmt=fmt,
                ),
            }
        )
    rows = []
    for r in result.rows:
        cells = []
        for path, _label, unit, higher_better in queries.COMPARED:
            value = queries.value_at(r.data, path)
            median = medians[path]
            versus = ""
            better = None
            if value is not None and median is not None and r.has_data:
                delta = Decimal(value) - median
                shown = abs(delta) * 100 if unit == "percent" else abs(delta)
                if shown < Decimal("0.05") if unit == "percent" else shown < Decimal("0.5"):
                    versus = "at the median"
                elif unit == "percent":
                    better = (delta > 0) == higher_better
                    versus = f"{'+' if delta > 0 else '−'}{shown:.1f} pts"
                else:
                    better = (delta > 0) == higher_better
                    versus = f"{'+' if delta > 0 else '−'}{usd_label(shown)}"
            cells.append({"value": value, "unit": unit, "versus": versus, "better": better})
        rows.append(
            {
                "name": names[r.provider.pk],
                "highlight": r.provider.pk in highlight,
                "status": r.data["status"],
                "cells": cells,
                "has_data": r.has_data,
            }
        )
    rows.sort(key=lambda row: (not row["highlight"], row["name"]))
    return {
        "figures": figures,
        "rows": rows,
        "columns": [label for _, label, _, _ in queries.COMPARED],
        "total": result.total_data,
    }


def alliance_cards(total: dict) -> list[dict]:
    status = total["status"]
    return [
        {
            "title": SIDE_TITLES["enrollment"],
            "status": status["enrollment"],
            "value": total["enrollment_efficiency_staffed"],
            "unit": "percent",
            "label": f"{total['fte_enrolled']} FTE of {total['staffed_capacity']} staffed seats",
        },
        {
            "title": SIDE_TITLES["fee_collection"],
            "status": status["fee_collection"],
            "value": total["fee_collection_rate"]["total"],
            "unit": "percent",
            "label": f"bad debt {percent(total['bad_debt_rate'])}",
        },
        {
            "title": SIDE_TITLES["cost_coverage"],
            "status": status["cost_coverage"],
            "value": total["revenue_per_child"],
            "unit": "money",
            "label": f"revenue per child; cost {dollars(total['cost_per_child'])}",
        },
    ]


# The state's aggregates ----------------------------------------------------------------------


def state_tables(alliance, month: date) -> dict:
    """Sums by county, by provider kind and by age group: never a child, a family or a name."""
    result = queries.alliance_month(alliance, month)
    total = result.total_data
    by_county = queries.group_totals(result.rows, lambda p: p.county or "Unknown")
    by_kind = queries.group_totals(result.rows, lambda p: p.get_kind_display())

    def row(name, figures):
        d = metrics.as_json(figures, key="alliance")
        billed = Decimal(d["billed"]["total"])
        cca = Decimal(d["billed"]["cca"])
        return [
            name,
            d["providers"],
            d["fte_enrolled"],
            d["staffed_capacity"],
            d["licensed_capacity"],
            percent(d["enrollment_efficiency_staffed"]),
            percent(d["enrollment_efficiency_licensed"]),
            d["vacancies"],
            percent(metrics.ratio(cca / billed)) if billed else "—",
        ]

    header = [
        "",
        "Providers",
        "FTE enrolled",
        "Staffed capacity",
        "Licensed capacity",
        "Efficiency (staffed)",
        "Efficiency (licensed)",
        "Vacancies",
        "CCA share of billing",
    ]
    county = TableData(
        "by_county",
        "By county",
        ["County", *header[1:]],
        [row(n, f) for n, f in by_county],
        set(range(1, 9)),
    )
    kind = TableData(
        "by_kind",
        "By provider kind",
        ["Provider kind", *header[1:]],
        [row(n, f) for n, f in by_kind],
        set(range(1, 9)),
    )
    groups = TableData(
        "by_age_group",
        "Vacancies by age group",
        ["Age group", "FTE enrolled", "Staffed capacity", "Vacancies"],
        numeric={1, 2, 3},
    )
    for group, values in age_groups(total):
        groups.rows.append(
            [
                metrics.AGE_GROUP_LABELS[group],
                values["fte_enrolled"],
                values["staffed_capacity"],
                values["vacancies"],
            ]
        )
    county_vacancies = TableData(
        "vacancies_by_county",
        "Vacancies by county and age group",
        ["County", *[metrics.AGE_GROUP_LABELS[g] for g in metrics.AGE_GROUPS], "All"],
        numeric={1, 2, 3, 4},
    )
    for name, figures in by_county:
        county_vacancies.rows.append(
            [
                name,
                *[metrics.fte(figures.vacancies_by_group[g]) for g in metrics.AGE_GROUPS],
                metrics.fte(figures.vacancies),
            ]
        )
    billed = Decimal(total["billed"]["total"])
    return {
        "total": total,
        "cca_share": metrics.ratio(Decimal(total["billed"]["cca"]) / billed) if billed else None,
        "tables": {t.name: t for t in (county, kind, groups, county_vacancies)},
        "vacancy_chart": charts.bar_chart(
            chart_id="state-vacancies",
            title="Vacancies and staffed capacity by age group",
            description="FTE vacancies against staffed capacity for each age group, summed over "
            "the alliance's providers.",
            groups=[row[0] for row in groups.rows],
            series=[
                charts.Series("Staffed capacity", [Decimal(r[2]) for r in groups.rows], 0),
                charts.Series("Vacancies", [Decimal(r[3]) for r in groups.rows], 1),
            ],
            fmt=fte_label,
        ),
    }


# Expenses --------------------------------------------------------------------------------


def expense_table(provider, month: date) -> TableData:
    table = TableData(
        "expenses",
        f"Expenses of {month:%B %Y}",
        ["Month", "Category", "Classroom", "Amount", "Note", "Source"],
        numeric={3},
    )
    for e in costs.expenses_of(provider, month):
        table.rows.append(
            [
                f"{e.month:%Y-%m}",
                e.get_category_display(),
                e.classroom.name if e.classroom else "",
                f"{e.amount:.2f}",
                e.note,
                e.get_source_display(),
            ]
        )
    return table
