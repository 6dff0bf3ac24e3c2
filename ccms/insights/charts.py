"""Charts drawn on the server as inline SVG: no script, no network, nothing to install.

Every chart reads without colour: each series has its own marker shape and line dash (bars a
hatching), values are written on the chart, a legend names each series by its shape, and the page
puts the same figures in a table next to it. Colours come from the stylesheet (classes s0..s3).
The SVG has a title and a description for screen readers."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Number = Decimal | int | float
Format = Callable[[Number], str]

WIDTH, HEIGHT = 480, 250
LEFT, RIGHT, TOP, BOTTOM = 58, 18, 34, 34
DASHES = ["", "7 4", "2 4", "11 4"]
MARKERS = ["circle", "square", "triangle", "diamond"]


@dataclass
class Series:
    label: str
    values: Sequence[Number | None]
    style: int = 0


def _n(value) -> float:
    # Coordinates only: the figures written on the chart are formatted from the exact values.
    return float(value)


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values covering low..high (1, 2, 2.5 or 5 times a power of ten apart)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _points(pairs) -> str:
    return " ".join(f"{_fmt(a)},{_fmt(b)}" for a, b in pairs)


def marker(shape: str, x: float, y: float, css: str, size: float = 4.2, title: str = "") -> str:
    tip = f"<title>{escape(title)}</title>" if title else ""
    if shape == "circle":
        return (
            f'<circle class="{css}" cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_fmt(size)}">{tip}</circle>'
        )
    if shape == "square":
        s = size * 0.9
        return (
            f'<rect class="{css}" x="{_fmt(x - s)}" y="{_fmt(y - s)}" width="{_fmt(2 * s)}" '
            f'height="{_fmt(2 * s)}">{tip}</rect>'
        )
    if shape == "triangle":
        s = size * 1.2
        points = _points([(x, y - s), (x + s, y + s * 0.8), (x - s, y + s * 0.8)])
        return f'<polygon class="{css}" points="{points}">{tip}</polygon>'
    s = size * 1.25
    points = _points([(x, y - s), (x + s, y), (x, y + s), (x - s, y)])
    return f'<polygon class="{css}" points="{points}">{tip}</polygon>'


def _open(chart_id: str, title: str, description: str, height: int = HEIGHT) -> list[str]:
    return [
        f'<svg class="chart-svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" focusable="false">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]


def _legend_places(items: list[tuple[str, int]], swatch: float) -> list[tuple[float, float]]:
    """Where each legend entry goes: left to right, wrapping onto another row when full."""
    places, x, y = [], float(LEFT), 14.0
    for label, _ in items:
        width = swatch + 18 + len(label) * 7.6
        if x + width > WIDTH - 4 and x > LEFT:
            x, y = float(LEFT), y + 17
        places.append((x, y))
        x += width
    return places


def legend_height(items: list[tuple[str, int]], swatch: float = 22) -> float:
    """The top margin a legend needs (one row: TOP)."""
    rows = len({y for _, y in _legend_places(items, swatch)}) or 1
    return TOP + 17 * (rows - 1)


def _legend_line(items: list[tuple[str, int]]) -> list[str]:
    """Legend across the top: a line sample with the series' marker, then its name."""
    out = []
    for (label, style), (x, y) in zip(items, _legend_places(items, 22), strict=True):
        css = f"s{style}"
        dash = f' stroke-dasharray="{DASHES[style]}"' if DASHES[style] else ""
        out.append(
            f'<line class="line {css}" x1="{_fmt(x)}" y1="{_fmt(y)}" x2="{_fmt(x + 22)}" '
            f'y2="{_fmt(y)}"{dash}/>'
            + marker(MARKERS[style], x + 11, y, f"mark {css}")
            + f'<text class="legend" x="{_fmt(x + 28)}" y="{_fmt(y + 4)}">{escape(label)}</text>'
        )
    return out


def _legend_boxes(items: list[tuple[str, int]], chart_id: str) -> list[str]:
    out = []
    for (label, style), (x, y) in zip(items, _legend_places(items, 16), strict=True):
        out.append(
            f'<rect class="bar s{style}" x="{_fmt(x)}" y="{_fmt(y - 7)}" width="16" height="12" '
            f'fill="url(#{chart_id}-p{style})"/>'
            f'<text class="legend" x="{_fmt(x + 22)}" y="{_fmt(y + 4)}">{escape(label)}</text>'
        )
    return out


