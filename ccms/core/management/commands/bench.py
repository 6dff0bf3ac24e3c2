import json
import os

from django.core.management.base import BaseCommand

from ccms.core.bench import SCALES, run_benchmarks


class Command(BaseCommand):
    help = "Run the benchmarks on a synthetic alliance and write bench/results.json."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", choices=sorted(SCALES), default=os.environ.get("BENCH_SCALE", "default")
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, scale, json: bool, **options):
        results = run_benchmarks(scale, say=lambda text: self.stderr.write(text))
        if json:
            self.stdout.write(_dumps(results))
            return
        data = results["dataset"]
        self.stdout.write(
            f"\nDatabase: {results['machine']['database']}; dataset: "
            f"{data['providers']} providers, {data['children']} children, "
            f"{data['attendance_rows']} attendance rows"
        )
        self.stdout.write(
            f"{'benchmark':<26}{'value':>12}{'p50 ms':>9}{'p99 ms':>9}{'queries':>9}"
            f"{'baseline':>12}{'ratio':>8}"
        )
        for r in results["results"]:
            # Throughput results have latencies, others (a billing run) a query count.
            self.stdout.write(
                f"{r['name']:<26}{r['value']:>8} {r['unit']:<4}{r.get('p50_ms', ''):>8}"
                f"{r.get('p99_ms', ''):>9}{r.get('queries', ''):>9}"
                f"{r['baseline_value']:>12}{r['ratio']:>8}"
            )
        self.stdout.write("Written to bench/results.json")


def _dumps(data) -> str:
    return json.dumps(data, indent=2)
