"""What CCA bills and collects, posted to the billing ledger: a submitted period charges the
state's share to the provider's CCA payer account and the family fee and any agreed difference
to the family's account; a recall reverses them; a state payment is a payment on the CCA account.

Every posting carries an idempotency key, so posting the same submission twice changes nothing.
"""

from __future__ import annotations


def post_submission(submission, *, actor) -> None:
    """Charge what the submission bills. (The ledger arrives with the billing capability.)"""


def reverse_submission(submission, *, actor, reason: str) -> None:
    """Reverse what a recalled submission billed."""


def post_state_payments(payments, *, period, actor) -> None:
    """Post the state's payments to the provider's CCA payer account."""
