"""Importing this module registers every billing task with the queue (ccms.core.tasks)."""

from ccms.billing import runs  # noqa: F401
