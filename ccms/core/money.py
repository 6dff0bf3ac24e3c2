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


def apportion(total: Decimal, weights: dict) -> dict:
    """Share `total` (cents) among keys in proportion to their weights, to the cent, so that the
    shares add up to `total` exactly: each key gets its share rounded down, and the cents left
    over go one each to the largest remainders (ties to the earlier key). Weights are exact
    (Decimal, int or Fraction) and not negative; their sum must be above zero."""
    cents = int(to_cents(total) * 100)
    exact = {key: Fraction(weight) for key, weight in weights.items()}
    whole = sum(exact.values(), Fraction(0))
    if whole <= 0:
        raise ValueError("Nothing to share by: every weight is zero.")
    if any(w < 0 for w in exact.values()):
        raise ValueError("A weight is negative.")
    raw = {key: w * cents / whole for key, w in exact.items()}
    floors = {key: int(value // 1) for key, value in raw.items()}
    left = cents - sum(floors.values())
    order = sorted(raw, key=lambda k: -(raw[k] - floors[k]))
    for key in order[:left]:
        floors[key] += 1
    return {key: Decimal(value) / 100 for key, value in floors.items()}