def _patterns(chart_id: str, count: int) -> str:
    """Bar fills: solid, hatched, cross-hatched, dotted, so bars differ without colour."""
    shapes = [
        "",
        '<path class="hatch" d="M0 6 L6 0"/>',
        '<path class="hatch" d="M0 6 L6 0 M0 0 L6 6"/>',
        '<circle class="hatch-dot" cx="3" cy="3" r="1.2"/>',
    ]
    out = ["<defs>"]
    for style in range(count):
        out.append(
            f'<pattern id="{chart_id}-p{style}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect class="fill s{style}" width="6" height="6"/>{shapes[style]}</pattern>'
        )
    out.append("</defs>")
    return "".join(out)


def _y_axis(ticks: list[float], y, fmt: Format, height: int = HEIGHT) -> list[str]:
    out = []
    for tick in ticks:
        ty = y(tick)
        out.append(
            f'<line class="grid" x1="{LEFT}" y1="{_fmt(ty)}" x2="{WIDTH - RIGHT}" y2="{_fmt(ty)}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{_fmt(ty + 4)}" text-anchor="end">'
            f"{escape(fmt(Decimal(str(tick))))}</text>"
        )
    return out


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[Series],
    fmt: Format,
    floor: float | None = 0,
    ceiling: float | None = None,
    guides: Sequence[tuple[Number, str]] = (),
) -> SafeString:
    """Lines over months: markers at every value, the last value written at the line's end,
    gaps where a month has no figure, dashed guide lines for targets."""
    values = [_n(v) for s in series for v in s.values if v is not None]
    values += [_n(g) for g, _ in guides]
    low = min(values + ([floor] if floor is not None else []), default=0)
    high = max(values + ([ceiling] if ceiling is not None else []), default=1)
    if ceiling is not None:
        high = max(high, ceiling)
    ticks = nice_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    top = legend_height([(s.label, s.style) for s in series])
    plot_w, plot_h = WIDTH - LEFT - RIGHT - 40, HEIGHT - top - BOTTOM
    count = max(len(labels), 1)

    def x(i: int) -> float:
        return LEFT + 8 + (plot_w - 16) * (i / (count - 1) if count > 1 else 0.5)

    def y(v: float) -> float:
        return top + plot_h - (v - low) / (high - low) * plot_h

    out = _open(chart_id, title, description)
    out += _legend_line([(s.label, s.style) for s in series])
    out += _y_axis(ticks, y, fmt)
    step = max(1, math.ceil(count / 12))
    for i, label in enumerate(labels):
        if i % step == 0 or i == count - 1:
            # On a phone every other month's name is hidden (class "minor") so none overlap.
            minor = " minor" if count > 6 and (count - 1 - i) % 2 else ""
            out.append(
                f'<text class="tick{minor}" x="{_fmt(x(i))}" y="{HEIGHT - BOTTOM + 18}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for index, (value, label) in enumerate(guides):
        gy = y(_n(value))
        # Labels sit inside the plot at the left, alternately above and below their line.
        ly = gy - 4 if index % 2 == 0 else gy + 12
        out.append(
            f'<line class="guide" x1="{LEFT}" y1="{_fmt(gy)}" x2="{WIDTH - RIGHT - 40}" '
            f'y2="{_fmt(gy)}" stroke-dasharray="3 3"/>'
            f'<text class="guide-label" x="{LEFT + 4}" y="{_fmt(ly)}">{escape(label)}</text>'
        )
    for s in series:
        css = f"s{s.style}"
        dash = f' stroke-dasharray="{DASHES[s.style]}"' if DASHES[s.style] else ""
        runs, current = [], []
        for i, v in enumerate(s.values):
            if v is None:
                if current:
                    runs.append(current)
                current = []
            else:
                current.append((x(i), y(_n(v))))
        if current:
            runs.append(current)
        for run in runs:
            points = " ".join(f"{_fmt(px)},{_fmt(py)}" for px, py in run)
            out.append(f'<polyline class="line {css}" points="{points}"{dash}/>')
        last = None
        for i, v in enumerate(s.values):
            if v is None:
                continue
            out.append(
                marker(
                    MARKERS[s.style], x(i), y(_n(v)), f"mark {css}", title=f"{labels[i]}: {fmt(v)}"
                )
            )
            last = (i, v)
        if last is not None:
            i, v = last
            out.append(
                f'<text class="end-label {css}" x="{_fmt(x(i) + 8)}" y="{_fmt(y(_n(v)) + 4)}">'
                f"{escape(fmt(v))}</text>"
            )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 (every text above is escaped)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    groups: list[str],
    series: list[Series],
    fmt: Format,
) -> SafeString:
    """Grouped bars, each bar with its value written above it and its own fill pattern."""
    values = [_n(v) for s in series for v in s.values if v is not None]
    # Headroom above the tallest bar for its value (and a neighbour's, set above it).
    ticks = nice_ticks(min([0.0, *values]), max([1.0, *values]) * 1.12)
    low, high = ticks[0], ticks[-1]
    top = legend_height([(s.label, s.style) for s in series], 16) + 8
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - top - BOTTOM

    def y(v: float) -> float:
        return top + plot_h - (v - low) / (high - low) * plot_h

    out = _open(chart_id, title, description)
    out.append(_patterns(chart_id, len(series)))
    out += _legend_boxes([(s.label, s.style) for s in series], chart_id)
    out += _y_axis(ticks, y, fmt)
    slot = plot_w / max(len(groups), 1)
    bar_w = min(44.0, slot * 0.8 / max(len(series), 1))
    for g, group in enumerate(groups):
        left = LEFT + slot * g + (slot - bar_w * len(series)) / 2
        label_y = None  # the previous bar's value label: a close one goes above it
        for k, s in enumerate(series):
            value = s.values[g]
            bx = left + k * bar_w
            if value is None:
                out.append(
                    f'<text class="bar-value" x="{_fmt(bx + bar_w / 2)}" y="{_fmt(y(0) - 4)}" '
                    'text-anchor="middle">—</text>'
                )
                continue
            upper, base = y(max(_n(value), 0)), y(min(_n(value), 0))
            text_y = upper - 4
            if label_y is not None and abs(text_y - label_y) < 14:
                text_y = min(text_y, label_y) - 14
            label_y = text_y
            out.append(
                f'<rect class="bar s{s.style}" x="{_fmt(bx + 1)}" y="{_fmt(upper)}" '
                f'width="{_fmt(bar_w - 2)}" height="{_fmt(max(base - upper, 0.5))}" '
                f'fill="url(#{chart_id}-p{s.style})"><title>{escape(group)}, {escape(s.label)}: '
                f"{escape(fmt(value))}</title></rect>"
                f'<text class="bar-value" x="{_fmt(bx + bar_w / 2)}" y="{_fmt(text_y)}" '
                f'text-anchor="middle">{escape(fmt(value))}</text>'
            )
        out.append(
            f'<text class="tick" x="{_fmt(LEFT + slot * g + slot / 2)}" y="{HEIGHT - BOTTOM + 18}" '
            f'text-anchor="middle">{escape(group)}</text>'
        )
    out.append(
        f'<line class="axis" x1="{LEFT}" y1="{_fmt(y(0))}" x2="{WIDTH - RIGHT}" y2="{_fmt(y(0))}"/>'
    )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 (every text above is escaped)


