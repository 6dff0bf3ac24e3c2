"""Filters that write the metrics JSON's figures on pages (see insights.display)."""

from django import template

from ccms.insights import display

register = template.Library()


@register.filter
def pct(value) -> str:
    return display.percent(value)


@register.filter
def usd(value) -> str:
    return display.dollars(value)


@register.filter
def usd0(value) -> str:
    return display.dollars(value, cents=False)


@register.filter
def num(value) -> str:
    return display.number(value)


@register.filter
def status_class(value) -> str:
    return display.status_class(value)


@register.filter
def status_word(value) -> str:
    return display.status_word(value)


@register.filter
def status_mark(value) -> str:
    return display.status_mark(value)


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def pairs(mapping) -> list:
    """A dict's items as a list (so the template can slice them)."""
    return list(mapping.items()) if hasattr(mapping, "items") else []


@register.filter
def delta(pair) -> str:
    """after - before of a restated figure, signed ("" for words or empty figures)."""
    from ccms.insights.snapshots import difference

    change = difference(pair)
    if change is None or change == 0:
        return ""
    return f"({'+' if change > 0 else '−'}{abs(change)})"


@register.filter
def series_of(row, path: str) -> list:
    """A portfolio row's values of one figure over its months."""
    return row.series(path)


@register.filter
def split_words(text: str) -> list[str]:
    return text.split()


@register.simple_tag
def spark(values, label: str, unit: str):
    """A sparkline of the values, labelled in words for screen readers."""
    from decimal import Decimal

    from ccms.insights import charts

    if unit == "percent":
        values = [None if v is None else v * 100 for v in values]

        def fmt(v):
            return f"{Decimal(v):.1f}%"
    elif unit == "money":

        def fmt(v):
            return display.dollars(v, cents=False)
    else:

        def fmt(v):
            return f"{Decimal(v):.2f}"

    return charts.sparkline(values, label=label, fmt=fmt)


SIDE_NAMES = {"enrollment": "Enrollment", "fee_collection": "Collection", "cost_coverage": "Cost"}


@register.filter
def side_name(side: str) -> str:
    return SIDE_NAMES.get(side, side)


@register.simple_tag
def change(row, path: str, unit: str) -> str:
    """The change from the month before, in words ("+2.10 pts since Sep")."""
    from decimal import Decimal

    from django.utils.html import format_html

    values = row.series(path)
    if len(values) < 2 or values[-1] is None or values[-2] is None:
        return ""
    delta = Decimal(values[-1]) - Decimal(values[-2])
    before = row.trend[-2].first
    if delta == 0:
        text = "no change"
    elif unit == "percent":
        text = f"{'+' if delta > 0 else '−'}{abs(delta) * 100:.2f} pts"
    elif unit == "money":
        text = f"{'+' if delta > 0 else '−'}{display.dollars(abs(delta), cents=False)}"
    else:
        text = f"{'+' if delta > 0 else '−'}{abs(delta):.2f}"
    return format_html('<span class="since">{} since {}</span>', text, f"{before:%b}")
