"""How figures of the metrics JSON are written on pages, in reports and exports. Every page shows
the JSON's own rounded figures, so no page can show a figure another rounds differently: a ratio
of four decimals is a percentage of two, exactly."""

from __future__ import annotations

from decimal import Decimal

from ccms.insights.metrics import GREEN, RED, STATUS_WORDS, YELLOW

DASH = "—"


def percent(value) -> str:
    """ "0.9775" -> "97.75%"; empty -> "—"."""
    if value is None or value == "":
        return DASH
    return f"{Decimal(value) * 100:.2f}%"


def dollars(value, *, cents: bool = True) -> str:
    """ "-1800.00" -> "−$1,800.00"; empty -> "—"."""
    if value is None or value == "":
        return DASH
    amount = Decimal(value)
    text = f"{abs(amount):,.2f}" if cents else f"{abs(amount).to_integral_value():,}"
    return f"−${text}" if amount < 0 else f"${text}"


def number(value) -> str:
    return DASH if value is None or value == "" else str(value)


def status_word(status: str | None) -> str:
    return STATUS_WORDS[status]


def status_class(status: str | None) -> str:
    """The badge class of a status (good / warn / bad), the same words on every page."""
    return {GREEN: "good", YELLOW: "warn", RED: "bad"}.get(status, "")


def status_mark(status: str | None) -> str:
    """A shape for the status, so it reads without colour: ✓ green, ! yellow, ✕ red."""
    return {GREEN: "✓", YELLOW: "!", RED: "✕"}.get(status, "–")