def break_even_chart(
    *,
    chart_id: str,
    fixed: Decimal,
    variable_per_child: Decimal,
    revenue_per_child: Decimal,
    capacity: int,
    fte_now: Decimal,
    break_even: Decimal | None,
    money: Format,
    fte_fmt: Format,
) -> SafeString:
    """Revenue and cost against FTE enrolled, from none to full capacity: where the lines cross
    is the break-even enrollment; a second mark shows where the provider is now."""
    top_fte = max(_n(capacity), _n(fte_now), _n(break_even or 0), 1.0)
    top_money = max(
        _n(revenue_per_child) * top_fte, _n(fixed) + _n(variable_per_child) * top_fte, 1
    )
    ticks = nice_ticks(0, top_money)
    high = ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(v: float) -> float:
        return LEFT + v / top_fte * plot_w

    def y(v: float) -> float:
        return TOP + plot_h - v / high * plot_h

    revenue = [(0.0, 0.0), (top_fte, _n(revenue_per_child) * top_fte)]
    cost = [(0.0, _n(fixed)), (top_fte, _n(fixed) + _n(variable_per_child) * top_fte)]
    description = (
        f"Revenue at {money(revenue_per_child)} per child against a fixed cost of {money(fixed)} "
        f"plus {money(variable_per_child)} per child. "
        + (
            f"They meet at {fte_fmt(break_even)} FTE; "
            if break_even is not None
            else "Revenue per child does not cover the cost per child: no break-even; "
        )
        + f"{fte_fmt(fte_now)} FTE are enrolled now, of {capacity} licensed seats."
    )
    out = _open(chart_id, "Break-even enrollment", description)
    out += _legend_line([("Revenue", 0), ("Cost", 1)])
    out += _y_axis(ticks, y, money)
    for n in nice_ticks(0, top_fte):
        if n <= top_fte:
            out.append(
                f'<text class="tick" x="{_fmt(x(n))}" y="{HEIGHT - BOTTOM + 18}" '
                f'text-anchor="middle">{_fmt(n)}</text>'
            )
    out.append(
        f'<text class="tick" x="{WIDTH - RIGHT}" y="{HEIGHT - 2}" text-anchor="end">'
        "FTE enrolled</text>"
    )
    for line, style in ((revenue, 0), (cost, 1)):
        points = " ".join(f"{_fmt(x(a))},{_fmt(y(b))}" for a, b in line)
        dash = f' stroke-dasharray="{DASHES[style]}"' if DASHES[style] else ""
        out.append(f'<polyline class="line s{style}" points="{points}"{dash}/>')
        for a, b in line:
            out.append(marker(MARKERS[style], x(a), y(b), f"mark s{style}"))
    marks = [(fte_now, f"Now {fte_fmt(fte_now)}", "now")]
    if break_even is not None and _n(break_even) <= top_fte:
        marks.append((break_even, f"Break-even {fte_fmt(break_even)}", "even"))
    for index, (value, label, css) in enumerate(marks):
        mx = x(_n(value))
        anchor = "end" if mx > WIDTH * 0.7 else "start"
        shift = -4 if anchor == "end" else 4
        out.append(
            f'<line class="mark-line {css}" x1="{_fmt(mx)}" y1="{TOP}" x2="{_fmt(mx)}" '
            f'y2="{TOP + plot_h}" stroke-dasharray="{"4 3" if css == "even" else "1 0"}"/>'
            f'<text class="mark-label {css}" x="{_fmt(mx + shift)}" y="{TOP + 12 + index * 14}" '
            f'text-anchor="{anchor}">{escape(label)}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 (every text above is escaped)


def sparkline(values: Sequence[Number | None], *, label: str, fmt: Format) -> SafeString:
    """A small trend line; the last value has a dot. Its text says first, last and the change."""
    known = [(i, _n(v), v) for i, v in enumerate(values) if v is not None]
    width, height = 96, 28
    if not known:
        return mark_safe(  # noqa: S308
            f'<span class="spark-empty">{escape(label)}: no history yet</span>'
        )
    first, last = known[0][2], known[-1][2]
    text = f"{label}: {fmt(first)} to {fmt(last)} over {len(values)} months"
    low = min(v for _, v, _ in known)
    high = max(v for _, v, _ in known)
    span = (high - low) or 1.0

    def point(i: int, v: float) -> tuple[float, float]:
        px = 3 + (width - 6) * (i / (len(values) - 1) if len(values) > 1 else 0.5)
        return px, height - 4 - (v - low) / span * (height - 8)

    pts = " ".join(f"{_fmt(a)},{_fmt(b)}" for a, b in (point(i, v) for i, v, _ in known))
    lx, ly = point(known[-1][0], known[-1][1])
    return mark_safe(  # noqa: S308 (the label is escaped)
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(text)}"><title>{escape(text)}</title>'
        f'<polyline class="line s0" points="{pts}"/>'
        f'<circle class="mark s0" cx="{_fmt(lx)}" cy="{_fmt(ly)}" r="2.6"/></svg>'
    )


