"""The database-backed task queue.

A job is a plain function registered with `@task("name")` that takes keyword arguments and is
idempotent, so running it twice (a retry, a second worker) does no harm. `enqueue` stores a Task
row; what runs it depends on `settings.TASKS_MODE`:

- "thread" (local and demo): a thread starts the job as soon as the enqueuing transaction commits;
- "sync" (tests): the job runs inside `enqueue`, in the caller's transaction;
- "worker" (production): `ccms worker` processes take queued rows (on PostgreSQL with
  SKIP LOCKED, so several workers never take the same row).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from ccms.core.models import Task, TaskStatus

log = logging.getLogger(__name__)

JOBS: dict[str, Callable] = {}
MAX_ATTEMPTS = 3
# Jobs the worker loop calls about once a minute besides the queue (e.g. releasing scheduled
# messages). Each is idempotent and quick; cron can run the same through a command instead.
PERIODIC: dict[str, Callable[[], object]] = {}
PERIODIC_SECONDS = 60


def task(name: str):
    def register(function):
        JOBS[name] = function
        return function

    return register


def periodic(name: str):
    def register(function):
        PERIODIC[name] = function
        return function

    return register


def run_periodic() -> None:
    for name, function in PERIODIC.items():
        try:
            function()
        except Exception:  # noqa: BLE001 - one failing job must not stop the worker
            log.exception("Periodic job %s failed", name)


def enqueue(name: str, **args) -> Task:
    if name not in JOBS:
        raise KeyError(f"No task named {name!r}.")
    queued = Task.objects.create(name=name, args=args)
    mode = getattr(settings, "TASKS_MODE", "thread")
    if mode == "sync":
        run(queued.pk)
        queued.refresh_from_db()
    elif mode == "thread":
        transaction.on_commit(lambda: _start_thread(queued.pk))
    return queued


def _start_thread(task_id: int) -> None:
    def target():
        try:
            run(task_id)
        finally:
            connection.close()

    threading.Thread(target=target, name=f"task-{task_id}", daemon=True).start()


def claim(task_id: int | None = None) -> Task | None:
    """Take one queued task (this one, or the oldest) and mark it running."""
    with transaction.atomic():
        rows = Task.objects.filter(status=TaskStatus.QUEUED)
        if task_id is not None:
            rows = rows.filter(pk=task_id)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        claimed = rows.order_by("created_at", "pk").first()
        if claimed is None:
            return None
        claimed.status = TaskStatus.RUNNING
        claimed.started_at = timezone.now()
        claimed.attempts += 1
        claimed.save(update_fields=["status", "started_at", "attempts"])
        return claimed


def run(task_id: int | None = None) -> Task | None:
    claimed = claim(task_id)
    if claimed is None:
        return None
    try:
        JOBS[claimed.name](**claimed.args)
    except Exception:  # noqa: BLE001 - a failed job is recorded and retried, never lost
        log.exception("Task %s failed", claimed)
        claimed.error = traceback.format_exc()[-4000:]
        retry = claimed.attempts < MAX_ATTEMPTS and getattr(settings, "TASKS_MODE", "") == "worker"
        claimed.status = TaskStatus.QUEUED if retry else TaskStatus.FAILED
    else:
        claimed.status = TaskStatus.DONE
        claimed.error = ""
    claimed.finished_at = timezone.now()
    claimed.save(update_fields=["status", "error", "finished_at"])
    return claimed


def work(poll_seconds: float = 1.0, once: bool = False) -> int:
    """The worker loop: run queued tasks until stopped (or until none is left, with once)."""
    done = 0
    last_periodic: float | None = None
    while True:
        close_old_connections()
        if last_periodic is None or time.monotonic() - last_periodic >= PERIODIC_SECONDS:
            run_periodic()
            last_periodic = time.monotonic()
        ran = run()
        if ran is not None:
            done += 1
            continue
        if once:
            return done
        time.sleep(poll_seconds)
