from django.core.management.base import BaseCommand

from ccms.core import tasks


class Command(BaseCommand):
    help = "Run queued background tasks (billing runs, imports, feeds) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Stop when the queue is empty.")
        parser.add_argument("--poll", type=float, default=1.0, help="Seconds between polls.")

    def handle(self, *args, once=False, poll=1.0, **options):
        done = tasks.work(poll_seconds=poll, once=once)
        self.stdout.write(f"Ran {done} task(s).")