def strip_chart(
    *,
    chart_id: str,
    title: str,
    points: list[tuple[str, Decimal, bool]],
    median: Decimal | None,
    fmt: Format,
) -> SafeString:
    """Providers along one axis: a small circle each, the highlighted ones a larger diamond
    with their name, the median a labelled dashed line."""
    if not points:
        return mark_safe("")
    width, height = 340, 70
    values = [_n(v) for _, v, _ in points] + ([_n(median)] if median is not None else [])
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or 1
    low, high = low - pad, high + pad

    def x(v: float) -> float:
        return 10 + (v - low) / (high - low) * (width - 20)

    def anchor(px: float) -> str:
        return "end" if px > width * 0.72 else ("start" if px < width * 0.28 else "middle")

    description = f"{len(points)} providers" + (
        f"; the alliance median is {fmt(median)}" if median is not None else ""
    )
    out = [
        f'<svg class="chart-svg strip-svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" focusable="false">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
        f'<line class="axis" x1="10" y1="38" x2="{width - 10}" y2="38"/>',
    ]
    if median is not None:
        mx = x(_n(median))
        out.append(
            f'<line class="guide" x1="{_fmt(mx)}" y1="24" x2="{_fmt(mx)}" y2="50" '
            'stroke-dasharray="3 3"/>'
            f'<text class="guide-label" x="{_fmt(mx)}" y="66" text-anchor="{anchor(mx)}">'
            f"median {escape(fmt(median))}</text>"
        )
    for name, value, highlight in sorted(points, key=lambda p: p[2]):
        px = x(_n(value))
        if highlight:
            out.append(marker("diamond", px, 38, "mark s1 you", 6.5, f"{name}: {fmt(value)}"))
            out.append(
                f'<text class="end-label s1" x="{_fmt(px)}" y="18" text-anchor="{anchor(px)}">'
                f"{escape(name)} {escape(fmt(value))}</text>"
            )
        else:
            out.append(marker("circle", px, 38, "mark s0 other", 4, f"{name}: {fmt(value)}"))
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 (every text above is escaped)
