import json
import sys

from django.core.management.base import BaseCommand

from ccms.core.seed import seed_alliance


class Command(BaseCommand):
    help = "Create a synthetic alliance at a given scale, deterministic by --seed."

    def add_arguments(self, parser):
        parser.add_argument("--providers", type=int, default=20)
        parser.add_argument("--children", type=int, default=1200)
        parser.add_argument("--months", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, providers, children, months, seed, json: bool, **options):
        def progress(done, total):
            if not json:
                sys.stderr.write(f"\rattendance days {done}/{total}")
                if done == total:
                    sys.stderr.write("\n")

        result = seed_alliance(
            providers=providers, children=children, months=months, seed=seed, progress=progress
        )
        summary = {
            "alliance": result.alliance.slug,
            "providers": result.providers,
            "children": result.children,
            "enrollments": result.enrollments,
            "attendance_rows": result.attendance_rows,
        }
        if json:
            self.stdout.write(_dumps(summary))
        else:
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in summary.items()))


def _dumps(data) -> str:
    return json.dumps(data)
