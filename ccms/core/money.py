"""Money is Decimal, rounded half-up to cents here and nowhere else."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a Decimal, int or string.")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
