"""`ccms bench`: builds a synthetic alliance, runs each benchmark with its lower bound measured
in the same run, and writes bench/results.json (specs/bench-results.md)."""

import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.utils import timezone

from ccms.attendance.models import Absence, Presence
from ccms.billing.bench import billing_run_benchmark
from ccms.core.seed import bench_directors, seed_alliance
from ccms.families.models import Child
from ccms.insights.bench import metrics_benchmark, seed_money

# billing_children: the children of the one large center whose monthly billing run is timed
# (10,000 by default; fewer at the small scale, and the result says how many).
SCALES = {
    "small": {
        "providers": 20,
        "children": 1200,
        "months": 1,
        "duration_s": 8,
        "billing_children": 2000,
    },
    "default": {
        "providers": 200,
        "children": 12000,
        "months": 12,
        "duration_s": 30,
        "billing_children": 10000,
    },
}
CONCURRENCY = 200
CHILDREN_PER_KIOSK = 3


def database_label() -> str:
    vendor = connection.vendor
    if vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)
        return f"postgresql {major}.{minor}"
    return f"{vendor} {connection.Database.sqlite_version}" if vendor == "sqlite" else vendor


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _session_for(user) -> dict:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return {"session": store.session_key, "csrf": _get_new_csrf_string()}


def _start_server(port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "false", "CCMS_HTTPS": "false"}
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "ccms.cli",
            "serve",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            "8",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("The app server did not start within 60 seconds.")


def _load(plan: dict) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(plan, handle)
    try:
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "ccms.core.loadgen", handle.name],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        os.unlink(handle.name)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_benchmarks(scale: str, say=print) -> dict:
    numbers = SCALES[scale]
    say(
        f"Seeding {numbers['providers']} providers, {numbers['children']} children, "
        f"{numbers['months']} months and a center of {numbers['billing_children']} children "
        f"on {database_label()} ..."
    )
    today = timezone.localdate()
    seeded = seed_alliance(
        providers=numbers["providers"],
        children=numbers["children"],
        months=numbers["months"],
        seed=2026,
        today=today,
        large_center=numbers["billing_children"],
    )
    say(f"Monthly billing run of {numbers['billing_children']} children, and its baseline ...")
    billing = billing_run_benchmark(seeded.large_center, today=today)
    say("Iron Triangle metrics of every provider and the alliance for last month ...")
    seed_money(seeded.alliance, months=numbers["months"], today=today)
    insights = metrics_benchmark(
        seeded.alliance,
        today=today,
        name=f"metrics_alliance_{numbers['providers']}" + ("_small" if scale == "small" else ""),
    )
    directors = bench_directors(seeded.alliance, "bench-only-password")
    sessions = {d.memberships.get().provider.slug: _session_for(d) for d in directors}
    children = list(
        Child.objects.filter(provider__alliance=seeded.alliance)
        .values_list("pk", "provider__slug")
        .order_by("pk")[: CONCURRENCY * CHILDREN_PER_KIOSK]
    )
    kiosks = [
        [{"id": pk, "provider": slug} for pk, slug in children[n::CONCURRENCY]]
        for n in range(CONCURRENCY)
    ]
    # Close any pair left open by a previous run.
    Presence.objects.filter(
        child_id__in=[pk for pk, _ in children], check_out__isnull=True
    ).delete()
    port = free_port()
    server = _start_server(port, workers=(os.cpu_count() or 2) * 2 + 1)
    try:
        common = {
            "base_url": f"http://127.0.0.1:{port}",
            "concurrency": CONCURRENCY,
            "duration_s": numbers["duration_s"],
        }
        say(f"Baseline: minimal view, {CONCURRENCY} concurrent clients ...")
        baseline = _load({**common, "mode": "healthz"})
        say(f"Kiosk check-ins and check-outs, {CONCURRENCY} concurrent kiosks ...")
        kiosk = _load({**common, "mode": "checkin", "kiosks": kiosks, "sessions": sessions})
    finally:
        server.terminate()
        server.wait(timeout=30)
    # What the database holds after the load: the seeded history and the kiosks' pairs (the
    # seeded count already includes the seeded pairs).
    in_alliance = {"provider__alliance": seeded.alliance}
    attendance_rows = (
        Presence.objects.filter(**in_alliance).count()
        + Absence.objects.filter(**in_alliance).count()
    )
    results = {
        "format": "ccms-bench",
        "version": 1,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "database": database_label(),
        },
        "dataset": {
            "providers": seeded.providers,
            "children": seeded.children,
            "months": numbers["months"],
            "attendance_rows": attendance_rows,
        },
        "results": [
            {
                "name": "kiosk_checkin_http",
                "value": kiosk["rps"],
                "unit": "req/s",
                "p50_ms": kiosk["p50_ms"],
                "p99_ms": kiosk["p99_ms"],
                "errors": kiosk["errors"],
                "concurrency": CONCURRENCY,
                "duration_s": numbers["duration_s"],
                "baseline": "minimal Django view (/healthz) on the same server and load",
                "baseline_value": baseline["rps"],
                "baseline_p50_ms": baseline["p50_ms"],
                "baseline_p99_ms": baseline["p99_ms"],
                "ratio": round(kiosk["rps"] / baseline["rps"], 3) if baseline["rps"] else None,
            },
            billing,
            insights,
        ],
    }
    out = Path(settings.BASE_DIR) / "bench" / "results.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    return results
