"""Money is Decimal, rounded half-up to cents here and nowhere else."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")


def to_cents(value) -> Decimal:
    """Round a Decimal, int, string or exact Fraction half-up to cents."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a Decimal, int or string.")
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
