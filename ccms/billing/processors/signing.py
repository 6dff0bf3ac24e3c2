"""Signed webhooks, the way Stripe signs them.

The processor sends `Stripe-Signature: t=<unix time>,v1=<hex>` where the hex is the
HMAC-SHA256 of "<t>.<raw body>" under the endpoint's signing secret. We recompute it over the raw
bytes received (never over re-serialized JSON), compare in constant time, and refuse a timestamp
more than five minutes away from now, so a captured request cannot be replayed later."""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Stripe-Signature"
TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """The request is not a genuine, fresh event from the processor."""


def compute(payload: bytes, secret: str, timestamp: int) -> str:
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The header value for `payload` (the sandbox and the tests sign with it)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={compute(payload, secret, timestamp)}"


def verify(
    payload: bytes,
    header: str,
    secret: str,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> int:
    """Check the header against the payload; return its timestamp or raise SignatureError."""
    if not secret:
        raise SignatureError("No webhook signing secret is set for this provider.")
    timestamp, signatures = None, []
    for part in (header or "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError(f"The {HEADER} header is missing or has no t= and v1= parts.")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("The signature's timestamp is too old (or in the future).")
    expected = compute(payload, secret, timestamp)
    # Compare every v1 (the processor sends two while a secret is being rolled) in full.
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureError("The signature does not match the payload.")
    return timestamp
