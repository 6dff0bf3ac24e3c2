"""Importing this module registers every billing task with the queue (ccms.core.tasks)."""

from ccms.billing import (
    autopay,  # noqa: F401
    collections,  # noqa: F401
    runs,  # noqa: F401
)
